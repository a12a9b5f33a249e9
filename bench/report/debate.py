"""The debate section: each widely quoted claim about JAX vs PyTorch, answered from the store's measurements.

Claims come from a widely read post on kscalelabs/minppo. Python computes what each answer rests on: SLOC and
radon's structural metrics of the two cores, the field's independent pairs measured by `bench code`, speed ratios
over pairs of runs with `stats.verdict`'s codes, and the run length at which one side overtakes the other.
`templates/sections/debate.html.j2` says it, numbers first and neutrally ("the JAX side", "the PyTorch side");
where the answer turns on run length, hardware or the reader it says "it depends" and on what. The answer
panel reads the same code claims (`code_claims`) and the same matrix views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bench.metrics.field_code import load_table
from bench.report import settings
from bench.report.data import Store, latest_code_metrics, main_code_rows
from bench.report.field_code import field_rows, pair_ratios
from bench.report.matrix import Caption, MatrixView
from bench.report.render import Section, section
from bench.report.settings import COMPARISONS, QUESTIONS, Comparison
from bench.report.stats import Estimate, verdict
from bench.report.tables import Summary, pair_band, paired_ratio

CLAIMED_SHORTER = 20.0
CLAIM_TOLERANCE = 10.0
"""Percentage points around the claimed 20% within which we call the measurement consistent with it."""
READABILITY_KEYS = ("cc_mean", "cyclomatic_max", "cognitive", "max_nesting", "closures")
"""The structural proxies of the two cores (`source_metrics`; `cc_mean` from records made before the one rule),
those both cores' records carry; the templates name them."""
SHARED_PACKAGES = ("shared_spec", "ppo_envs")


@dataclass(frozen=True)
class CodeLength:
    """SLOC of the two cores and whether the measured difference is within CLAIM_TOLERANCE of the claim."""

    jax_sloc: float
    torch_sloc: float
    percent_shorter: float
    consistent: bool
    core: bool
    """Both records count the core PPO files only (older records: each package's whole source)."""
    sources: tuple[str, ...]
    """Where the records come from (said for older records)."""
    shared: tuple[float, ...] | None
    """SLOC of SHARED_PACKAGES, counted once and apart; None where not both are measured."""
    files: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    """The files each record measured (JAX, PyTorch), as the record names them: the sentence names these."""
    current_rule: bool = True
    """Both records' files are today's core classification (`field_code.toml`); False: an older one, said so."""
    claimed: float = CLAIMED_SHORTER
    tolerance: float = CLAIM_TOLERANCE

    @property
    def core_rule(self) -> tuple[str, ...]:
        return core_files()


@dataclass(frozen=True)
class Readability:
    """Structural proxies (READABILITY_KEYS key, JAX, PyTorch) and on how many the JAX side is higher or lower."""

    metrics: tuple[tuple[str, float, float], ...]
    jax_higher: int
    jax_lower: int


@dataclass(frozen=True)
class FieldRatio:
    """One pair's JAX / PyTorch ratio of a code metric (bench code, pinned versions); for this project's pair,
    `pair` is the classification it was counted by."""

    pair: str
    ratio: float


@dataclass(frozen=True)
class FieldClaims:
    """The field's ratios per metric ("sloc", "cognitive", "vocabulary", "concepts"): independent pairs and this
    project."""

    pairs: dict[str, tuple[FieldRatio, ...]]
    project: dict[str, tuple[FieldRatio, ...]]
    sloc_fits: int
    """Independent pairs whose SLOC ratio lies within `sloc_range`: the claim, within CLAIM_TOLERANCE."""
    sloc_range: tuple[float, float]
    sloc_longer: int
    """Independent pairs whose JAX side has more SLOC."""
    usage: tuple[tuple[Any, Any, Any], ...]
    """(implementation, function transforms, Python loops) of each implementation counted as declared."""
    rows: tuple[dict[str, Any], ...] = ()
    """The latest measured row per implementation and classification (`field_code.field_rows`)."""
    ratios: tuple[dict[str, Any], ...] = ()
    """Each pair's JAX / PyTorch ratios (`field_code.pair_ratios`)."""
    reason: str | None = None
    """Why nothing was measured, when `bench code` recorded why."""


@dataclass(frozen=True)
class CodeClaims:
    """Claims 1, 2 and 4: what the code says, read by the debate and by the answer panel."""

    length: CodeLength | None
    readability: Readability | None
    """None: no code metrics for both cores; no `metrics`: the records carry no structural figures."""
    field: FieldClaims


