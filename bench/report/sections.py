"""The report's sections, each a small function returning (anchor, title, HTML body).

Sections never raise on odd data: what is missing is said in words ("not measured"), never left blank.
Sections read records only: env parity comes from the store's `env_parity` record (the harness runs the check),
the implementation details from `shared_spec.details`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd

from bench.report import plots
from bench.report.across_tasks import across_tasks_section
from bench.report.data import (
    LOCAL_SOURCE,
    GroupKey,
    Run,
    Store,
    by_contender,
    group_runs,
    hardware_label,
    latest_code_metrics,
    runs_per_origin,
    source_label,
)
from bench.report.debate import (
    debate_section,
)
from bench.report.field_code import field_code_section
from bench.report.field_pairs import field_pairs_section
from bench.report.matrix import (
    matrix_section,
)
from bench.report.source_view import side_by_side
from bench.report.tables import (
    MISSING,
    STATISTICS_RULE,
    Summary,
    failures_frame,
    frame_html,
    headline_frame,
    phase_split_frame,
    records_frame,
    startup_phases_frame,
    summarize,
)
from shared_spec.details import checklist
from shared_spec.tasks import TASKS, get_task

Section = tuple[str, str, str]
CODE_LABEL = (
    "static analysis of the source (radon), hardware-independent; no preset involved; bars: each trainer's "
    "core PPO files (networks, losses, train), shared packages whole; the table adds adapters and glue"
)


def group_label(key: GroupKey) -> str:
    """The caption every figure and table of a group carries: hardware, preset, task, spec, code, source."""
    source, hardware, preset, task, spec_hash, code_version = key
    place = f"{hardware} · {source}" if source == LOCAL_SOURCE else source_label(source, hardware)
    return f"{place} · preset {preset} · task {task} · spec {spec_hash} · code {code_version}"


def _task_threshold(task: str) -> float | None:
    try:
        return get_task(task).return_threshold
    except Exception:  # unknown task name in an old record: no threshold line
        return None


def _img(uri: str | None, alt: str) -> str:
    if uri is None:
        return f'<p class="note">{escape(alt)}: no data to plot.</p>'
    return f'<figure><img src="{uri}" alt="{escape(alt, quote=True)}"></figure>'


def overview(store: Store) -> Section:
    """What the report covers and, for a CPU-only store, that its absolute numbers are CPU numbers."""
    local = [r for r in store.runs if r.source == LOCAL_SOURCE]
    kinds = {r.device_kind for r in local}
    hardware = sorted({r.hardware for r in local})
    counts = defaultdict(int)
    for r in store.runs:
        counts[r.status] += 1
    parts = [
        f"<p>{len(store.runs)} run records ({', '.join(f'{n} {s}' for s, n in sorted(counts.items())) or 'none'}); "
        f"{sum(len(v) for v in store.others.values())} other records. Local hardware: "
        f"{escape('; '.join(hardware) or 'no local runs')}.</p>"
    ]
    if local and kinds == {"cpu"}:
        parts.append(
            '<p class="warn">All local runs ran on the CPU: every absolute number from them is a CPU number '
            "(physics and learning on the CPU) and says nothing about speed on a GPU.</p>"
        )
    if store.published_dirs:
        names = ", ".join(p.name for p in store.published_dirs)
        parts.append(
            f"<p>Published GPU results shown beside the local ones, from reports/published/: {escape(names)}.</p>"
        )
    parts.append(superseded_html(store))
    parts.append(
        f"<p>Statistics ({escape(STATISTICS_RULE)}; computed with scipy.stats) are over ok runs; failed, "
        "timed-out and diverged runs count in every n the headline table shows and are listed with their "
        'errors in <a href="#failures">Failed runs</a>.</p>'
    )
    return "overview", "Overview", "".join(parts)


def superseded_html(store: Store) -> str:
    """How many run records do not count and why: runs of unlike code or spec are never pooled."""
    rule = (
        "Runs are grouped by source, hardware, preset, task, spec hash and code version (a hash of the source "
        "that ran); within a group the latest record per contender and seed counts. Published folders with "
        "the same hardware, preset, task, spec hash and code version pool their runs (seeds accumulate across "
        "GPU runs; a seed in two folders counts once, the later)."
    )
    if not store.superseded:
        return f"<p>{escape(rule)} No record is superseded.</p>"
    rows = [
        {
            "source": run.origin or run.source,
            "contender": run.contender,
            "seed": run.seed,
            "preset": run.preset,
            "spec_hash": run.spec_hash,
            "code_version": run.code_version,
            "commit": run.commit,
            "status": run.status,
            "why not counted": reason,
        }
        for run, reason in store.superseded
    ]
    note = f"<p>{escape(rule)} {len(rows)} superseded run record(s), not counted in any figure:</p>"
    return note + frame_html(pd.DataFrame(rows).astype(str), "superseded", "Superseded run records")


def how_to_read() -> Section:
    """The confounds a reader must keep in mind before comparing any two numbers."""
    items = (
        "<b>Physics on the accelerator vs on the CPU.</b> The JAX side steps Brax (MJX) inside the jitted "
        "program; the PyTorch side steps Gymnasium MuJoCo (MuJoCo C) on the CPU. An SPS gap mixes simulator "
        "and framework; the framework x simulator table (jax-gym: the JAX learner on MuJoCo C; torch-brax: "
        "the PyTorch learner on Brax MJX) and the env-only and learner-only controls separate them.",
        "<b>Backend, timestep and integrator.</b> Brax backends (mjx, generalized, positional, spring) differ in "
        "integrator and contacts and some change the control timestep: a return is comparable only with the "
        "backend named. Even at equal timestep the physics differ: Brax's MJX models integrate with Euler and "
        "few solver iterations, Gymnasium's v5 models mostly with RK4 (see the parity table), so the same "
        "policy can fare differently and learning per env step can differ for reasons outside the framework.",
        "<b>Reward terms.</b> Brax and Gymnasium v5 tasks of the same name do not always pay the same reward "
        "terms (see the parity table); Humanoid observations differ outright. Compare returns within a side, or "
        "across sides only where the parity table says the task is comparable.",
        "<b>Vmapped seeds vs separate processes.</b> jax-vmap trains several seeds in one program: its SPS, "
        "memory and compile time are per program (all its seeds), not per seed. Every other contender runs one "
        "seed per process.",
        "<b>Compile and startup.</b> Wall-clock curves start at process start, so imports and compilation show "
        "as a flat start; steady SPS excludes them. Short runs favour the side with less fixed cost.",
        "<b>Rollout vs update.</b> The torch trainers and jax-gym (host loops) time each half of every steady "
        "update inline. The JAX "
        "trainer runs both halves in one fused XLA program, so after training it times the rollout half "
        "(env step, action sampling, GAE) and the update half as separately jitted programs and splits the "
        "fused program's measured steady time by that ratio. Brax's own PPO exposes no boundary: no split.",
        f"<b>Statistics.</b> {escape(STATISTICS_RULE)}. Per-seed final returns are always shown. Failed runs "
        "count: the return cell says how many of all runs failed, time to threshold how many of all runs "
        "reached it.",
    )
    return "how-to-read", "How to read this", "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def headline(groups: dict[GroupKey, list[Run]], summaries: dict[GroupKey, list[Summary]]) -> Section:
    """One headline table per (source, hardware, preset, task)."""
    if not groups:
        return "headline", "Headline results", '<p class="note">No run records in the store yet.</p>'
    blocks = [
        '<p class="note">Startup, compile, first update and memory: means (memory: max) over ok runs. SPS: '
        f"steady state, after the first update. Estimates: {escape(STATISTICS_RULE)}. Time to threshold: "
        "reached by k of all n runs, median over those that reached it. Failed runs count in n.</p>"
    ]
    for key, runs in groups.items():
        with_device = any(r.device_kind == "gpu" for r in runs)
        frame = headline_frame(summaries[key], with_device)
        pooled = {name: runs_per_origin(rows) for name, rows in by_contender(runs).items()}
        if any(pooled.values()):  # seeds accumulated across published folders: say which gave how many
            frame["runs per published folder"] = [pooled.get(name) or MISSING for name in frame["contender"]]
        blocks.append(frame_html(frame, "headline", f"Headline · {group_label(key)}"))
    return "headline", "Headline results", "".join(blocks)


def figures(
    groups: dict[GroupKey, list[Run]], summaries: dict[GroupKey, list[Summary]], seed: int
) -> Section:
    """Learning curves, SPS bars and the time breakdown of each group."""
    if not groups:
        return "figures", "Learning curves and speed", '<p class="note">No run records in the store yet.</p>'
    blocks = []
    for key, runs in groups.items():
        label = group_label(key)
        blocks.append(f"<h3>{escape(label)}</h3>")
        blocks.append(
            _img(
                plots.learning_curves(runs, label, _task_threshold(key[3]), seed), f"learning curves, {label}"
            )
        )
        blocks.append(_img(plots.speed_and_time(summaries[key], label), f"SPS and time breakdown, {label}"))
        blocks.append(_img(plots.phase_split(summaries[key], label), f"rollout vs update, {label}"))
        blocks.append(frame_html(phase_split_frame(summaries[key]), "split", f"Rollout vs update · {label}"))
        startup = startup_phases_frame(summaries[key])
        if not startup.empty:  # records from before the split have none
            caption = (
                f"Where startup goes (mean s per phase; compilation inside a phase counted there) · {label}"
            )
            blocks.append(frame_html(startup, "startup", caption))
    return "figures", "Learning curves and speed", "".join(blocks)


CODE_COLUMNS = (
    "implementation",
    "part",
    "num_files",
    "sloc",
    "comments",
    "functions",
    "cc_mean",
    "cc_max",
    "max_nesting",
    "nested_functions",
    "tool",
)


def code_metrics(store: Store) -> Section:
    """SLOC, complexity and nesting per implementation."""
    source = (
        "<h3>The two core train.py files, side by side</h3><p>The algorithm's steps, with the same names on "
        "both sides (docs/ALGORITHM.md), as they are in this checkout. Judge readability here: no metric "
        "measures it.</p>" + side_by_side()
    )
    if not store.others.get("code_metrics"):
        return (
            "code",
            "Code metrics",
            '<p class="note">Not measured: no code_metrics records in the store.</p>' + source,
        )
    rows = latest_code_metrics(store)
    body = _img(plots.code_metrics(rows, CODE_LABEL), "code metrics bars")
    all_parts = [part for row in rows for part in (row, *(row.get("parts") or {}).values())]
    body += frame_html(records_frame(all_parts, CODE_COLUMNS), "code", f"Code metrics · {CODE_LABEL}")
    return "code", "Code metrics", body + source


def _rows_table(rows: list[dict[str, Any]], caption: str) -> str:
    frame = pd.DataFrame(rows).astype(str)
    return frame_html(frame, "plug", caption)


def env_parity(store: Store) -> Section:
    """The env parity table of the newest `env_parity` record (`python -m bench parity`; a local one before a
    published one), and the registry's notes."""
    records = sorted(store.others.get("env_parity", []), key=lambda r: r.get("_source") == LOCAL_SOURCE)
    record = records[-1] if records else None
    if record is None:
        status = "not measured: no env_parity record in the store (run `python -m bench parity`)"
    else:
        where = record.get("provenance", {})
        status = (
            f"{record.get('status')} ({len(record.get('rows') or [])} tasks, Brax backend {record.get('backend')}), "
            f"run by `python -m bench parity` on {where.get('hostname')} at {where.get('date')} "
            f"({record.get('_source')})"
        )
        if record.get("error"):
            status += f"; error: {record['error']}"
    body = f'<p class="note">Measured parity check: {escape(status)}.</p>'
    if record is not None and record.get("rows"):
        body += _rows_table(
            [_compact_parity(r) for r in record["rows"]],
            "Env parity check (measured by the harness, from the store)",
        )
    registry = [
        {
            "task": t.name,
            "Brax env": t.brax_env,
            "Gymnasium id": t.gym_id,
            "obs (Brax / Gym)": f"{t.obs_size} / {t.gym_obs_size}",
            "act": str(t.act_size),
            "comparable": "yes" if t.comparable else "NO",
            "threshold": f"{t.return_threshold:g}",
            "what differs": t.parity_note,
        }
        for t in TASKS.values()
    ]
    body += frame_html(pd.DataFrame(registry), "plug", "Task registry (shared_spec.tasks): declared parity")
    return "parity", "Env parity", body


