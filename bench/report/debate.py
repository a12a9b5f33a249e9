"""The debate section: each widely quoted claim about JAX vs PyTorch, answered from the store's measurements.

Claims come from a widely read post on kscalelabs/minppo. Every sentence with a verdict is computed from the
records (SLOC, radon metrics, startup/compile/steady speed, time to threshold); where the answer turns on
run length, hardware or the reader, the text says "it depends" and on what. Wording stays neutral: "the JAX
side" and "the PyTorch side", numbers first.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bench.report.data import GroupKey
from bench.report.matrix import matrix_cells, shown_rows, where
from bench.report.settings import COMPARISONS, MATRIX, MATRIX_LEARNERS, MATRIX_SIMULATORS, Comparison
from bench.report.tables import Summary, fmt, fmt_estimate, fmt_threshold_cell

CLAIMS = (
    "JAX code is about 20% shorter than PyTorch.",
    "It is much harder to read.",
    "It brings little speed in practice.",
)
CLAIMED_SHORTER = 20.0
CLAIM_TOLERANCE = 10.0
"""Percentage points around the claimed 20% within which we call the measurement consistent with it."""
LITTLE_SPEEDUP = 1.25
"""A framework speed ratio within 1/1.25 to 1.25 (steady SPS, same simulator) counts as "little" speed."""
READABILITY_KEYS = (
    ("cc_mean", "mean cyclomatic complexity"),
    ("cc_max", "max cyclomatic complexity"),
    ("max_nesting", "max nesting depth"),
    ("nested_functions", "nested functions (closures)"),
)


def _num(record: dict[str, Any] | None, key: str) -> float | None:
    value = (record or {}).get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _code(code_records: list[dict[str, Any]], implementation: str) -> dict[str, Any] | None:
    """The latest code_metrics record of `implementation` (local store first)."""
    found = [r for r in code_records if r.get("implementation") == implementation]
    return found[-1] if found else None


def _scope(*records: dict[str, Any] | None) -> str:
    """What the SLOC counts: the core PPO files, or (older records) each package's whole source."""
    if all((r or {}).get("part") == "core" for r in records):
        return "the core PPO files: networks.py, losses.py, train.py"
    sources = sorted({str((r or {}).get("_source", "?")) for r in records})
    return f"each package's files, an older record from {', '.join(sources)}: measurement glue included"


def _length(code_records: list[dict[str, Any]]) -> tuple[float, float, float, str, bool] | None:
    """(jax SLOC, torch SLOC, % shorter, 'N% shorter|longer', consistent with the claim), or None."""
    jax_sloc = _num(_code(code_records, "jax_ppo"), "sloc")
    torch_sloc = _num(_code(code_records, "torch_ppo"), "sloc")
    if jax_sloc is None or torch_sloc is None or torch_sloc == 0:
        return None
    shorter = 100.0 * (torch_sloc - jax_sloc) / torch_sloc
    direction = f"{shorter:.0f}% shorter" if shorter >= 0 else f"{-shorter:.0f}% longer"
    return jax_sloc, torch_sloc, shorter, direction, abs(shorter - CLAIMED_SHORTER) <= CLAIM_TOLERANCE


def answer_length(code_records: list[dict[str, Any]]) -> str:
    """Claim 1, from SLOC of each trainer's core PPO files (networks, losses, train)."""
    jax, torch = _code(code_records, "jax_ppo"), _code(code_records, "torch_ppo")
    length = _length(code_records)
    if length is None:
        return "Not measured yet: the store has no code metrics for both jax_ppo and torch_ppo."
    jax_sloc, torch_sloc, _shorter, direction, consistent = length
    verdict = (
        f"consistent with the claim (within {CLAIM_TOLERANCE:.0f} percentage points of {CLAIMED_SHORTER:.0f}%)"
        if consistent
        else f"not consistent with the claim (more than {CLAIM_TOLERANCE:.0f} percentage points from "
        f"{CLAIMED_SHORTER:.0f}%)"
    )
    shared = [_num(_code(code_records, name), "sloc") for name in ("shared_spec", "ppo_envs")]
    shared_text = (
        f" Shared code (shared_spec {fmt(shared[0])}, ppo_envs {fmt(shared[1])} SLOC) serves both and is "
        "counted once, apart; each trainer's env adapters and measurement glue are counted apart too."
        if all(shared)
        else ""
    )
    return (
        f"Measured (radon SLOC of {_scope(jax, torch)}): jax_ppo {fmt(jax_sloc)}, torch_ppo "
        f"{fmt(torch_sloc)}: the JAX implementation is {direction} than the PyTorch one, {verdict}.{shared_text} "
        "It depends on the codebase: both sides here implement one spec with the same structure; other code "
        "(minppo's included) can differ either way."
    )


