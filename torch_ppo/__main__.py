"""`python -m torch_ppo`: train PyTorch PPO on a preset, print progress on stderr and one RunResult on stdout.

Exit codes (shared_spec.exit_codes): 0 ok, 2 bad spec (or a device that is not there, or a task the chosen
env backend lacks), 3 diverged, 4 unavailable (`--env-backend warp` without warp-lang or mujoco-warp).
"""

from __future__ import annotations

import sys
from typing import Any

from ppo_envs.quiet import stdout_noise_to_stderr
from shared_spec.cli import spec_or_exit, trainer_parser
from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_DIVERGED, EXIT_OK, EXIT_UNAVAILABLE
from shared_spec.resources import JAX_CACHE_AT_START, fresh_cache_unless_chosen, resources_record
from shared_spec.result import emit_result
from shared_spec.startup import STARTUP


def use_fresh_compile_cache() -> dict[str, Any]:
    """torch.compile's caches: a new empty directory unless TORCHINDUCTOR_CACHE_DIR is set (cold by default)."""
    return fresh_cache_unless_chosen("TORCHINDUCTOR_CACHE_DIR", "ppo-bench-inductor-")


def main(argv: list[str] | None = None) -> int:
    """Parse the CLI, build envs on the chosen backend, train, emit the result line; returns the exit code."""
    STARTUP.mark("interpreter")
    parser = trainer_parser("torch_ppo", "PyTorch PPO (CleanRL-style loop) on Gymnasium MuJoCo or Brax.")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the policy step and the whole minibatch step (CUDA graphs on a GPU)",
    )
    parser.add_argument("--env-backend", choices=("gymnasium", "brax", "warp"), default="gymnasium")
    args = parser.parse_args(argv)
    spec = spec_or_exit(args.preset, args.overrides)
    if args.compile:  # before torch is imported: its caches start empty unless the user chose a directory
        compile_cache = use_fresh_compile_cache()
    if spec.mjx_impl == "warp" and args.env_backend == "brax":
        print("error: bad spec: mjx_impl: got 'warp'; allowed with torch-brax: jax", file=sys.stderr)
        return EXIT_BAD_SPEC
    if args.env_backend == "warp":
        from ppo_envs.warp_envs import (
            UnsupportedTaskError,
            require_warp_task,
            use_kernel_cache,
            warp_unavailable,
        )

        try:
            require_warp_task(spec.task)
        except UnsupportedTaskError as err:
            print(f"error: bad spec: {err}", file=sys.stderr)
            return EXIT_BAD_SPEC
        if (reason := warp_unavailable()) is not None:
            print(f"error: unavailable: {reason}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        # Before Warp starts: its kernel cache is cold unless WARP_CACHE_PATH names a filled one.
        kernel_cache = use_kernel_cache()

    with stdout_noise_to_stderr():
        import torch

        from torch_ppo.device import DeviceError, apply_matmul_precision, resolve_device, set_threads
        from torch_ppo.envs import GymEvalEnv, GymTrainEnv
        from torch_ppo.run import run_training

        if args.env_backend == "brax":
            from ppo_envs.precision import apply_jax_matmul_precision
            from torch_ppo.brax_env import BraxEvalEnv, BraxTrainEnv, use_jax_device_of
        if args.env_backend == "warp":
            from torch_ppo.warp_env import WarpEvalEnv, WarpTrainEnv
    STARTUP.mark("imports")

    try:
        device, device_record = resolve_device(spec.device)
        if args.env_backend == "brax":
            use_jax_device_of(device)
    except DeviceError as err:
        print(f"error: bad spec: {err}", file=sys.stderr)
        return EXIT_BAD_SPEC
    STARTUP.mark("device")
    threads = set_threads(spec.torch_threads)
    numerics = apply_matmul_precision(spec.matmul_precision)
    if args.env_backend == "brax":  # the env is MJX: JAX's matmuls follow the same policy
        numerics |= apply_jax_matmul_precision(spec.matmul_precision)
        numerics["jax_compile_cache"] = JAX_CACHE_AT_START
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)

    env_compile_s = 0.0
    if args.env_backend == "brax":
        envs = BraxTrainEnv(spec, spec.num_envs, device)
        eval_envs = BraxEvalEnv(spec, spec.eval_episodes, device)
        env_compile_s = envs.compile_s + eval_envs.compile_s
        contender = "torch-brax"
    elif args.env_backend == "warp":  # Warp's first-call kernel compilation is compile time
        envs = WarpTrainEnv(spec, spec.num_envs, device)
        eval_envs = WarpEvalEnv(spec, spec.eval_episodes, device)
        env_compile_s = envs.compile_s + eval_envs.compile_s
        contender = "torch-warp"
    else:
        envs = GymTrainEnv(spec, spec.num_envs)
        eval_envs = GymEvalEnv(spec, spec.eval_episodes)
        contender = "torch"
    STARTUP.mark("envs")
    if args.compile:
        contender += "-compile"
    try:
        result = run_training(
            spec,
            args.seed,
            envs,
            eval_envs,
            device,
            device_record,
            contender=contender,
            preset=args.preset,
            compile_mode=args.compile,
            threads=threads,
            env_compile_s=env_compile_s,
        )
    finally:
        envs.close()
        eval_envs.close()
    result.extra["compile"] = bool(args.compile)
    result.extra["startup_phases"] = STARTUP.phases()
    if args.compile:
        result.extra["compile_cache"] = compile_cache
    if args.env_backend == "warp":
        from ppo_envs.warp_envs import simulator_record

        result.extra["env_backend"] = "warp"
        result.extra["simulator"] = simulator_record(kernel_cache, "standalone") | {
            "graphs": "captured (CUDA graphs)"
            if device.type == "cuda"
            else "captured (Warp CPU graph replay)",
            "sizes": envs.worlds.worlds.sizes(),
            "env_compile_s": env_compile_s,
        }
    simulator_name = "MuJoCo Warp" if args.env_backend == "warp" else "Brax MJX"
    vectorization = (
        envs.vec.vectorization
        if args.env_backend == "gymnasium"
        else {"requested": spec.vector_env, "mode": f"none: {simulator_name} steps the batch on the device"}
    )
    result.extra["resources"] = resources_record(
        torch_intra_op_threads=threads,
        torch_interop_threads=torch.get_num_interop_threads(),
        vector_env=vectorization,
        **numerics,
    )
    if device.type == "cuda":
        result.extra["peak_device_mb"] = torch.cuda.max_memory_allocated(device) / 2**20
    emit_result(result)
    return EXIT_DIVERGED if result.status == "diverged" else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
