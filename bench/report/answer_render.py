"""The report's opening section from its templates: view model in, HTML out, figures written beside the page.

Jinja2 renders `templates/answer.html.j2` over `answer.AnswerModel`; each group's SVG is embedded in the page
(a data URI, so the page stays one self-contained file) and also written to `<out dir>/figures/<slug>.svg`.
"""

from __future__ import annotations

import base64
from pathlib import Path

from bench.harness.write_errors import writing
from bench.report.answer import AnswerModel, answer_model
from bench.report.answer_figures import panel_svgs
from bench.report.model import ReportModel
from bench.report.render import Section, environment

ANCHOR, TITLE = "answer-panel", "The answer in pictures"


def render_answer(model: AnswerModel, figures_dir: Path | None = None) -> str:
    """The section body: captions from `caption.txt.j2`, one SVG per panel (written to `figures_dir` too)."""
    env = environment()
    caption = env.get_template("caption.txt.j2")
    captions, figures = {}, {}
    for panel in model.panels:
        captions[panel.slug] = " ".join(caption.render(c=panel.caption).split())
        embedded, titled = panel_svgs(panel, captions[panel.slug])
        if figures_dir is not None:
            write_figure(figures_dir / f"{panel.slug}.svg", titled)
        figures[panel.slug] = base64.b64encode(embedded.encode("utf-8")).decode("ascii")
    return env.get_template("answer.html.j2").render(model=model, captions=captions, figures=figures)


def write_figure(path: Path, svg: str) -> None:
    """Write one figure; a failed write (a full disk) leaves no partial file and names the path (WriteError)."""
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.write_text(svg, encoding="utf-8")
        except OSError:
            path.unlink(missing_ok=True)
            raise


def answer_section(model: ReportModel, figures_dir: Path | None = None) -> Section:
    """(anchor, title, body) of the opening section, the report's other sections' shape."""
    return ANCHOR, TITLE, render_answer(answer_model(model), figures_dir)