@dataclass(frozen=True)
class BreakEven:
    """Which side a run of a given length favours. `kind`: "no_data", "figures_only" (no verdict at this n),
    "same_start" (no difference in time to the first update), "same_speed" (no steady SPS difference),
    "ahead_always" (`sooner` is also faster), "depends" (`later` is faster: ahead after `steps` env steps)."""

    kind: str
    n: int = 0
    band: float | None = None
    """The noise band of the figure that decided `same_start` or `same_speed`."""
    sooner: str = ""
    later: str = ""
    extra_s: float = 0.0
    """Seconds `later` pays before its first update beyond `sooner`'s."""
    steps: float = 0.0
    run_steps: float | None = None
    """Env steps one run of this preset trains, when recorded."""
    finishes_sooner: str = ""
    """At `run_steps`, the side that finishes sooner."""


@dataclass(frozen=True)
class PairAnswer:
    """One comparison in one group: both summaries, the ratios over pairs of runs, the verdict codes."""

    comparison: Comparison
    caption: Caption
    left: Summary
    right: Summary
    sps: Estimate | None
    band: float | None
    verdict: str | None
    """`stats.verdict` on steady SPS as a code: "faster", "slower", "no_difference"; None: figures only."""
    first_update: Estimate | None
    threshold: Estimate | None
    break_even: BreakEven


@dataclass(frozen=True)
class DebateModel:
    code: CodeClaims
    matrices: tuple[MatrixView, ...]
    answers: dict[str, tuple[PairAnswer, ...]]
    """Per question (settings.QUESTIONS) the comparisons measured in some group, in settings order."""
    any_gpu: bool
    claimed: float = CLAIMED_SHORTER
    tolerance: float = CLAIM_TOLERANCE