PAIRS = (
    ("obs", "brax_obs", "gym_obs"),
    ("act", "brax_act", "gym_act"),
    ("dt", "brax_dt", "gym_dt"),
    ("integrator", "brax_integrator", "gym_integrator"),
    ("solver iterations", "brax_solver_iterations", "gym_solver_iterations"),
)


def _compact_parity(row: dict[str, Any]) -> dict[str, Any]:
    """Pair Brax/Gymnasium columns ('brax_obs', 'gym_obs' -> 'obs Brax / Gym') so the table fits the page."""
    out = {k: v for k, v in row.items() if k not in ("parity_note", "brax_env", "gym_id")}
    for name, brax, gym in (*PAIRS, ("action bounds", "brax_action_bounds", "gym_action_bounds")):
        if brax in out and gym in out:
            out[f"{name} Brax / Gym"] = f"{_short(out.pop(brax))} / {_short(out.pop(gym))}"
    return out


def _short(value: Any) -> str:
    """Floats to 4 significant digits, lists of them as [a, b]."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def implementation_details() -> Section:
    """The 37-details checklist (shared_spec.details)."""
    body = '<p class="note">Implementation-details checklist: from shared_spec.details.checklist.</p>'
    body += _rows_table(checklist(), "Implementation details (Huang et al., 2022), both sides")
    return "details", "Implementation details checklist", body


ENV_COLUMNS = ("simulator", "backend", "task", "num_envs", "steps_per_s", "compile_s", "status")
LEARNER_COLUMNS = (
    "framework", "preset", "preset_shape", "task", "batch_size", "minibatch_size", "hidden", "update_epochs",
    "updates_per_s", "samples_per_s", "status",
)  # fmt: skip


@dataclass(frozen=True)
class ControlView:
    """How one control's records become a scaling plot and a table."""

    record_type: str
    title: str
    columns: tuple[str, ...]
    x_key: str
    y_key: str
    group_keys: tuple[str, ...]
    xlabel: str
    ylabel: str
    what: str


