"""Control: where torch-brax's extra rollout time goes, "not fused" vs "the DLPack hand-off".

The same Brax MJX env (`ppo_envs.brax_envs.make_train_env`) and the same policy shape, stepped three ways:
- `fused`: policy and env step in one jitted `lax.scan` (how the `jax` contender's rollout runs);
- `jax_loop`: a Python loop calling the AOT-compiled env step with actions from a jitted JAX policy, no torch
  (what stepping MJX from a host loop costs by itself);
- `torch_dlpack`: torch-brax's own env (`torch_ppo.brax_env.BraxTrainEnv`: DLPack hand-over, normalization in
  torch) with the torch policy's mean plus noise, as its rollout steps it.
`jax_loop - fused` is the price of not fusing; `torch_dlpack - jax_loop` the hand-off and torch-side work.
Compile is excluded (each mode is warmed up first). `python -m bench handoff` runs this module in a child
(`python -m bench.controls.handoff --preset P --steps N`: one JSON line) and stores it as a `handoff` record.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from ppo_envs.quiet import stdout_noise_to_stderr
from shared_spec.cli import add_spec_arguments, spec_or_exit
from shared_spec.host import cpu_name


def _per_step_ms(run: Callable[[], Any], steps: int) -> float:
    run()  # warm-up: first execution allocates
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1e3 / steps


def measure(spec: Any, steps: int, seed: int = 0) -> dict[str, Any]:
    """ms per env step (all `spec.num_envs` envs) of each mode, and the two differences."""
    import jax
    import jax.numpy as jnp
    import torch

    from jax_ppo.networks import make_network
    from ppo_envs.brax_envs import make_train_env
    from torch_ppo.brax_env import BraxTrainEnv, use_jax_device_of
    from torch_ppo.networks import make_network as make_torch_network

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    use_jax_device_of(device)
    env = make_train_env(spec, spec.num_envs)
    network = make_network(spec, env.action_size)
    key = jax.random.PRNGKey(seed)
    state = jax.jit(env.reset)(key)  # its obs give the size: Brax's observation_size resets op by op
    params = network.init(key, jnp.zeros((1, state.obs.shape[-1])))

    def act(obs: jax.Array, step_key: jax.Array) -> jax.Array:
        mean, log_std, _ = network.apply(params, obs)
        return mean + jnp.exp(log_std) * jax.random.normal(step_key, mean.shape)

    def scan_rollout(state: Any, rollout_key: jax.Array) -> Any:
        def one(carry: Any, step_key: jax.Array) -> tuple[Any, None]:
            return env.step(carry, act(carry.obs, step_key)), None

        return jax.lax.scan(one, state, jax.random.split(rollout_key, steps))[0]

    fused_rollout = jax.jit(scan_rollout).lower(state, key).compile()
    env_step = jax.jit(env.step).lower(state, jnp.zeros((spec.num_envs, env.action_size))).compile()
    policy = jax.jit(act)
    keys = jax.random.split(key, steps)

    def fused() -> None:
        jax.block_until_ready(fused_rollout(state, key))

    def jax_loop() -> None:
        current = state
        for step_key in keys:
            current = env_step(current, policy(current.obs, step_key))
        jax.block_until_ready(current)

    torch_env = BraxTrainEnv(spec, spec.num_envs, device)
    torch_policy = make_torch_network(spec, torch_env.obs_size, torch_env.act_size).to(device)
    noise = torch.randn(steps, spec.num_envs, torch_env.act_size, device=device)
    latest = {"obs": torch_env.reset(seed)}

    @torch.no_grad()
    def torch_dlpack() -> None:
        obs = latest["obs"]
        for step in range(steps):
            obs = torch_env.step(torch_policy.action_mean(obs) + noise[step]).next_obs
        latest["obs"] = obs
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    ms = {name: _per_step_ms(run, steps) for name, run in (("fused", fused), ("jax_loop", jax_loop))}
    ms["torch_dlpack"] = _per_step_ms(torch_dlpack, steps)
    return {
        "num_envs": spec.num_envs,
        "steps": steps,
        "ms_per_step": ms,
        "not_fused_ms": ms["jax_loop"] - ms["fused"],
        "handoff_and_torch_ms": ms["torch_dlpack"] - ms["jax_loop"],
        "device": {
            "kind": "gpu" if device.type == "cuda" else "cpu",
            "name": torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name(),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.controls.handoff", description=__doc__)
    add_spec_arguments(parser)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)
    spec = spec_or_exit(args.preset, args.overrides)
    with stdout_noise_to_stderr():
        record = measure(spec, args.steps)
    print(json.dumps({"preset": args.preset, "spec_hash": spec.spec_hash(), **record}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