def _num(record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _code(records: list[dict[str, Any]], implementation: str) -> dict[str, Any]:
    """The main code_metrics row of `implementation` (`data.main_code_rows`); empty when there is none."""
    return main_code_rows(records).get(implementation, {})


def code_length(records: list[dict[str, Any]]) -> CodeLength | None:
    """Claim 1 from radon SLOC of each trainer's core PPO files (networks, losses, train)."""
    jax, torch = _code(records, "jax_ppo"), _code(records, "torch_ppo")
    jax_sloc, torch_sloc = _num(jax, "sloc"), _num(torch, "sloc")
    if jax_sloc is None or not torch_sloc:
        return None
    shorter = 100.0 * (torch_sloc - jax_sloc) / torch_sloc
    files = (tuple(sorted(record_files(jax))), tuple(sorted(record_files(torch))))
    shared = tuple(_num(_code(records, name), "sloc") or 0.0 for name in SHARED_PACKAGES)
    return CodeLength(
        jax_sloc,
        torch_sloc,
        shorter,
        abs(shorter - CLAIMED_SHORTER) <= CLAIM_TOLERANCE,
        all(r.get("classification") == "core" for r in (jax, torch)),
        tuple(sorted({str(r.get("_source", "?")) for r in (jax, torch)})),
        shared if all(shared) else None,
        files,
        all(names == core_files() for names in files),
    )


def record_files(record: dict[str, Any]) -> tuple[str, ...]:
    """The file names a code_metrics record measured (`files`: paths, or per-file dicts in older records)."""
    entries = record.get("files") or []
    return tuple(Path(str(e.get("path") if isinstance(e, dict) else e)).name for e in entries)


@cache
def core_files() -> tuple[str, ...]:
    """Today's core classification of this project's pair (bench/metrics/field_code.toml), in record order."""
    return tuple(sorted(load_table()["project"]["classification"]["core"]))


def readability(records: list[dict[str, Any]]) -> Readability | None:
    """Claim 2 from radon's structural metrics; readability itself is not measured by any of them."""
    jax, torch = _code(records, "jax_ppo"), _code(records, "torch_ppo")
    if not jax or not torch:
        return None
    values = ((key, _num(jax, key), _num(torch, key)) for key in READABILITY_KEYS)
    metrics = tuple((key, a, b) for key, a, b in values if a is not None and b is not None)
    return Readability(metrics, sum(a > b for _, a, b in metrics), sum(a < b for _, a, b in metrics))


def field_claims(rows: list[dict[str, Any]], reason: str | None = None) -> FieldClaims:
    """Claims 1, 2 and 4 from the field: each pair's JAX / PyTorch SLOC, cognitive complexity, vocabulary."""
    ratios = pair_ratios(rows)

    def of(project: bool, key: str) -> tuple[FieldRatio, ...]:
        name = "classification" if project else "pair"
        return tuple(
            FieldRatio(r[name], r[key]) for r in ratios if r["project"] == project and r[key] is not None
        )

    keys = ("sloc", "cognitive", "vocabulary", "concepts")
    low = 1 - (CLAIMED_SHORTER + CLAIM_TOLERANCE) / 100
    high = 1 - (CLAIMED_SHORTER - CLAIM_TOLERANCE) / 100
    pairs = {key: of(False, key) for key in keys}
    usage = tuple(
        (r.get("implementation"), r.get("transforms"), r.get("python_loops"))
        for r in rows
        if r.get("classification") in ("as declared", "core")
    )
    return FieldClaims(
        pairs,
        {key: of(True, key) for key in keys},
        sum(low <= f.ratio <= high for f in pairs["sloc"]),
        (low, high),
        sum(f.ratio > 1 for f in pairs["sloc"]),
        usage,
        tuple(rows),
        tuple(ratios),
        reason,
    )


def code_claims(store: Store) -> CodeClaims:
    records = latest_code_metrics(store)
    return CodeClaims(code_length(records), readability(records), field_claims(*field_rows(store)))


def break_even(left: Summary, right: Summary, a: str, b: str) -> BreakEven:
    """When does the side with the higher fixed cost catch up, given both steady speeds? Said only where the
    first-update and SPS ratios both clear their noise bands (`stats.verdict`); else how far the figures go."""
    first = paired_ratio(left, right, "first_update_s")
    sps = paired_ratio(left, right, "sps")
    if first is None or sps is None or left.first_update_s is None or right.first_update_s is None:
        return BreakEven("no_data")
    n = min(first.n, sps.n)
    first_band, sps_band = pair_band(left, right, "first_update_s"), pair_band(left, right, "sps")
    start = verdict(first, first_band, ("later", "sooner"))
    speed = verdict(sps, sps_band)
    if start is None or speed is None:
        return BreakEven("figures_only", n)
    if start == "no_difference":
        return BreakEven("same_start", n, first_band)
    later, sooner = (a, b) if start == "later" else (b, a)
    if speed == "no_difference":
        return BreakEven("same_speed", n, sps_band, sooner, later)
    if (speed == "faster") == (sooner == a):
        return BreakEven("ahead_always", n, None, sooner, later)
    fixed = {a: left.first_update_s, b: right.first_update_s}
    speeds = {a: sps_value(left), b: sps_value(right)}
    extra_s = fixed[later] - fixed[sooner]
    steps = extra_s / (1.0 / speeds[sooner] - 1.0 / speeds[later])
    run_steps = left.env_steps or right.env_steps
    finisher = (later if run_steps > steps else sooner) if run_steps else ""
    return BreakEven("depends", n, None, sooner, later, extra_s, steps, run_steps, finisher)


def sps_value(summary: Summary) -> float:
    assert summary.sps is not None  # a paired SPS ratio exists, so both sides have steady SPS
    return summary.sps.value


def pair_answer(comparison: Comparison, caption: Caption, left: Summary, right: Summary) -> PairAnswer:
    sps, band = paired_ratio(left, right, "sps"), pair_band(left, right, "sps")
    return PairAnswer(
        comparison,
        caption,
        left,
        right,
        sps,
        band,
        verdict(sps, band),
        paired_ratio(left, right, "first_update_s"),
        paired_ratio(left, right, "time_to_threshold_s"),
        break_even(left, right, comparison.left, comparison.right),
    )


def pair_answers(groups: Sequence[tuple[Caption, list[Summary]]]) -> dict[str, tuple[PairAnswer, ...]]:
    """Claim 3 by question: framework (same simulator), simulator (same learner), then both together; `groups`:
    each group's caption and summaries."""
    answers: dict[str, list[PairAnswer]] = {question: [] for question in QUESTIONS}
    for comparison in COMPARISONS:
        for caption, rows in groups:
            by_name = {s.contender: s for s in rows if s.ok_runs}
            left, right = by_name.get(comparison.left), by_name.get(comparison.right)
            if left is not None and right is not None:
                answer = pair_answer(comparison, caption, left, right)
                answers[comparison.question].append(answer)
    return {question: tuple(items) for question, items in answers.items()}


def debate_section(model: DebateModel) -> Section:
    """The claims of the debate, answered from the measurements."""
    return section("debate", collapse=True, model=model, settings=settings)
