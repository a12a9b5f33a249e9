"""The page around the sections: inline CSS, a table of contents, no script and nothing fetched.

The output must open from disk with no internet, so this module emits no external reference of any kind.
"""

from __future__ import annotations

from html import escape

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f;
       max-width: 1240px; margin: 0 auto; padding: 16px 24px 64px; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
nav ol { columns: 3; font-size: 0.92em; }
.meta { color: #555; font-size: 0.9em; }
.note { color: #555; font-size: 0.92em; }
.warn { background: #fff4e0; border-left: 4px solid #f2a541; padding: 8px 12px; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 0.86em; }
caption { white-space: nowrap; text-align: left; font-weight: 600; padding: 4px 0; color: #333; }
th, td { border: 1px solid #d8d8d8; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f0f2f5; }
tbody tr:nth-child(even) { background: #fafafa; }
table.facts th { background: #f0f2f5; width: 160px; }
figure { margin: 8px 0 20px; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 0.85em; white-space: pre-wrap; }
details { margin: 4px 0; }
table.failures td:last-child { white-space: pre-wrap; font-family: monospace; font-size: 0.95em; }
code { background: #f0f2f5; padding: 1px 4px; border-radius: 3px; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.source { min-width: 0; }
.source .highlight { max-height: 720px; overflow: auto; font-size: 0.78em; border: 1px solid #eee; }
.source pre { margin: 0; white-space: pre; line-height: 1.4; }
.source code { background: none; padding: 0; }
"""


def page(title: str, meta: str, sections: list[tuple[str, str, str]]) -> str:
    """The whole HTML document: header, table of contents, then each (anchor, title, body) section."""
    toc = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t, _ in sections)
    body = "".join(f'<section id="{escape(a)}"><h2>{escape(t)}</h2>{b}</section>' for a, t, b in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><p class="meta">{escape(meta)}</p></header>'
        f"<nav><ol>{toc}</ol></nav>{body}</body></html>\n"
    )
