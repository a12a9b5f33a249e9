"""The debate section: each widely quoted claim about JAX vs PyTorch, answered from the store's measurements.

Claims come from a widely read post on kscalelabs/minppo. Every sentence with a verdict is computed from the
records (SLOC, radon metrics, startup/compile/steady speed, time to threshold, and the field's independent PPO
pairs measured by `bench code`); where the answer turns on
run length, hardware or the reader, the text says "it depends" and on what. Wording stays neutral: "the JAX
side" and "the PyTorch side", numbers first.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bench.report.data import GroupKey, Store, latest_code_metrics
from bench.report.field_code import CITATIONS, field_rows, pair_ratios
from bench.report.matrix import (
    framework_sentence,
    matrix_cells,
    matrix_groups,
    shown_rows,
    simulator_sentence,
    where,
)
from bench.report.settings import COMPARISONS, MATRIX, MATRIX_LEARNERS, MATRIX_SIMULATORS, Comparison
from bench.report.stats import NO_DIFFERENCE, Estimate, verdict
from bench.report.tables import (
    Summary,
    fmt,
    fmt_band,
    fmt_estimate,
    fmt_ratio,
    fmt_threshold_cell,
    paired_ratio,
)

CLAIMS = (
    "JAX code is about 20% shorter than PyTorch.",
    "It is much harder to read.",
    "It brings little speed in practice.",
    "PyTorch takes about three days to learn, JAX about a year.",
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


def code_length(code_records: list[dict[str, Any]]) -> tuple[float, float, float, str, bool] | None:
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
    length = code_length(code_records)
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


def _pairs(field: list[dict[str, Any]], key: str, project: bool) -> list[str]:
    """'pair ratio' of `key` (JAX / PyTorch) per field pair, or 'classification ratio' for this project's."""
    found = [r for r in pair_ratios(field) if r["project"] == project and r[key] is not None]
    return [f"{r['classification'] if project else r['pair']} {fmt(r[key])}" for r in found]


def field_length(field: list[dict[str, Any]]) -> str:
    """Claim 1 from independent pairs: each pair's JAX / PyTorch SLOC and how many fit the claimed 20%."""
    ratios = [r for r in pair_ratios(field) if not r["project"] and r["sloc"] is not None]
    if not ratios:
        return "The field's pairs were not measured (run `python -m bench code`)."
    low, high = 1 - (CLAIMED_SHORTER + CLAIM_TOLERANCE) / 100, 1 - (CLAIMED_SHORTER - CLAIM_TOLERANCE) / 100
    fits = sum(low <= r["sloc"] <= high for r in ratios)
    longer = sum(r["sloc"] > 1 for r in ratios)
    return (
        f"Independent pairs, JAX / PyTorch SLOC (bench code, pinned versions, no hardware involved): "
        f"{'; '.join(_pairs(field, 'sloc', False))}. {fits} of {len(ratios)} pairs fall within "
        f"{CLAIM_TOLERANCE:.0f} points of {CLAIMED_SHORTER:.0f}% shorter ({low:.1f} to {high:.1f}), {longer} have "
        f"the JAX side longer. This project's pair by classification: {'; '.join(_pairs(field, 'sloc', True))}. "
        "Limit: a handful of pairs, each counted by declared file lists, not a sample of all PPO code."
    )


def field_readability(field: list[dict[str, Any]]) -> str:
    """Claim 2 from independent pairs: cognitive complexity ratios, with what the metric is worth."""
    pairs = _pairs(field, "cognitive", False)
    if not pairs:
        return "The field's pairs were not measured (run `python -m bench code`)."
    return (
        f"Cognitive complexity, JAX / PyTorch: {'; '.join(pairs)}; this project "
        f"{'; '.join(_pairs(field, 'cognitive', True))}. {CITATIONS} Limit: readability itself cannot be "
        "measured by this tool; these are structural proxies."
    )


def answer_learning(field: list[dict[str, Any]]) -> str:
    """Claim 4: learning time is not measured; the vocabulary proxy is what the tool can show."""
    pairs = _pairs(field, "vocabulary", False)
    if not pairs:
        return (
            "Not measured: learning time cannot be measured by this tool, and its proxy (framework vocabulary, "
            "bench code) has no records in this store."
        )
    usage = "; ".join(
        f"{r.get('implementation')} transforms {r.get('transforms')}, loops {r.get('python_loops')}"
        for r in field
        if r.get("classification") in ("as declared", "core")
    )
    return (
        "Learning time cannot be measured by this tool. What it can show is a proxy: the distinct framework API "
        f"names each implementation uses, JAX / PyTorch: {'; '.join(pairs)}; this project "
        f"{'; '.join(_pairs(field, 'vocabulary', True))}. Function transforms against Python loops per "
        f"implementation: {usage}. Limit: a count of names to know says nothing of how long they take to learn, "
        "nor of what a reader already knows."
    )


def learning_line(field: list[dict[str, Any]]) -> str:
    """Claim 4 in one line."""
    pairs = _pairs(field, "vocabulary", False)
    return (
        "not measurable by this tool; its proxy, distinct framework API names JAX / PyTorch (static, no hardware): "
        + "; ".join(pairs)
        + "."
        if pairs
        else "not measurable by this tool; its vocabulary proxy is not measured yet (bench code)."
    )