CONTROL_VIEWS = (
    ControlView(
        "env_throughput", "Env-only throughput", ENV_COLUMNS, "num_envs", "steps_per_s", ("simulator", "backend"),
        "parallel environments (num_envs)", "env steps per second (random actions)",
        "Random-action stepping of the task alone: Brax (jitted scan, each backend) vs Gymnasium MuJoCo vector "
        "envs (sync / async). No learning: this isolates the simulator. Brax compile time is listed, not included.",
    ),
    ControlView(
        "learner_throughput", "Learner-only throughput", LEARNER_COLUMNS, "batch_size", "samples_per_s",
        ("framework", "hidden"), "rollout batch size (transitions per update)",
        "transitions per second through one full PPO update",
        "The identical PPO update (same network, epochs, minibatches) on the same synthetic batch in JAX (jit), "
        "torch eager and torch.compile, timed with pytest-benchmark. No environment: this isolates the learner. "
        "Rows with preset_shape = True are the preset's own update (its task's sizes, batch, minibatch size, "
        "epochs, networks); the lines are the sweep of batch and width around it.",
    ),
)  # fmt: skip


def _latest_per_point(records: list[dict[str, Any]], view: ControlView) -> list[dict[str, Any]]:
    """The last record of each (series, x) point: re-measurements replace older ones, in store order."""
    latest: dict[tuple, dict[str, Any]] = {}
    for record in records:
        key = (
            *(str(record.get(k)) for k in view.group_keys),
            record.get(view.x_key),
            record.get("task"),
            record.get("preset_shape"),
        )
        latest[key] = record
    return list(latest.values())


