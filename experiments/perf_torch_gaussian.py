"""Benchmark (not a test): torch_ppo's minibatch step with its closed-form Gaussian vs `torch.distributions.Normal`.

The torch trainer writes its policy's log-prob and entropy as closed forms (`torch_ppo.networks`), where
CleanRL builds a `torch.distributions.Normal`. This measures why: the same minibatch step
(`make_minibatch_step`: loss, backward, clip, Adam) timed with each form, eager and optionally compiled, the two
forms alternating in rounds so that load from other processes hits both alike. Shape: the preset's minibatch
(default cpu-quick: 256 rows, obs 4, act 1).

    .venv/bin/python -m experiments.perf_torch_gaussian [--preset cpu-quick] [--rounds 7] [--steps 200]
        [--compile] [--threads 1] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator

import torch
from torch.distributions import Normal

from experiments.provenance import provenance
from shared_spec.presets import resolve_spec
from torch_ppo import losses
from torch_ppo.losses import Batch
from torch_ppo.networks import make_network, make_optimizer
from torch_ppo.train import make_minibatch_step


def normal_log_prob(mean: torch.Tensor, log_std: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """CleanRL's form: `Normal(mean, std).log_prob(actions).sum(-1)` (argument checks off, as a fast build)."""
    return Normal(mean, log_std.exp().expand_as(mean), validate_args=False).log_prob(actions).sum(-1)


def normal_entropy(log_std: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """CleanRL's form: `Normal(mean, std).entropy().sum(-1)`."""
    return Normal(mean, log_std.exp().expand_as(mean), validate_args=False).entropy().sum(-1)


@contextlib.contextmanager
def gaussian_form(form: str) -> Iterator[None]:
    """Within the block, `losses.ppo_loss` uses the `form` ("closed": the trainer's own; "normal": CleanRL's)."""
    saved = losses.gaussian_log_prob, losses.gaussian_entropy
    if form == "normal":
        losses.gaussian_log_prob, losses.gaussian_entropy = normal_log_prob, normal_entropy
    try:
        yield
    finally:
        losses.gaussian_log_prob, losses.gaussian_entropy = saved


def make_timer(form: str, preset: str, compiled: bool, steps: int) -> Callable[[], float]:
    """A function timing `steps` minibatch steps in `form`: microseconds per step."""
    spec = resolve_spec(preset, [])
    obs_size, act_size, rows = 4, 1, spec.minibatch_size
    generator = torch.Generator().manual_seed(0)
    network = make_network(spec, obs_size, act_size)
    optimizer = make_optimizer(network, spec, compiled=compiled)
    with gaussian_form(form):
        step = make_minibatch_step(network, optimizer, spec, compiled=compiled)
    batch = Batch(
        obs=torch.randn(rows, obs_size, generator=generator),
        actions=torch.randn(rows, act_size, generator=generator),
        log_probs=torch.randn(rows, generator=generator) - 1.0,
        values=torch.randn(rows, generator=generator),
        advantages=torch.randn(rows, generator=generator),
        returns=torch.randn(rows, generator=generator),
    )

    def timed() -> float:
        with gaussian_form(form):
            start = time.perf_counter()
            for _ in range(steps):
                step(batch)
            return (time.perf_counter() - start) / steps * 1e6

    with gaussian_form(form):
        step(batch)  # warm-up (a compiled step compiles here)
    return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="cpu-quick")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--compile", action="store_true", help="also time the torch.compile'd step")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="one JSON line of every round's figures")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    modes = [False, True] if args.compile else [False]
    timers = {
        (form, compiled): make_timer(form, args.preset, compiled, args.steps)
        for compiled in modes
        for form in ("normal", "closed")
    }
    rounds: dict[str, list[float]] = {f"{form}{'-compiled' if c else ''}": [] for form, c in timers}
    for round_index in range(args.rounds):
        order = list(timers) if round_index % 2 == 0 else list(reversed(timers))
        for form, compiled in order:
            rounds[f"{form}{'-compiled' if compiled else ''}"].append(timers[(form, compiled)]())
    if args.json:
        print(json.dumps({"preset": args.preset, "threads": args.threads, "steps": args.steps,
                          "torch": torch.__version__, **provenance(), "us_per_step": rounds}))  # fmt: skip
        return 0
    for mode in ("", "-compiled") if args.compile else ("",):
        normal, closed = (
            statistics.median(rounds[f"normal{mode}"]),
            statistics.median(rounds[f"closed{mode}"]),
        )
        ratios = [n / c for n, c in zip(rounds[f"normal{mode}"], rounds[f"closed{mode}"], strict=True)]
        print(
            f"minibatch step{mode or ' (eager)'}: Normal {normal:.0f} us, closed form {closed:.0f} us, "
            f"Normal / closed per round median {statistics.median(ratios):.3f} "
            f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {args.rounds} rounds)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
