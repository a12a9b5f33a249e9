"""Read the store (and published GPU stores) into run rows for the report, through the record classes.

Every record is read by its class (`bench.harness.schema`): each named field present and typed, a missing one
at its default (a run that crashed at import has no metrics), so one odd record can never stop the report.
This module only reads and labels; statistics live in `stats.py`, presentation in `tables.py`, `plots.py`,
`sections.py`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.schema import Record, RunRecord
from bench.harness.store import read_typed
from bench.report.settings import CONTENDER_ORDER
from shared_spec.exit_codes import EXIT_OK

LOCAL_SOURCE = "local"
OK = "ok"
UNVERSIONED = "unversioned"


@dataclass
class Run:
    """One `run` record, normalized: labels for grouping plus the metrics the report uses."""

    source: str
    """"local" or "published: <folder>"."""
    hardware: str
    """"GPU: <model>" or "CPU: <model>, N cores" (never empty)."""
    device_kind: str
    """"gpu" or "cpu"."""
    task: str
    preset: str
    contender: str
    seed: Any
    status: str
    record: RunRecord = field(repr=False)
    """The record as its class reads it (a JSON object given here is read by the class too)."""
    origin: str = ""
    """The store the record came from ("local" or "published: <folder>"); `source` may name a pool of
    published folders (`pool_published`), `origin` always names the one folder."""

    def __post_init__(self) -> None:
        if not isinstance(self.record, RunRecord):
            self.record = RunRecord.from_json(self.record)

    @property
    def ok(self) -> bool:
        return self.status == OK

    def metric(self, name: str) -> float | None:
        """A finite float metric, or None when missing, null or non-finite."""
        return finite(self.record.get(name))

    @property
    def num_seeds(self) -> int:
        return max(self.record.num_seeds, 1)

    @property
    def warm_cache(self) -> bool:
        """True when a compilation cache held programs at the run's start (torch.compile's or JAX's).

        Such a run's compile, wall and time-to-threshold figures are not cold-start figures: the report keeps
        them apart (its SPS and returns are unaffected).
        """
        extra = self.record.extra  # free-form diagnostics: their inner shapes are the trainers' own
        resources = extra.get("resources") if isinstance(extra.get("resources"), dict) else {}
        caches = (extra.get("compile_cache"), resources.get("jax_compile_cache"))
        return any(isinstance(c, dict) and c.get("state") == "warm" for c in caches)

    def startup_phases(self) -> dict[str, float]:
        """Seconds of each startup phase (`extra.startup_phases`; empty for records made before it)."""
        phases = self.record.extra.get("startup_phases")
        if not isinstance(phases, dict):
            return {}
        return {name: value for name, raw in phases.items() if (value := finite(raw)) is not None}

    def final_returns(self) -> list[float]:
        """Per-seed final returns: the vmapped list when there is one, else the single final return."""
        per_seed = self.record.per_seed_final_return
        if per_seed:
            values = [finite(v) for v in per_seed]
            return [v for v in values if v is not None]
        value = self.metric("final_return")
        return [] if value is None else [value]

    def curve(self) -> list[tuple[float, float, float]]:
        """Finite (env_steps, wall_s, eval_return) points in order."""
        points = []
        for point in self.record.curve:
            if isinstance(point, list | tuple) and len(point) >= 3:
                values = [finite(v) for v in point[:3]]
                if all(v is not None for v in values):
                    points.append(tuple(values))
        return points  # type: ignore[return-value]

    @property
    def provenance(self) -> dict[str, Any]:
        return self.record.provenance

    @property
    def spec_hash(self) -> str:
        return self.record.spec_hash or "unknown spec"

    @property
    def code_version(self) -> str:
        """The hash of the source that ran (records from before code versions: "unversioned")."""
        return self.record.code_version or str(self.provenance.get("code_version") or UNVERSIONED)

    @property
    def commit(self) -> str:
        return str(self.provenance.get("git_commit") or "unknown commit")[:12]

    @property
    def started(self) -> float:
        value = finite(self.provenance.get("started_unix"))
        return -math.inf if value is None else value

    @property
    def error_text(self) -> str | None:
        """The most useful error text: the trainer's `error` and the tail of stderr the harness kept (None: none
        recorded)."""
        parts = [text for text in (self.record.error, self.record.error_tail) if text]
        return "\n".join(parts) if parts else None


def finite(value: Any) -> float | None:
    """`value` as a finite float, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def hardware_label(record: Record) -> tuple[str, str]:
    """(label, kind) for the device a record ran on: what was used. A CPU run says a GPU was missing only when
    one was asked for (`requested: gpu`); `--device auto` on a machine without one is plain CPU."""
    device, provenance = record.get("device", {}), record.provenance
    kind = device.get("kind")
    if kind is None:  # failed before reporting its device: the machine's GPU unless the spec asked for CPU
        kind = (
            "gpu" if provenance.get("gpu_name") and record.get("spec", {}).get("device") != "cpu" else "cpu"
        )
    if kind == "gpu":
        name = device.get("name") or provenance.get("gpu_name") or "unknown model"
        return f"GPU: {name}", "gpu"
    model = provenance.get("cpu_model") or device.get("name") or "unknown model"
    cores = provenance.get("cpu_cores")
    label = f"CPU: {model}, {cores} cores" if cores else f"CPU: {model}"
    if "gpu" in (device.get("requested"), device.get("trainer_requested")):
        label += " (GPU requested but absent)"
    return label, "cpu"