def controls(store: Store) -> Section:
    """Env-only and learner-only throughput controls (log-log scaling plots and tables), or 'not measured'."""
    body = ""
    for view in CONTROL_VIEWS:
        body += f"<h3>{view.title}</h3><p>{escape(view.what)}</p>"
        records = store.others.get(view.record_type, [])
        if not records:
            body += f'<p class="note">Not measured: no {view.record_type} records in the store.</p>'
            continue
        by_hw: dict[str, list[dict]] = defaultdict(list)
        for record in records:
            by_hw[f"{hardware_label(record)[0]} · {record.get('_source', LOCAL_SOURCE)}"].append(record)
        for hw, rows in by_hw.items():
            rows = sorted(_latest_per_point(rows, view), key=lambda r: not r.get("preset_shape"))
            tasks = sorted({str(r.get("task")) for r in rows if r.get("task")})
            label = f"{hw}" + (f" · task {', '.join(tasks)}" if tasks else "")
            series: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
            for r in rows:
                x, y = r.get(view.x_key), r.get(view.y_key)
                if (
                    r.get("status", "ok") == "ok"
                    and not r.get("preset_shape")  # the preset's own point: in the table, first
                    and isinstance(x, int | float)
                    and isinstance(y, int | float)
                ):
                    name = " / ".join(
                        "x".join(map(str, r[k])) if isinstance(r.get(k), list) else str(r.get(k))
                        for k in view.group_keys
                    )
                    series[name][0].append(float(x))
                    series[name][1].append(float(y))
            image = plots.scaling_lines(dict(series), view.xlabel, view.ylabel, f"{view.title}\n{label}")
            if image:
                body += _img(image, f"{view.title}, {label}")
            body += frame_html(records_frame(rows, view.columns), "controls", f"{view.title} · {label}")
    return "controls", "Controls", body