def _structure(code_records: list[dict[str, Any]]) -> tuple[list[str], list[str], list[str]] | None:
    """(per-metric 'name: JAX a vs PyTorch b', metrics where JAX is higher, where lower), or None."""
    jax, torch = _code(code_records, "jax_ppo"), _code(code_records, "torch_ppo")
    if jax is None or torch is None:
        return None
    higher, lower, parts = [], [], []
    for key, name in READABILITY_KEYS:
        a, b = _num(jax, key), _num(torch, key)
        if a is None or b is None:
            continue
        parts.append(f"{name}: JAX {fmt(a)} vs PyTorch {fmt(b)}")
        if a > b:
            higher.append(name)
        elif a < b:
            lower.append(name)
    return parts, higher, lower


def answer_readability(code_records: list[dict[str, Any]]) -> str:
    """Claim 2, from radon's structural metrics; readability itself is not measured by any of them."""
    structure = _structure(code_records)
    if structure is None:
        return "Not measured yet: the store has no code metrics for both jax_ppo and torch_ppo."
    parts, higher, lower = structure
    if not parts:
        return "Not measured yet: the code metrics records carry no complexity or nesting figures."
    summary = (
        f"The JAX side scores higher on {len(higher)} and lower on {len(lower)} of "
        f"{len(parts)} structural metrics."
    )
    return (
        f"Measured proxies (radon): {'; '.join(parts)}. {summary} It depends on the reader: these metrics count "
        "branches and nesting, not how familiar functional transforms (jit, vmap, lax.scan, explicit PRNG keys) "
        "are compared with an imperative loop; no number here measures readability itself. Read the two "
        "packages side by side: each PPO step has the same function name in both."
    )


def length_line(code_records: list[dict[str, Any]]) -> str:
    """Claim 1 in one line, for the report's opening block."""
    length = _length(code_records)
    if length is None:
        return "not measured (no code metrics for both jax_ppo and torch_ppo)."
    jax_sloc, torch_sloc, _shorter, direction, consistent = length
    verdict = "consistent with the claim" if consistent else "not consistent with the claim"
    return (
        f"jax_ppo {fmt(jax_sloc)} vs torch_ppo {fmt(torch_sloc)} SLOC (core PPO files, radon; no hardware "
        f"involved): {direction}, {verdict} (within {CLAIM_TOLERANCE:.0f} points of {CLAIMED_SHORTER:.0f}%)."
    )


def readability_line(code_records: list[dict[str, Any]]) -> str:
    """Claim 2 in one line: no number measures readability; the structural proxies say which way they lean."""
    structure = _structure(code_records)
    if structure is None or not structure[0]:
        return "not measured (no code metrics for both jax_ppo and torch_ppo)."
    parts, higher, lower = structure
    return (
        f"not decidable by a number; structural proxies (radon, no hardware involved): the JAX side higher on "
        f"{len(higher)}, lower on {len(lower)} of {len(parts)} ({'; '.join(parts)})."
    )


def speed_line(key: GroupKey, rows: list[Summary]) -> str:
    """Claim 3 in one line, from the framework x simulator table: the framework ratio on each simulator, JAX
    against each PyTorch row that has runs (eager; compiled where measured)."""
    cells = matrix_cells(rows)
    pairs = []
    for other in shown_rows(cells)[1:]:
        parts, verdicts = [], []
        for col, simulator in enumerate(MATRIX_SIMULATORS):
            jax, torch = cells[0][col], cells[other][col]
            a, b = MATRIX[0][col], MATRIX[other][col]
            if not (jax and torch and jax.sps and torch.sps and torch.sps.value > 0):
                parts.append(f"on {simulator} not measured (needs ok runs of {a} and {b})")
                continue
            ratio = jax.sps.value / torch.sps.value
            parts.append(
                f"on {simulator} {a} at {ratio:.2f}x of {b}'s steady SPS "
                f"({a} n = {jax.ok_runs}, {b} n = {torch.ok_runs})"
            )
            if 1 / LITTLE_SPEEDUP <= ratio <= LITTLE_SPEEDUP:
                verdicts.append(f"little on {simulator} (within {LITTLE_SPEEDUP}x either way)")
            else:
                faster = MATRIX_LEARNERS[0] if ratio > 1 else MATRIX_LEARNERS[other]
                verdicts.append(f"not little on {simulator} ({faster} faster by more than {LITTLE_SPEEDUP}x)")
        verdict = f": {'; '.join(verdicts)}" if verdicts else ""
        pairs.append(f"{MATRIX_LEARNERS[0]} vs {MATRIX_LEARNERS[other]}: {', '.join(parts)}{verdict}")
    return f"On {where(key)}, {' / '.join(pairs)}."


PairResults = dict[Comparison, dict[GroupKey, tuple[Summary, Summary]]]
"""For each comparison, the groups where both of its contenders have ok runs."""

QUESTION_TITLES = {
    "framework": "The framework, on one simulator",
    "simulator": "The simulator, with one learner",
    "setup": "Each framework as usually run (framework and simulator together)",
}


def _means_n(summary: Summary) -> str:
    return f"mean of {summary.ok_runs} run{'s' if summary.ok_runs != 1 else ''}"