def source_label(source: str, hardware: str) -> str:
    """How a group's heading names where it comes from: local runs 'local'; published runs 'published, <card>,
    <date>' (the date a published folder's name ends with, '<machine>-<YYYY-MM-DD>'; else the folder name).
    A CPU keeps its 'CPU: ' prefix, so a published CPU run never reads as a card."""
    if not source.startswith(PUBLISHED_PREFIX):
        return source
    card = hardware.removeprefix("GPU: ")
    folders = source.removeprefix(PUBLISHED_PREFIX).split(" + ")
    dates = [match.group(1) if (match := re.search(r"(\d{4}-\d{2}-\d{2})$", f)) else f for f in folders]
    return f"published, {card}, {' + '.join(dates)}"


def to_run(record: RunRecord | dict[str, Any], source: str) -> Run:
    """A run row of one run record (a JSON object is read by its class first; never raises)."""
    record = record if isinstance(record, RunRecord) else RunRecord.from_json(record)
    hardware, kind = hardware_label(record)
    status = record.status or ("ok" if record.exit_code in (EXIT_OK, None) else "failed")
    return Run(
        source=source,
        hardware=hardware,
        device_kind=kind,
        task=record.task or str(record.spec.get("task") or "unknown task"),
        preset=record.preset or "unknown preset",
        contender=record.contender or "unknown contender",
        seed=record.seed,
        status=status,
        record=record,
        origin=source,
    )


@dataclass(frozen=True)
class Reason:
    """Why a run record does not count, as a code the template words: "older_code" (`by`: the current code
    version), "later_record" (a rerun of the same seed), "later_published" (`by`: the later folder), "loaded"
    (`by`: the record's loaded_reason)."""

    code: str
    by: str = ""


@dataclass
class Store:
    """Everything the report shows: runs (local and published) and the other record types, by type."""

    runs: list[Run]
    """The runs that count: per group the current code version, per (contender, seed) the latest record."""
    others: dict[str, list[Record]]
    """record_type -> records (code_metrics, env_throughput, learner_throughput, ...), each with `_source` set
    (in `more`)."""
    published_dirs: list[Path]
    superseded: list[tuple[Run, Reason]] = field(default_factory=list)
    """Run records that do not count, each with the reason (older code version, rerun of the same seed, or
    measured under foreign load)."""
    loaded_excluded: int = 0
    """How many of them were left out as `loaded` (bench.harness.load); 0 with `include_loaded`."""
    loaded_included: int = 0
    """How many `loaded` runs count all the same (`include_loaded`)."""


