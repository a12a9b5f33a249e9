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


def answer_speed(pairs: dict[GroupKey, tuple[Summary, Summary]]) -> list[str]:
    """Claim 3, one answer per group where both 'jax' and 'torch' have ok runs."""
    if not pairs:
        return ["Not measured yet: no group of runs has ok runs of both the jax and the torch contender."]
    answers = []
    for (source, hardware, preset, task, _spec, _code), (jax, torch) in pairs.items():
        where = f"{task}, preset {preset}, {hardware} ({source})"
        parts = [f"<b>{escape(where)}</b>:"]
        if jax.sps and torch.sps and torch.sps.value > 0:
            ratio = jax.sps.value / torch.sps.value
            parts.append(
                f"steady SPS JAX {fmt_estimate(jax.sps)} vs PyTorch {fmt_estimate(torch.sps)} "
                f"(ratio {ratio:.2f}x);"
            )
        if jax.first_update_s is not None and torch.first_update_s is not None:
            parts.append(
                f"time to the end of the first update (startup + compile) JAX {fmt(jax.first_update_s)} s vs "
                f"PyTorch {fmt(torch.first_update_s)} s;"
            )
        parts.append(
            f"time to threshold JAX {fmt_threshold_cell(jax)} vs PyTorch {fmt_threshold_cell(torch)}."
        )
        parts.append(escape(_break_even(jax, torch)))
        answers.append(" ".join(parts))
    return answers


def _break_even(jax: Summary, torch: Summary) -> str:
    """When does the side with the higher fixed cost catch up, given both steady speeds?"""
    if not (jax.sps and torch.sps and jax.first_update_s is not None and torch.first_update_s is not None):
        return "Not enough data to say at which run length one side overtakes the other."
    fixed = {"JAX": jax.first_update_s, "PyTorch": torch.first_update_s}
    speed = {"JAX": jax.sps.value, "PyTorch": torch.sps.value}
    slow_start = max(fixed, key=fixed.get)  # type: ignore[arg-type]
    other = "PyTorch" if slow_start == "JAX" else "JAX"
    if speed[slow_start] <= speed[other]:
        return (
            f"The {other} side starts sooner and is at least as fast in steady state here: on this hardware "
            "and preset it is ahead at every run length."
        )
    extra_s = fixed[slow_start] - fixed[other]
    steps = extra_s / (1.0 / speed[other] - 1.0 / speed[slow_start])
    run_steps = jax.env_steps or torch.env_steps
    position = ""
    if run_steps:
        side = slow_start if run_steps > steps else other
        position = (
            f" Runs of this preset train {run_steps:,.0f} env steps, so here the {side} side finishes sooner."
        )
    return (
        f"It depends on run length: the {slow_start} side pays {extra_s:.3g} s more before its first update "
        f"and is faster afterwards, so it is ahead after about {steps:,.0f} env steps at these steady speeds "
        f"(ignoring evaluation time); shorter runs favour the other side.{position} Hardware matters too: these "
        "numbers hold for the hardware named here only."
    )


def debate_html(
    code_records: list[dict[str, Any]], pairs: dict[GroupKey, tuple[Summary, Summary]], any_gpu: bool
) -> str:
    """The claims, each followed by what this store's measurements say."""
    speed = "".join(f"<li>{a}</li>" for a in answer_speed(pairs))
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
        f"<h3>“{escape(CLAIMS[2])}”</h3><ul>{speed}</ul>{gpu_note}"
    )