def structural_metrics(code_records: list[dict[str, Any]]) -> list[tuple[str, float, float]] | None:
    """(metric name, JAX value, PyTorch value) of each structural proxy both sides report, or None."""
    jax, torch = _code(code_records, "jax_ppo"), _code(code_records, "torch_ppo")
    if jax is None or torch is None:
        return None
    return [
        (name, a, b)
        for key, name in READABILITY_KEYS
        if (a := _num(jax, key)) is not None and (b := _num(torch, key)) is not None
    ]


def _structure(code_records: list[dict[str, Any]]) -> tuple[list[str], list[str], list[str]] | None:
    """(per-metric 'name: JAX a vs PyTorch b', metrics where JAX is higher, where lower), or None."""
    metrics = structural_metrics(code_records)
    if metrics is None:
        return None
    parts = [f"{name}: JAX {fmt(a)} vs PyTorch {fmt(b)}" for name, a, b in metrics]
    return parts, [name for name, a, b in metrics if a > b], [name for name, a, b in metrics if a < b]


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


def length_line(code_records: list[dict[str, Any]], field: list[dict[str, Any]] | None = None) -> str:
    """Claim 1 in one line, for the report's opening block (the field's pairs after this project's)."""
    pairs = _pairs(field or [], "sloc", False)
    field_text = f" Independent pairs, JAX / PyTorch SLOC: {'; '.join(pairs)}." if pairs else ""
    length = code_length(code_records)
    if length is None:
        return "not measured (no code metrics for both jax_ppo and torch_ppo)." + field_text
    jax_sloc, torch_sloc, _shorter, direction, consistent = length
    verdict = "consistent with the claim" if consistent else "not consistent with the claim"
    return (
        f"jax_ppo {fmt(jax_sloc)} vs torch_ppo {fmt(torch_sloc)} SLOC (core PPO files, radon; no hardware "
        f"involved): {direction}, {verdict} (within {CLAIM_TOLERANCE:.0f} points of {CLAIMED_SHORTER:.0f}%)."
        + field_text
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
    against each PyTorch row that has runs (eager; compiled where measured), over pairs of runs; a verdict only
    where `stats.verdict` gives one (figures only where it gives none)."""
    cells = matrix_cells(rows)
    pairs = []
    for other in shown_rows(cells)[1:]:
        parts, verdicts = [], []
        for col, simulator in enumerate(MATRIX_SIMULATORS):
            jax, torch = cells[0][col], cells[other][col]
            a, b = MATRIX[0][col], MATRIX[other][col]
            ratio = paired_ratio(jax, torch, "sps") if jax and torch else None
            if ratio is None:
                parts.append(f"on {simulator} not measured (needs ok runs of {a} and {b} with the same seed)")
                continue
            parts.append(f"on {simulator} {a} at {fmt_ratio(ratio)} of {b}'s steady SPS")
            band = jax.band("sps")  # type: ignore[union-attr]
            word = verdict(ratio, band)
            if word is not None:
                verdicts.append(
                    f"{_little(word, ratio, MATRIX_LEARNERS[0], MATRIX_LEARNERS[other])} on {simulator} ({fmt_band(band)})"
                )
        verdict_text = f": {'; '.join(verdicts)}" if verdicts else ""
        pairs.append(f"{MATRIX_LEARNERS[0]} vs {MATRIX_LEARNERS[other]}: {', '.join(parts)}{verdict_text}")
    return f"On {where(key)}, {' / '.join(pairs)}."


def _little(word: str, ratio: Estimate, left: str, right: str) -> str:
    """The 'little speed' answer for a decided verdict word: little only when the whole interval lies within
    1/LITTLE_SPEEDUP to LITTLE_SPEEDUP, not little only when it lies wholly beyond."""
    if word == NO_DIFFERENCE:
        return NO_DIFFERENCE
    faster = left if word == "faster" else right
    assert ratio.low is not None and ratio.high is not None
    if 1 / LITTLE_SPEEDUP <= ratio.low and ratio.high <= LITTLE_SPEEDUP:
        return f"little ({faster} faster, within {LITTLE_SPEEDUP}x)"
    if ratio.low > LITTLE_SPEEDUP or ratio.high < 1 / LITTLE_SPEEDUP:
        return f"not little ({faster} faster by more than {LITTLE_SPEEDUP}x)"
    return f"{faster} faster; whether by more than {LITTLE_SPEEDUP}x is not settled at this n"


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
    """One group's answer for one comparison: every sentence names the hardware and its n; ratios over pairs."""
    on = f"On {where(key)}"
    a, b = comparison.left, comparison.right
    counts = f"{a} n = {left.ok_runs + left.failed_runs}, {b} n = {right.ok_runs + right.failed_runs} runs"
    sentences = [f"{on}, {comparison.compared} ({counts}); shared: {comparison.held_fixed}."]
    sps = paired_ratio(left, right, "sps")
    if left.sps and right.sps and sps is not None:
        word, band = verdict(sps, left.band("sps")), fmt_band(left.band("sps"))
        said = (
            ""
            if word is None
            else f": {NO_DIFFERENCE} ({band})"
            if word == NO_DIFFERENCE
            else f": {a} {word} than {b} ({band})"
        )
        sentences.append(
            f"{on}, steady SPS {a} {fmt_estimate(left.sps)} vs {b} {fmt_estimate(right.sps)}: "
            f"{a} at {fmt_ratio(sps)} of {b}{said}."
        )
    if left.first_update_s is not None and right.first_update_s is not None:
        first = paired_ratio(left, right, "first_update_s")
        ratio = "" if first is None else f"; {a} / {b} {fmt_ratio(first)} over cold-start pairs"
        sentences.append(
            f"{on}, time to the end of the first update (startup + compile, evaluation excluded) {a} "
            f"{fmt(left.first_update_s)} s ({_means_n(left)}) vs {b} {fmt(right.first_update_s)} s "
            f"({_means_n(right)}){ratio}."
        )
    threshold = paired_ratio(left, right, "time_to_threshold_s")
    ratio = "" if threshold is None else f"; {a} / {b} {fmt_ratio(threshold)} over pairs that both reached it"
    sentences.append(
        f"{on}, time to threshold {a} {fmt_threshold_cell(left)} vs {b} {fmt_threshold_cell(right)}{ratio}."
    )
    sentences.append(f"{on}: {_break_even(a, left, b, right)}")
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
    """When does the side with the higher fixed cost catch up, given both steady speeds? Said only where the
    first-update and SPS ratios both clear their noise bands (`stats.verdict`); else the figures' standing."""
    first = paired_ratio(left, right, "first_update_s")
    sps = paired_ratio(left, right, "sps")
    if first is None or sps is None or left.first_update_s is None or right.first_update_s is None:
        return "not enough data to say at which run length one overtakes the other."
    start = verdict(first, left.band("first_update_s"), ("later", "sooner"))
    speed = verdict(sps, left.band("sps"))
    n = f"n = {min(first.n, sps.n)} pair{'s' if min(first.n, sps.n) != 1 else ''}"
    if start is None or speed is None:
        return f"figures only at {n}: no verdict on which side a run of a given length favours."
    if start == NO_DIFFERENCE:
        return f"time to the first update: {NO_DIFFERENCE} ({n}, {fmt_band(left.band('first_update_s'))})."
    slow_start, other = (a, b) if start == "later" else (b, a)
    if speed == NO_DIFFERENCE:
        return (
            f"{other} starts sooner; steady SPS: {NO_DIFFERENCE} ({n}, {fmt_band(left.band('sps'))}), so "
            "no verdict on which side long runs favour."
        )
    if (speed == "faster") == (other == a):
        return (
            f"{other} starts sooner and is faster in steady state, so it is ahead at every run length ({n})."
        )
    fixed = {a: left.first_update_s, b: right.first_update_s}
    speeds = {a: left.sps.value, b: right.sps.value}  # type: ignore[union-attr]
    extra_s = fixed[slow_start] - fixed[other]
    steps = extra_s / (1.0 / speeds[other] - 1.0 / speeds[slow_start])
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
    field: list[dict[str, Any]] | None = None,
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
        f"<p>{escape(field_length(field or []))}</p>"
        f"<h3>“{escape(CLAIMS[1])}”</h3><p>{escape(answer_readability(code_records))}</p>"
        f"<p>{escape(field_readability(field or []))}</p>"
        f"<h3>“{escape(CLAIMS[2])}”</h3><p>Speed is answered per question: the framework only from pairs "
        "that share a simulator, the simulator only from pairs that share a learner, and each framework "
        f"as usually run with both named as differing. The field's implementations are measured as code only, "
        f"never run here. Limit: every speed figure holds for its hardware, preset and n only.</p>{speed}{gpu_note}"
        f"<h3>“{escape(CLAIMS[3])}”</h3><p>{escape(answer_learning(field or []))}</p>"
    )


def debate_section(store: Store, summaries: dict[GroupKey, list[Summary]]) -> tuple[str, str, str]:
    """The claims of the debate, answered from the measurements."""
    results: dict[Comparison, dict[GroupKey, tuple[Summary, Summary]]] = {}
    for comparison in COMPARISONS:
        for key, rows in summaries.items():
            by_name = {s.contender: s for s in rows}
            left, right = by_name.get(comparison.left), by_name.get(comparison.right)
            if left is not None and right is not None and left.ok_runs and right.ok_runs:
                results.setdefault(comparison, {})[key] = (left, right)
    latest = latest_code_metrics(store)
    any_gpu = any(r.device_kind == "gpu" for r in store.runs)
    sentences = tuple(
        sentence
        for key, rows in matrix_groups(summaries).items()
        for sentence in (framework_sentence(key, rows), simulator_sentence(key, rows))
    )
    return (
        "debate",
        "The debate's claims, answered from this store",
        debate_html(latest, results, any_gpu, sentences, field_rows(store)[0]),
    )