def load_store(
    store_path: Path, published_dir: Path | None, source: str = LOCAL_SOURCE, include_loaded: bool = False
) -> Store:
    """Read the store (its records labelled `source`: a published folder re-rendered on its own says so) and
    every `published_dir/*/results.jsonl`. Runs marked `loaded` (measured while other work used the cores) are
    left out before the latest record per seed is chosen, so an earlier quiet run of that seed counts instead;
    `include_loaded` counts them like any other."""
    runs: list[Run] = []
    others: dict[str, list[Record]] = defaultdict(list)
    sources = [(source, store_path)]
    published = [] if source == LOCAL_SOURCE else [store_path.parent]
    if published_dir is not None and published_dir.is_dir():
        found = sorted(p for p in published_dir.iterdir() if (p / "results.jsonl").is_file())
        sources += [(f"published: {p.name}", p / "results.jsonl") for p in found]
        published += found
    for source, path in sources:
        for record in read_typed(path):
            if isinstance(record, RunRecord):
                runs.append(to_run(record, source))
            else:
                record.more["_source"] = source
                others[record.RECORD_TYPE].append(record)
    loaded = [run for run in runs if run.record.get("loaded") is True]
    excluded = (
        []
        if include_loaded
        else [(run, Reason("loaded", str(run.record.get("loaded_reason") or ""))) for run in loaded]
    )
    current, superseded = current_runs([run for run in runs if include_loaded or run not in loaded])
    pooled, replaced = pool_published(current)
    return Store(
        runs=pooled, others=dict(others), published_dirs=published, superseded=excluded + superseded + replaced,
        loaded_excluded=len(excluded), loaded_included=len(loaded) if include_loaded else 0,
    )  # fmt: skip


def current_runs(runs: list[Run]) -> tuple[list[Run], list[tuple[Run, Reason]]]:
    """(runs that count, superseded runs with the reason): the report never pools unlike runs.

    Within one (source, hardware, preset, task, spec hash) only the code version of each contender's latest run
    counts (its older versions are superseded, not averaged in; a code version covers what that contender can
    execute, so contenders' versions differ); within it the latest record per (contender, seed, seed count)
    counts (a `--force` rerun replaces, it does not add). "Latest" is the run's start time, else store order.
    """
    order = sorted(range(len(runs)), key=lambda i: (runs[i].started, i))
    latest_version: dict[tuple[str, ...], str] = {}
    for i in order:
        latest_version[(*_cell(runs[i]), runs[i].contender)] = runs[i].code_version
    latest_record: dict[tuple[Any, ...], int] = {}
    superseded: list[tuple[Run, Reason]] = []
    for i in order:
        run = runs[i]
        current_version = latest_version[(*_cell(run), run.contender)]
        if run.code_version != current_version:
            superseded.append((run, Reason("older_code", current_version)))
            continue
        key = (*_cell(run), run.contender, str(run.seed), run.num_seeds)
        if key in latest_record:
            superseded.append((runs[latest_record[key]], Reason("later_record")))
        latest_record[key] = i
    current = [runs[i] for i in sorted(latest_record.values())]
    return current, superseded


PUBLISHED_PREFIX = "published: "


