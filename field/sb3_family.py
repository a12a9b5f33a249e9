"""Stable-Baselines3's PPO (PyTorch) and SBX's (its JAX port) on the spec: one runner, the library the only switch.

Both libraries share SB3's rollout loop, buffer, VecEnv and VecNormalize; SBX swaps the networks and the update
for Flax/optax ones under `jax.jit`. The seam is SB3's callback: `_on_rollout_start` and `_on_rollout_end`
bracket `collect_rollouts` (env steps, actions, values, GAE), the next `_on_rollout_start` (or the end of
`learn`) closes `train` (epochs x minibatches). The spec's mapping is `field.mapping`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from field.common import UpdateClock, build_result, evaluate_policy, jax_device, torch_device, torch_settings
from shared_spec.resources import resolve_vector_env, resources_record, vector_env_record
from shared_spec.result import RunResult, package_versions, seconds_since_start
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP


class CleanRLLinearSchedule:
    """SB3's learning-rate callable giving CleanRL's per-update linear decay.

    SB3 calls it with progress_remaining = 1 - (u + 1) / N before update u (from 0); CleanRL's update u uses
    1 - u / N of the initial rate, hence the + 1 / N.
    """

    def __init__(self, initial: float, anneal_over_updates: int | None, **_: Any) -> None:
        self.initial, self.num_updates = initial, anneal_over_updates

    def __call__(self, progress_remaining: float) -> float:
        if self.num_updates is None:
            return self.initial
        return self.initial * min(1.0, progress_remaining + 1.0 / self.num_updates)


def make_vec_env(run: dict[str, Any], norm: dict[str, Any], seed: int) -> Any:
    """SB3's DummyVecEnv (sync) or SubprocVecEnv (async) of the task, wrapped in VecNormalize."""
    import gymnasium as gym
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecNormalize

    def make() -> gym.Env:
        return gym.make(run["gym_id"], max_episode_steps=run["episode_length"], **run["gym_make_kwargs"])

    mode = resolve_vector_env(run["vector_env"], run["num_envs"])
    venv = (SubprocVecEnv if mode == "async" else DummyVecEnv)([make] * run["num_envs"])
    venv.seed(seed)
    return VecNormalize(venv, **norm)


def policy_kwargs(library: str, net: dict[str, Any]) -> dict[str, Any]:
    """SB3's policy_kwargs: separate pi/vf MLPs, activation, orthogonal init, log-std, Adam eps."""
    if library == "sb3":
        import torch.nn as nn

        activation = {"tanh": nn.Tanh, "relu": nn.ReLU}[net["activation"]]
    else:
        import flax.linen as nn

        activation = {"tanh": nn.tanh, "relu": nn.relu}[net["activation"]]
    return {
        "net_arch": {"pi": net["actor_hidden"], "vf": net["critic_hidden"]},
        "activation_fn": activation,
        "ortho_init": net["ortho_init"],
        "log_std_init": net["init_log_std"],
        "optimizer_kwargs": {"eps": net["adam_eps"]},
    }


def timing_callback(clock: UpdateClock) -> Any:
    """An SB3 callback driving `clock` at the rollout/train seam."""
    from stable_baselines3.common.callbacks import BaseCallback

    class UpdateSeam(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.rollouts = 0

        def _on_rollout_start(self) -> None:
            if self.rollouts:
                clock.update_end()  # closes the previous update's `train` (and evaluates when due)
            self.rollouts += 1
            clock.rollout_start()

        def _on_rollout_end(self) -> None:
            clock.rollout_end()

        def _on_step(self) -> bool:
            return True

    return UpdateSeam()


def run(library: str, spec: PPOSpec, args: Any, mapping: tuple[dict, dict]) -> RunResult:
    """Train with `library`'s PPO ("sb3" or "sbx") and return the result line."""
    kwargs, unmapped = mapping
    from stable_baselines3.common.logger import Logger

    if library == "sb3":
        from stable_baselines3 import PPO
    else:
        import jax
        from sbx import PPO

        from ppo_envs.precision import apply_jax_matmul_precision
    STARTUP.mark("imports")
    settings = torch_settings(spec)  # SBX too: SB3's rollout buffer holds torch tensors
    if library == "sb3":
        torch_name, device = torch_device(spec.device)
    else:
        jax_dev, device = jax_device(spec.device)
        jax.config.update("jax_default_device", jax_dev)
        settings |= apply_jax_matmul_precision(spec.matmul_precision)
        torch_name = "cpu"
    STARTUP.mark("device")
    venv = make_vec_env(kwargs["run"], kwargs["norm"], args.seed)
    STARTUP.mark("envs")
    model = PPO(
        "MlpPolicy",
        venv,
        learning_rate=CleanRLLinearSchedule(**kwargs["lr"]),
        policy_kwargs=policy_kwargs(library, kwargs["net"]),
        seed=args.seed,
        device=torch_name,
        verbose=0,
        **kwargs["algo"],
    )
    # SB3's default logger makes a folder tempdir/SB3-<date> on every run, even when it writes nothing.
    model.set_logger(Logger(folder=None, output_formats=[]))
    STARTUP.mark("train_state")
    startup_s = seconds_since_start()

    def mean_action(obs: np.ndarray) -> np.ndarray:
        return model.policy.predict(obs, deterministic=True)[0]

    clock = UpdateClock(spec, lambda: evaluate_policy(spec, args.seed, mean_action, venv.normalize_obs))
    clock.run_eval()
    eval_before = clock.eval_s
    start = time.perf_counter()
    model.learn(total_timesteps=kwargs["run"]["total_timesteps"], callback=timing_callback(clock))
    loop_eval_s = clock.eval_s - eval_before
    loop_s = time.perf_counter() - start
    clock.update_end()  # the last `train`, then the final evaluation (outside the loop's time)
    venv.close()
    versioned = ("stable_baselines3", "torch", "gymnasium", "mujoco", "numpy")
    if library == "sbx":
        versioned += ("sbx-rl", "jax", "flax", "optax", "tfp-nightly")
    result = build_result(
        spec, args, contender=library, device=device, clock=clock, startup_s=startup_s, loop_s=loop_s,
        loop_eval_s=loop_eval_s, jit=library == "sbx",
        extra={
            "unmapped": unmapped,
            "library_kwargs": {**kwargs["algo"], "norm": kwargs["norm"], "net": kwargs["net"]},
            "phase_split": "SB3 callbacks: _on_rollout_start/_on_rollout_end around collect_rollouts, then train",
            "resources": resources_record(
                vector_env=vector_env_record(spec.vector_env, spec.num_envs), **settings
            ),
        },
    )  # fmt: skip
    result.versions = package_versions(versioned)
    return result