def answer_pair(comparison: Comparison, key: GroupKey, left: Summary, right: Summary) -> str:
    """One group's answer for one comparison: every sentence names the hardware and its n."""
    source, hardware, preset, task, _spec, _code = key
    where = f"On {hardware} ({task}, preset {preset}, {source})"
    a, b = comparison.left, comparison.right
    counts = f"{a} n = {left.ok_runs + left.failed_runs}, {b} n = {right.ok_runs + right.failed_runs} runs"
    sentences = [f"{where}, {comparison.compared} ({counts}); shared: {comparison.held_fixed}."]
    if left.sps and right.sps and right.sps.value > 0:
        ratio = left.sps.value / right.sps.value
        sentences.append(
            f"{where}, steady SPS {a} {fmt_estimate(left.sps)} vs {b} {fmt_estimate(right.sps)}: "
            f"{a} at {ratio:.2f}x of {b}."
        )
    if left.first_update_s is not None and right.first_update_s is not None:
        sentences.append(
            f"{where}, time to the end of the first update (startup + compile, evaluation excluded) {a} "
            f"{fmt(left.first_update_s)} s ({_means_n(left)}) vs {b} {fmt(right.first_update_s)} s "
            f"({_means_n(right)})."
        )
    sentences.append(
        f"{where}, time to threshold {a} {fmt_threshold_cell(left)} vs {b} {fmt_threshold_cell(right)}."
    )
    sentences.append(f"{where}: {_break_even(a, left, b, right)}")
    return " ".join(escape(sentence) for sentence in sentences)


def answer_speed(results: PairResults) -> str:
    """Claim 3 by question: framework (same simulator), simulator (same learner), then both together."""
    html = ""
    for question, title in QUESTION_TITLES.items():
        items = [
            answer_pair(comparison, key, left, right)
            for comparison, groups in results.items()
            if comparison.question == question
            for key, (left, right) in groups.items()
        ]
        if not items:
            wanted = " or ".join(f"{c.left} and {c.right}" for c in COMPARISONS if c.question == question)
            items = [escape(f"Not measured: no group of runs has ok runs of both {wanted}.")]
        html += f"<h4>{escape(title)}</h4><ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    return html


def _break_even(a: str, left: Summary, b: str, right: Summary) -> str:
    """When does the side with the higher fixed cost catch up, given both steady speeds?"""
    if not (left.sps and right.sps and left.first_update_s is not None and right.first_update_s is not None):
        return "not enough data to say at which run length one overtakes the other."
    fixed = {a: left.first_update_s, b: right.first_update_s}
    speed = {a: left.sps.value, b: right.sps.value}
    slow_start = max(fixed, key=fixed.get)  # type: ignore[arg-type]
    other = b if slow_start == a else a
    n = f"n = {left.ok_runs} and {right.ok_runs} runs"
    if speed[slow_start] <= speed[other]:
        return f"{other} starts sooner and is at least as fast in steady state, so it is ahead at every run length ({n})."
    extra_s = fixed[slow_start] - fixed[other]
    steps = extra_s / (1.0 / speed[other] - 1.0 / speed[slow_start])
    run_steps = left.env_steps or right.env_steps
    position = ""
    if run_steps:
        side = slow_start if run_steps > steps else other
        position = f"; runs of this preset train {run_steps:,.0f} env steps, so here {side} finishes sooner"
    return (
        f"it depends on run length: {slow_start} pays {extra_s:.3g} s more before its first update and is "
        f"faster afterwards, so it is ahead after about {steps:,.0f} env steps at these mean steady speeds "
        f"(evaluation excluded){position} ({n}; this hardware only)."
    )


def debate_html(
    code_records: list[dict[str, Any]],
    results: PairResults,
    any_gpu: bool,
    matrix_sentences: tuple[str, ...] = (),
) -> str:
    """The claims, each followed by what this store's measurements say (speed: the framework x simulator
    table's sentences first, then each pair)."""
    matrix = "".join(f"<li>{escape(sentence)}</li>" for sentence in matrix_sentences)
    speed = (
        f"<h4>From the framework x simulator table</h4><ul>{matrix}</ul>" if matrix else ""
    ) + answer_speed(results)
    gpu_note = (
        ""
        if any_gpu
        else '<p class="note">No GPU run is in this store: what the claim says about accelerators is not '
        "answered here; all speed figures above are CPU figures.</p>"
    )
    return (
        "<p>Claims quoted from a widely read post on kscalelabs/minppo, each answered from this store's own "
        "measurements. The wording is generated from the numbers; nothing here is written in advance.</p>"
        f"<h3>“{escape(CLAIMS[0])}”</h3><p>{escape(answer_length(code_records))}</p>"
        f"<h3>“{escape(CLAIMS[1])}”</h3><p>{escape(answer_readability(code_records))}</p>"
        f"<h3>“{escape(CLAIMS[2])}”</h3><p>Speed is answered per question: the framework only from pairs "
        "that share a simulator, the simulator only from pairs that share a learner, and each framework "
        f"as usually run with both named as differing.</p>{speed}{gpu_note}"
    )