def pool_published(runs: list[Run]) -> tuple[list[Run], list[tuple[Run, Reason]]]:
    """Pool published folders whose runs share hardware, preset, task, spec hash and code version.

    Seeds accumulate across GPU runs this way: each folder adds its runs to the same cells. The pooled runs'
    `source` names every folder of the pool ("published: a + b"), `origin` keeps each run's own; a seed
    recorded in two folders counts once (the later run), the other is listed as superseded. Local runs and
    published runs of different code versions never pool.
    """
    pools: dict[tuple[str, ...], list[Run]] = defaultdict(list)
    for run in runs:
        if run.source.startswith(PUBLISHED_PREFIX):
            pools[(run.hardware, run.preset, run.task, run.spec_hash, run.code_version)].append(run)
    replaced: list[tuple[Run, Reason]] = []
    dropped: set[int] = set()
    for members in pools.values():
        folders = sorted({run.origin.removeprefix(PUBLISHED_PREFIX) for run in members})
        if len(folders) < 2:
            continue
        label = PUBLISHED_PREFIX + " + ".join(folders)
        latest: dict[tuple[Any, ...], Run] = {}
        for run in sorted(members, key=lambda r: r.started):
            run.source = label
            key = (run.contender, str(run.seed), run.num_seeds)
            if key in latest:
                earlier = latest[key]
                dropped.add(id(earlier))
                replaced.append((earlier, Reason("later_published", run.origin)))
            latest[key] = run
    return [run for run in runs if id(run) not in dropped], replaced


def runs_per_origin(runs: list[Run]) -> str:
    """'folder: k, folder: m' of the published folders behind `runs` (empty when they come from one store)."""
    counts: dict[str, int] = defaultdict(int)
    for run in runs:
        counts[run.origin.removeprefix(PUBLISHED_PREFIX)] += 1
    return "" if len(counts) < 2 else ", ".join(f"{origin}: {n}" for origin, n in sorted(counts.items()))


def _cell(run: Run) -> tuple[str, str, str, str, str]:
    return (run.source, run.hardware, run.preset, run.task, run.spec_hash)


PROJECT = "ppo-bench"
"""The `package` of this project's code_metrics rows (the field's rows name their PyPI package)."""


def latest_code_metrics(store: Store) -> list[Record]:
    """This project's latest code_metrics row per (implementation, classification), a local one before any
    published one, in order of first appearance (each implementation's first row: its core, or its whole
    source for a shared package).

    Code metrics describe source, not hardware: the local store's records describe the checkout rendering the
    report, a published folder's describe the code of its run (older, usually). Published records only fill
    in implementations the local store has not measured; each keeps its `_source`.
    """
    records = [r for r in store.others.get("code_metrics", []) if r.get("package") == PROJECT]
    latest: dict[tuple[str, str], Record] = {}
    for record in sorted(records, key=lambda r: r.get("_source") == LOCAL_SOURCE):  # local last: it wins
        latest[(str(record.get("implementation")), str(record.get("classification")))] = record
    return list(latest.values())


def main_code_rows(rows: list[Record]) -> dict[str, Record]:
    """implementation -> its first row (`latest_code_metrics`): the core of a trainer, a shared package whole."""
    main: dict[str, Record] = {}
    for row in rows:
        main.setdefault(str(row.get("implementation")), row)
    return main


GroupKey = tuple[str, str, str, str, str, str]
"""(source, hardware, preset, task, spec_hash, code versions): one headline table block, one set of figures.
The last field names the group's code versions, one per contender after `current_runs` (joined by "+")."""


def group_runs(runs: list[Run]) -> dict[GroupKey, list[Run]]:
    """Runs grouped by where and what ran, local first, in a stable order."""
    cells: dict[tuple[str, ...], list[Run]] = defaultdict(list)
    for run in runs:
        cells[_cell(run)].append(run)
    groups = {(*cell, code_versions_label(members)): members for cell, members in cells.items()}
    return dict(sorted(groups.items(), key=lambda item: (item[0][0] != LOCAL_SOURCE, item[0])))


def code_versions_label(runs: list[Run]) -> str:
    """The distinct code versions of `runs`, sorted, joined by "+" (one version: itself)."""
    return "+".join(sorted({run.code_version for run in runs}))


def by_contender(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs by contender, in the project's contender order (CONTENDER_ORDER; unknown names last, sorted)."""
    grouped: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        grouped[run.contender].append(run)
    rank = {name: i for i, name in enumerate(CONTENDER_ORDER)}
    return dict(sorted(grouped.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))
