"""Control 2, learner-only: the identical PPO update (same network, epochs, minibatches) on a synthetic batch.

Why: end-to-end SPS mixes the learner with the simulator. Here each framework runs exactly its trainer's own
update (`jax_ppo.train.learn_from_batch` jitted and AOT-compiled; `torch_ppo.train.Learner.learn_from_batch`
eager or with the whole minibatch step under `torch.compile`, without CUDA graphs or with either recipe of
them: torch.compile's own, or LeanRL's tensordict `CudaGraphModule`) on the same random
batch, each drawing its epochs' shuffles as in training, so only the framework differs. The shapes are a preset's own (its task's observation and action sizes, batch, minibatch
size, epochs, networks: `preset_case_spec`), plus a sweep of batch and width around it (`case_spec`). As in
the trainers, the batch is an input of the compiled JAX program (never a constant folded into it) and a tensor
argument on the torch side. Each returns a `run()` callable that performs one whole update and waits for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from shared_spec.spec import PPOSpec

FRAMEWORKS = (
    "jax-jit", "torch-eager", "torch-compile", "torch-compile-cudagraphs", "torch-compile-cudagraphmodule",
)  # fmt: skip
"""The ladder: JAX jit; torch eager; the whole minibatch step compiled (inductor, no CUDA graphs); compiled
and replayed as CUDA graphs by torch.compile (`mode="reduce-overhead"`, the trainer's default); and compiled
in inductor's default mode, then captured and replayed by tensordict's `CudaGraphModule` (LeanRL's recipe).
The last two need a GPU. Each is built exactly as `torch_ppo.train` builds it (`torch_ppo.compiled`)."""
TORCH_MODES: dict[str, tuple[bool, str] | None] = {
    "torch-eager": None,
    "torch-compile": (False, "reduce-overhead"),
    "torch-compile-cudagraphs": (True, "reduce-overhead"),
    "torch-compile-cudagraphmodule": (True, "cudagraphmodule"),
}
"""torch framework -> (CUDA graphs, their recipe) of its compiled minibatch step (None: eager)."""
GPU_ONLY_FRAMEWORKS = ("torch-compile-cudagraphs", "torch-compile-cudagraphmodule")


@dataclass
class LearnerCase:
    """One point of the sweep: a framework, a batch shape and a network."""

    framework: str
    spec: PPOSpec
    obs_size: int
    act_size: int


def case_spec(base: PPOSpec, batch_size: int, hidden: tuple[int, ...] | None = None) -> PPOSpec:
    """`base` with one env x `batch_size` steps, one update, and `hidden` for both networks (None: base's).

    The learning rate is constant: the benchmark repeats the one update many times, past the schedule's end.
    """
    networks = {} if hidden is None else {"actor_hidden": hidden, "critic_hidden": hidden}
    return base.replace(
        num_envs=1, num_steps=batch_size, total_timesteps=batch_size, num_evals=1, anneal_lr=False, **networks
    )  # fmt: skip


def preset_case_spec(base: PPOSpec) -> PPOSpec:
    """The update of `base` itself: its batch (num_envs x num_steps), minibatches, epochs and networks."""
    return case_spec(base, base.batch_size)


def synthetic_batch(case: LearnerCase, seed: int = 0) -> list[np.ndarray]:
    """Random loss inputs: obs, actions, log_probs, values, advantages, returns."""
    g = np.random.default_rng(seed)
    n = case.spec.batch_size
    values = g.normal(0, 1, n).astype(np.float32)
    advantages = g.normal(0, 1, n).astype(np.float32)
    return [
        g.normal(0, 1, (n, case.obs_size)).astype(np.float32),
        g.normal(0, 1, (n, case.act_size)).astype(np.float32),
        g.normal(-case.act_size, 0.5, n).astype(np.float32),
        values,
        advantages,
        (values + advantages).astype(np.float32),
    ]


def make_jax_update(case: LearnerCase) -> tuple[Callable[[], None], float]:
    """(run one update, AOT compile seconds) with jax_ppo's own `learn_from_batch`."""
    import functools

    import jax
    import jax.numpy as jnp

    from jax_ppo import losses, train

    learner = train.make_learner(case.spec, case.act_size)
    state = train.init_learner_state(learner, case.obs_size, jax.random.PRNGKey(0))
    batch = losses.Batch(*(jnp.asarray(a) for a in synthetic_batch(case)))
    update = functools.partial(train.learn_from_batch, learner)
    start = time.perf_counter()
    compiled = jax.jit(update).lower(state, batch).compile()  # batch traced, as in training
    compile_s = time.perf_counter() - start
    holder = {"state": state}

    def run() -> None:
        holder["state"], _ = compiled(holder["state"], batch)
        jax.block_until_ready(holder["state"].params)

    return run, compile_s


def make_torch_update(case: LearnerCase, device: str = "cpu") -> tuple[Callable[[], None], float]:
    """(run one update, compile seconds: first update minus a steady one) with torch_ppo's own `Learner`."""
    import torch

    from torch_ppo import device as torch_device
    from torch_ppo import losses, train

    spec, mode = case.spec, TORCH_MODES[case.framework]
    compiled = mode is not None
    cuda_graphs, recipe = mode if mode is not None else (False, "reduce-overhead")
    if cuda_graphs and device != "cuda":
        raise ValueError(f"framework: got {case.framework!r}, which needs a GPU; device is {device}")
    torch_device.set_threads(spec.torch_threads)  # as the trainer does (1 thread: fastest for these MLPs)
    if device == "cpu":
        torch.use_deterministic_algorithms(True)  # as the trainer does on CPU
    learner = train.Learner(
        spec, case.obs_size, case.act_size, torch.device(device), seed=0, compile_mode=compiled,
        cuda_graph_recipe=recipe,
    )  # fmt: skip
    if compiled:  # the ladder's rung: without CUDA graphs, or with them by one recipe
        learner.minibatch_step = train.make_minibatch_step(
            learner.network, learner.optimizer, spec, compiled, cuda_graphs, recipe
        )
    batch = losses.Batch(*(torch.as_tensor(a, device=device) for a in synthetic_batch(case)))

    def run() -> None:
        bool(learner.learn_from_batch(batch).all_finite)  # one host sync per update, as in training

    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    start = time.perf_counter()
    run()
    steady = time.perf_counter() - start
    return run, max(0.0, first - steady) if compiled else 0.0


def make_update(case: LearnerCase, device: str = "cpu") -> tuple[Callable[[], None], float]:
    """The update callable of `case.framework`."""
    if case.framework == "jax-jit":
        return make_jax_update(case)
    if case.framework in TORCH_MODES:
        return make_torch_update(case, "cuda" if device == "gpu" else "cpu")
    raise ValueError(f"framework: got {case.framework!r}; allowed: {', '.join(FRAMEWORKS)}")


DEFAULT_PRESET = "cpu-quick"


def preset_base(preset: str = DEFAULT_PRESET) -> PPOSpec:
    """The learner settings of `preset` (epochs, minibatches, networks, optimizer, loss coefficients)."""
    from shared_spec.presets import resolve_spec

    return resolve_spec(preset)


__all__ = [
    "DEFAULT_PRESET", "FRAMEWORKS", "GPU_ONLY_FRAMEWORKS", "LearnerCase", "case_spec", "make_update", "preset_base", "preset_case_spec",
]  # fmt: skip
