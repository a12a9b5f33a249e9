"""The report's sections: a view model each (numbers, labels, codes), worded by `templates/sections/<anchor>`.

Sections never raise on odd data: what is missing is said in words ("not measured"), never left blank.
Sections read records only: env parity comes from the store's `env_parity` record (the harness runs the check),
the implementation details from `shared_spec.details`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any

from bench.harness.schema import HandoffRecord, Record
from bench.report import plots, tables
from bench.report.across_tasks import across_tasks_section
from bench.report.data import (
    LOCAL_SOURCE,
    Run,
    Store,
    by_contender,
    finite,
    hardware_label,
    latest_code_metrics,
    main_code_rows,
    runs_per_origin,
)
from bench.report.debate import DebateModel, debate_section, pair_answers
from bench.report.field_code import field_code_section
from bench.report.field_pairs import field_pairs_section
from bench.report.matrix import matrix_section
from bench.report.model import Group, ReportModel
from bench.report.render import Section, Table, cell, cell_text, fmt, section, table_of_rows
from bench.report.scale_figures import scale_section
from bench.report.source_view import SourceFile, side_by_side
from bench.report.tables import Summary
from shared_spec.details import checklist
from shared_spec.tasks import TASKS


@dataclass(frozen=True)
class Overview:
    runs: int
    statuses: tuple[tuple[str, int], ...]
    other_records: int
    local_hardware: tuple[str, ...]
    cpu_only: bool
    """Every local run ran on the CPU: its absolute numbers are CPU numbers."""
    published: tuple[str, ...]
    superseded: Table
    """Run records that do not count, with the reason (`data.Reason`) worded by `cells.superseded`."""
    loaded_excluded: int = 0
    """Runs measured under foreign load, left out of every figure (listed in `superseded`)."""
    loaded_included: int = 0
    """Runs measured under foreign load that count all the same (`--include-loaded`)."""


def overview_model(store: Store) -> Overview:
    local = [r for r in store.runs if r.source == LOCAL_SOURCE]
    columns = ("source", "contender", "seed", "preset", "spec_hash", "code_version", "commit", "status")
    superseded = tuple(
        (*map(cell_text, (run.origin or run.source, run.contender, run.seed, run.preset, run.spec_hash,
                          run.code_version, run.commit, run.status)), cell("superseded", reason, run))
        for run, reason in store.superseded
    )  # fmt: skip
    return Overview(
        runs=len(store.runs),
        statuses=tuple(sorted(Counter(r.status for r in store.runs).items())),
        other_records=sum(len(v) for v in store.others.values()),
        local_hardware=tuple(sorted({r.hardware for r in local})),
        cpu_only=bool(local) and {r.device_kind for r in local} == {"cpu"},
        published=tuple(p.name for p in store.published_dirs),
        superseded=Table("", (*columns, "why not counted"), superseded, "superseded", fold=True),
        loaded_excluded=store.loaded_excluded,
        loaded_included=store.loaded_included,
    )


@dataclass(frozen=True)
class HeadlineGroup:
    label: str
    summaries: tuple[Summary, ...]
    table: Table
    per_seed: Table


def headline_model(groups: Sequence[Group]) -> tuple[HeadlineGroup, ...]:
    """One headline table per group (device memory where a run used a GPU), and its per-seed returns."""
    out = []
    for g in groups:
        per_folder = {name: runs_per_origin(rows) for name, rows in by_contender(g.runs).items()}
        gpu = any(r.device_kind == "gpu" for r in g.runs)
        table = tables.headline_table(g.summaries, gpu, per_folder)
        out.append(HeadlineGroup(g.label, tuple(g.summaries), table, tables.per_seed_table(g.summaries)))
    return tuple(out)


@dataclass(frozen=True)
class FigureGroup:
    label: str
    contenders: tuple[str, ...]
    curves: str | None
    """Data URI: return against env steps (`plots.learning_curves`)."""
    speed: str | None
    """Data URI: SPS, run time and rollout vs update (`plots.speed_and_time`)."""
    split: Table
    startup: Table


def figures_model(groups: Sequence[Group], seed: int) -> tuple[FigureGroup, ...]:
    return tuple(
        FigureGroup(
            g.label,
            tuple(s.contender for s in g.summaries if s.ok_runs),
            plots.learning_curves(g.runs, g.threshold, seed),
            plots.speed_and_time(g.summaries),
            tables.phase_split_table(g.summaries),
            tables.startup_table(g.summaries),
        )
        for g in groups
    )


CODE_COLUMNS = {
    "implementation": "implementation", "classification": "part", "num_files": "num_files", "sloc": "sloc",
    "comments": "comments", "functions": "functions", "cc_mean": "cc_mean", "cyclomatic_max": "cc_max",
    "cognitive": "cognitive", "cyclomatic": "cyclomatic", "max_nesting": "max_nesting",
    "closures": "nested_functions", "vocabulary": "vocabulary", "tool": "tool",
}  # fmt: skip
"""Record key -> column header of the code table; a column shows where some row measured it (records made
before the one rule carry comments, functions, cc_mean; the one rule's cognitive, cyclomatic, vocabulary)."""


@dataclass(frozen=True)
class CodeMetrics:
    measured: bool
    bars: str | None
    table: Table
    sources: tuple[SourceFile, ...] | str
    """Both core train.py files, or the path of the one this checkout lacks."""


def code_model(store: Store) -> CodeMetrics:
    """SLOC, complexity and nesting per implementation and classification (bars: each one's main row), and
    the two cores side by side."""
    rows = latest_code_metrics(store)
    shown = {
        key: header for key, header in CODE_COLUMNS.items() if any(row.get(key) is not None for row in rows)
    }
    table = table_of_rows([{shown[k]: row.get(k) for k in shown} for row in rows], css_class="code")
    bars = plots.code_metrics(list(main_code_rows(rows).values()))
    return CodeMetrics(bool(rows), bars, table, side_by_side())


@dataclass(frozen=True)
class Parity:
    record: Record | None
    """The newest `env_parity` record (`python -m bench parity`; a local one before a published one)."""
    measured: Table
    registry: Table


PAIRS = (
    ("obs", "brax_obs", "gym_obs"),
    ("act", "brax_act", "gym_act"),
    ("dt", "brax_dt", "gym_dt"),
    ("integrator", "brax_integrator", "gym_integrator"),
    ("solver iterations", "brax_solver_iterations", "gym_solver_iterations"),
    ("action bounds", "brax_action_bounds", "gym_action_bounds"),
)


def parity_model(store: Store) -> Parity:
    records = sorted(store.others.get("env_parity", []), key=lambda r: r.get("_source") == LOCAL_SOURCE)
    record = records[-1] if records else None
    registry = [
        {"task": t.name, "Brax env": t.brax_env, "Gymnasium id": t.gym_id,
         "obs (Brax / Gym)": f"{t.obs_size} / {t.gym_obs_size}", "act": t.act_size,
         "comparable": "yes" if t.comparable else "NO", "threshold": f"{t.return_threshold:g}",
         "what differs": t.parity_note}
        for t in TASKS.values()
    ]  # fmt: skip
    measured = [_compact_parity(r) for r in (record.rows if record else [])]
    return Parity(
        record, table_of_rows(measured, css_class="plug"), table_of_rows(registry, css_class="plug")
    )


def _compact_parity(row: dict[str, Any]) -> dict[str, Any]:
    """Pair Brax/Gymnasium columns ('brax_obs', 'gym_obs' -> 'obs Brax / Gym') so the table fits the page."""
    out = {k: v for k, v in row.items() if k not in ("parity_note", "brax_env", "gym_id")}
    for name, brax, gym in PAIRS:
        if brax in out and gym in out:
            out[f"{name} Brax / Gym"] = f"{_short(out.pop(brax))} / {_short(out.pop(gym))}"
    return out


def _short(value: Any) -> str:
    """Floats to 4 significant digits, lists of them as [a, b]."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return fmt(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class ControlView:
    """How one control's records become a scaling plot and a table (labels drawn into the plot)."""

    record_type: str
    columns: tuple[str, ...]
    x_key: str
    y_key: str
    group_keys: tuple[str, ...]
    xlabel: str
    ylabel: str


CONTROL_VIEWS = (
    ControlView(
        "env_throughput", ("simulator", "backend", "task", "num_envs", "steps_per_s", "compile_s", "status"),
        "num_envs", "steps_per_s", ("simulator", "backend"), "parallel environments (num_envs)",
        "env steps / s (random actions)",
    ),
    ControlView(
        "learner_throughput",
        ("framework", "preset", "preset_shape", "task", "batch_size", "minibatch_size", "hidden", "update_epochs",
         "updates_per_s", "samples_per_s", "status"),
        "batch_size", "samples_per_s", ("framework", "hidden"), "rollout batch size (transitions per update)",
        "transitions / s through one PPO update",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ControlPanel:
    label: str
    """Hardware, source and tasks of the records."""
    plot: str | None
    table: Table


@dataclass(frozen=True)
class Handoff:
    """One `handoff` record: ms per env step (all envs) of the three ways of stepping Brax MJX."""

    hardware: str
    source: str
    preset: str
    num_envs: int | None
    fused: float | None
    jax_loop: float | None
    torch_dlpack: float | None
    not_fused: float | None
    """jax_loop - fused: the price of not fusing the rollout into one compiled program."""
    handoff_and_torch: float | None
    """torch_dlpack - jax_loop: the DLPack hand-off plus the torch-side work."""


@dataclass(frozen=True)
class Controls:
    panels: dict[str, tuple[ControlPanel, ...]]
    """record_type -> one panel per hardware and source (empty: not measured)."""
    handoff: tuple[Handoff, ...]
    handoff_table: Table


def controls_model(store: Store) -> Controls:
    """Env-only and learner-only throughput (log-log scaling plots and tables) and the hand-off split."""
    panels = {
        view.record_type: _control_panels(store.others.get(view.record_type, []), view)
        for view in CONTROL_VIEWS
    }
    handoff = _handoffs(store.others.get("handoff", []))
    columns = ("hardware", "source", "preset", "num_envs", "fused", "jax_loop", "torch_dlpack", "not fused",
               "hand-off and torch")  # fmt: skip
    rows = tuple(tuple(map(cell_text, astuple(h))) for h in handoff)
    return Controls(panels, handoff, Table("", columns, rows, "controls handoff"))


def _hardware(record: Record) -> str:
    """The record's `hardware` label where it carries one, else the label of its device and provenance."""
    return str(record.get("hardware") or hardware_label(record)[0])


def _handoffs(records: list[HandoffRecord]) -> tuple[Handoff, ...]:
    """The latest record per (hardware, source, preset, num_envs), differences recomputed where not stored."""
    latest: dict[tuple, Handoff] = {}
    for record in records:
        ms = record.ms_per_step
        fused, loop, torch = (finite(ms.get(k)) for k in ("fused", "jax_loop", "torch_dlpack"))
        where = (_hardware(record), str(record.get("_source", LOCAL_SOURCE)), record.preset or "?")
        not_fused, handoff = record.not_fused_ms, record.handoff_and_torch_ms
        if not_fused is None and loop is not None and fused is not None:
            not_fused = loop - fused
        if handoff is None and torch is not None and loop is not None:
            handoff = torch - loop
        row = Handoff(*where, record.num_envs, fused, loop, torch, not_fused, handoff)
        latest[(row.hardware, row.source, row.preset, row.num_envs)] = row
    return tuple(latest.values())


def _control_panels(records: list[Record], view: ControlView) -> tuple[ControlPanel, ...]:
    by_hardware: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_hardware[f"{_hardware(record)} · {record.get('_source', LOCAL_SOURCE)}"].append(record)
    panels = []
    for hardware, found in by_hardware.items():
        latest: dict[tuple, dict[str, Any]] = {}  # re-measurements replace older ones, in store order
        for r in found:
            key = (
                *(str(r.get(k)) for k in view.group_keys),
                r.get(view.x_key),
                r.get("task"),
                r.get("preset_shape"),
            )
            latest[key] = r
        rows = sorted(latest.values(), key=lambda r: not r.get("preset_shape"))
        tasks = sorted({str(r.get("task")) for r in rows if r.get("task")})
        series: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        for r in rows:
            x, y = finite(r.get(view.x_key)), finite(r.get(view.y_key))
            if (
                r.get("status", "ok") == "ok"
                and not r.get("preset_shape")
                and x is not None
                and y is not None
            ):
                name = " / ".join(
                    cell_text(r.get(k)) for k in view.group_keys
                )  # the preset's own point: table only
                series[name][0].append(x)
                series[name][1].append(y)
        label = hardware + (f" · task {', '.join(tasks)}" if tasks else "")
        plot = plots.scaling_lines(dict(series), view.xlabel, view.ylabel)
        panels.append(
            ControlPanel(label, plot, table_of_rows(rows, css_class="controls", columns=view.columns))
        )
    return tuple(panels)


@dataclass(frozen=True)
class ProvenanceBlock:
    """Per (source, preset): what ran where, from which commit and spec, and how to run it again."""

    source: str
    preset: str
    spec_hashes: tuple[str, ...]
    commits: tuple[str, ...]
    dirty: tuple[str, ...]
    dates: tuple[str, ...]
    hosts: tuple[str, ...]
    hardware: tuple[str, ...]
    commands: tuple[str, ...]
    seeds: int
    contenders: tuple[str, ...]
    spec: str | None
    """The resolved spec as JSON, when a record carries it."""
    versions: Table
    """Library versions per contender."""


def provenance_model(runs: list[Run]) -> tuple[ProvenanceBlock, ...]:
    grouped: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for run in runs:
        grouped[(run.source, run.preset)].append(run)
    return tuple(
        _provenance_block(source, preset, rows) for (source, preset), rows in sorted(grouped.items())
    )


def _provenance_block(source: str, preset: str, rows: list[Run]) -> ProvenanceBlock:
    def values(name: str) -> tuple[str, ...]:
        return tuple(sorted({str(r.provenance[name]) for r in rows if r.provenance.get(name) is not None}))

    seeds: dict[str, set] = defaultdict(set)
    versions: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        seeds[r.contender].add(r.seed)
        recorded = r.record.versions or r.provenance.get("versions") or {}
        versions[r.contender].update({str(k): str(v) for k, v in recorded.items()})
    packages = sorted({package for found in versions.values() for package in found})
    spec = next((r.record.spec for r in rows if r.record.spec), None)
    return ProvenanceBlock(
        source=source,
        preset=preset,
        spec_hashes=tuple(sorted({r.record.spec_hash for r in rows if r.record.spec_hash})),
        commits=values("git_commit"),
        dirty=values("git_dirty"),
        dates=values("date"),
        hosts=values("hostname"),
        hardware=tuple(sorted({r.hardware for r in rows})),
        commands=values("command"),
        seeds=max(len(s) for s in seeds.values()),
        contenders=tuple(sorted(seeds)),
        spec=json.dumps(spec, indent=1, sort_keys=True) if spec else None,
        versions=table_of_rows(
            [{"package": p} | {name: found.get(p) for name, found in versions.items()} for p in packages],
            css_class="versions",
            fold=True,
        ),
    )


def debate_model(model: ReportModel) -> DebateModel:
    """The debate's view: the code claims, every matrix, each comparison's answer per group."""
    return DebateModel(
        model.code,
        model.matrices,
        pair_answers([(g.matrix.caption, g.summaries) for g in model.groups]),
        any(r.device_kind == "gpu" for r in model.store.runs),
    )


def build_sections(model: ReportModel) -> list[Section]:
    """All sections after the answer panel, in reading order: views of the one model."""
    store, groups, field = model.store, model.groups, model.code.field
    return [
        section("overview", m=overview_model(store)),
        section("how-to-read"),
        section("headline", groups=headline_model(groups)),
        matrix_section(model.matrices),
        scale_section(model.scale),
        field_pairs_section(groups),
        across_tasks_section({g.key: g.runs for g in groups}, model.seed),
        section("figures", groups=figures_model(groups, model.seed)),
        debate_section(debate_model(model)),
        section("code", m=code_model(store)),
        field_code_section(field.rows, field.ratios, field.reason),
        section("parity", m=parity_model(store)),
        section("details", checklist=table_of_rows(checklist(), css_class="plug", fold=True)),
        section("controls", m=controls_model(store)),
        section("failures", failures=tables.failures_table(store.runs)),
        section("provenance", blocks=provenance_model(store.runs)),
    ]