def failures(runs: list[Run]) -> Section:
    """Every failed, timed-out and diverged run with its error."""
    frame = failures_frame(runs)
    if frame.empty:
        return "failures", "Failed runs", "<p>None: every recorded run finished ok.</p>"
    body = (
        f"<p>{len(frame)} run(s) did not finish ok. They are counted in the headline table and excluded from "
        "its statistics.</p>"
    )
    body += frame_html(frame, "failures", "Failed, timed-out and diverged runs (hardware per row)")
    return "failures", "Failed runs", body


def provenance(runs: list[Run]) -> Section:
    """Per (source, preset): commits, dirty flag, spec hash and resolved spec, versions, dates, commands."""
    if not runs:
        return "provenance", "Provenance", '<p class="note">No run records in the store yet.</p>'
    body = "<p>Reproduce the whole CPU bench with <code>make bench</code>; one preset with the command below.</p>"
    grouped: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for run in runs:
        grouped[(run.source, run.preset)].append(run)
    for (source, preset), rows in sorted(grouped.items()):
        body += f"<h3>{escape(f'preset {preset} · {source}')}</h3>" + _provenance_block(preset, rows)
    return "provenance", "Provenance", body


def _provenance_block(preset: str, rows: list[Run]) -> str:
    def values(get: Callable[[Run], Any]) -> str:
        found = sorted({str(get(r)) for r in rows if get(r) is not None})
        return ", ".join(found) if found else "not recorded"

    hashes = sorted({str(r.record.get("spec_hash")) for r in rows if r.record.get("spec_hash")})
    seeds: dict[str, set] = defaultdict(set)
    for r in rows:
        seeds[r.contender].add(r.seed)
    n_seeds = max(len(s) for s in seeds.values())
    command = (
        f"python -m bench run --preset {preset} --seeds {n_seeds} --contenders {','.join(sorted(seeds))}"
    )
    facts = {
        "spec hash": ", ".join(hashes) or "not recorded",
        "git commit": values(lambda r: r.provenance.get("git_commit")),
        "git dirty": values(lambda r: r.provenance.get("git_dirty")),
        "dates": _span(sorted({str(r.provenance["date"]) for r in rows if r.provenance.get("date")})),
        "hosts": values(lambda r: r.provenance.get("hostname")),
        "hardware": values(lambda r: r.hardware),
        "recorded commands": values(lambda r: r.provenance.get("command")),
        "to reproduce": command,
    }
    html_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts.items())
    warn = ""
    if len(hashes) > 1:
        warn = '<p class="warn">More than one spec hash under this preset name: the runs did not all use the same spec.</p>'
    spec = next((r.record["spec"] for r in rows if isinstance(r.record.get("spec"), dict)), None)
    spec_html = (
        f"<details><summary>Resolved spec</summary><pre>{escape(json.dumps(spec, indent=1, sort_keys=True))}</pre></details>"
        if spec
        else '<p class="note">Resolved spec not recorded.</p>'
    )
    versions: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        recorded = r.record.get("versions") or r.provenance.get("versions") or {}
        if isinstance(recorded, dict):
            versions[r.contender].update({str(k): str(v) for k, v in recorded.items()})
    version_html = ""
    if versions:
        frame = pd.DataFrame(versions).fillna("–").reset_index(names="package")
        version_html = frame_html(frame, "versions", f"Library versions per contender · preset {preset}")
    return f'<table class="facts">{html_rows}</table>{warn}{spec_html}{version_html}'


def _span(dates: list[str]) -> str:
    """'first … last' of sorted dates (or the one date, or 'not recorded')."""
    if not dates:
        return "not recorded"
    return dates[0] if len(dates) == 1 else f"{dates[0]} … {dates[-1]} ({len(dates)} runs)"


def build_sections(store: Store, seed: int = 0) -> list[Section]:
    """All sections in reading order."""
    groups = group_runs(store.runs)
    summaries = {key: summarize(runs, seed) for key, runs in groups.items()}
    return [
        overview(store),
        how_to_read(),
        headline(groups, summaries),
        matrix_section(summaries),
        field_pairs_section(groups, {key: group_label(key) for key in groups}, seed),
        across_tasks_section(groups, seed),
        figures(groups, summaries, seed),
        debate_section(store, summaries),
        code_metrics(store),
        field_code_section(store),
        env_parity(store),
        implementation_details(),
        controls(store),
        failures(store.runs),
        provenance(store.runs),
    ]
