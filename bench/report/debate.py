"""The debate section: each widely quoted claim about JAX vs PyTorch, answered from the store's measurements.

Claims come from a widely read post on kscalelabs/minppo. Every sentence with a verdict is computed from the
records (SLOC, radon metrics, startup/compile/steady speed, time to threshold); where the answer turns on
run length, hardware or the reader, the text says "it depends" and on what. Wording stays neutral: "the JAX
side" and "the PyTorch side", numbers first.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bench.harness.contenders import COMPARISONS, Comparison
from bench.report.data import GroupKey
from bench.report.tables import Summary, fmt, fmt_estimate, fmt_threshold_cell

CLAIMS = (
    "JAX code is about 20% shorter than PyTorch.",
    "It is much harder to read.",
    "It brings little speed in practice.",
)
CLAIMED_SHORTER = 20.0
CLAIM_TOLERANCE = 10.0
"""Percentage points around the claimed 20% within which we call the measurement consistent with it."""
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


def answer_length(code_records: list[dict[str, Any]]) -> str:
    """Claim 1, from SLOC of each trainer's core PPO files (networks, losses, train)."""
    jax, torch = _code(code_records, "jax_ppo"), _code(code_records, "torch_ppo")
    jax_sloc, torch_sloc = _num(jax, "sloc"), _num(torch, "sloc")
    if jax_sloc is None or torch_sloc is None or torch_sloc == 0:
        return "Not measured yet: the store has no code metrics for both jax_ppo and torch_ppo."
    shorter = 100.0 * (torch_sloc - jax_sloc) / torch_sloc
    direction = f"{shorter:.0f}% shorter" if shorter >= 0 else f"{-shorter:.0f}% longer"
    consistent = abs(shorter - CLAIMED_SHORTER) <= CLAIM_TOLERANCE
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


def answer_readability(code_records: list[dict[str, Any]]) -> str:
    """Claim 2, from radon's structural metrics; readability itself is not measured by any of them."""
    jax, torch = _code(code_records, "jax_ppo"), _code(code_records, "torch_ppo")
    if jax is None or torch is None:
        return "Not measured yet: the store has no code metrics for both jax_ppo and torch_ppo."
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


def debate_html(code_records: list[dict[str, Any]], results: PairResults, any_gpu: bool) -> str:
    """The claims, each followed by what this store's measurements say."""
    speed = answer_speed(results)
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
