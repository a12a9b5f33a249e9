"""CLI: `python -m jax_ppo --preset NAME --seed N [--set key=value ...] [--vmap-seeds N] [--env-backend B]`.

`--env-backend brax` (default, contender `jax` or `jax-vmap`): the whole training in one compiled program on
Brax. `--env-backend gymnasium` (contender `jax-gym`): the same learner on the Gymnasium MuJoCo envs torch_ppo
steps, a host loop around compiled steps (gym_train.py).

Progress goes to stderr; the last stdout line is one `RunResult` JSON object. Exit codes
(shared_spec.exit_codes): 0 ok, 2 bad spec (or a device that is not there), 3 diverged.
"""

from __future__ import annotations

import sys
import time

from ppo_envs.quiet import stdout_noise_to_stderr
from shared_spec.cli import spec_or_exit, trainer_parser
from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_DIVERGED, EXIT_OK
from shared_spec.resources import vector_env_record, xla_resources_record
from shared_spec.result import emit_result, seconds_since_start
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP


def main(argv: list[str] | None = None) -> int:
    """Parse, train, print the result line; returns the exit code."""
    STARTUP.mark("interpreter")
    parser = trainer_parser(
        "python -m jax_ppo", "PPO in JAX on Brax or Gymnasium MuJoCo (ppo-bench contenders 'jax', 'jax-gym')."
    )
    parser.add_argument("--env-backend", choices=("brax", "gymnasium"), default="brax")
    parser.add_argument("--vmap-seeds", type=int, default=1, metavar="N", help="train N seeds in one program")
    parser.add_argument(
        "--no-phase-split",
        dest="phase_split",
        action="store_false",
        help="skip timing the rollout and update halves after training (rollout_s/update_s become null)",
    )
    args = parser.parse_args(argv)
    spec = spec_or_exit(args.preset, args.overrides)
    if args.vmap_seeds < 1:
        print(
            f"error: bad spec: --vmap-seeds: got {args.vmap_seeds}; allowed: an integer >= 1", file=sys.stderr
        )
        return EXIT_BAD_SPEC
    if args.env_backend == "gymnasium":
        if args.vmap_seeds != 1:
            print("error: bad spec: --vmap-seeds: only with --env-backend brax", file=sys.stderr)
            return EXIT_BAD_SPEC
        return main_gymnasium(args.preset, args.seed, spec)

    with stdout_noise_to_stderr():
        import jax

        from jax_ppo.device import device_or_exit, peak_device_mb
        from jax_ppo.phase_split import measure_phase_split
        from jax_ppo.run import build_result, run_training
        from ppo_envs.precision import apply_jax_matmul_precision
    STARTUP.mark("imports")

    device, device_record = device_or_exit(spec.device)
    STARTUP.mark("device")
    numerics = apply_jax_matmul_precision(spec.matmul_precision)
    start = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[jax] {line}", file=sys.stderr, flush=True)

    with jax.default_device(device):
        outcome = run_training(spec, args.seed, args.vmap_seeds, progress)
        wall_s, peak_mb = seconds_since_start(), peak_device_mb(device)
        progress(f"done in {time.perf_counter() - start:.1f}s (compile {outcome.compile_s:.1f}s)")
        split = None
        if args.phase_split and not outcome.diverged and outcome.steady_s > 0:
            progress("timing the rollout and update halves on their own (not part of wall_s)")
            split = measure_phase_split(outcome.trainer, outcome.final_state, args.vmap_seeds)
            progress(
                f"per update: rollout {split.rollout_per_update_s * 1e3:.1f} ms, "
                f"update {split.update_per_update_s * 1e3:.1f} ms (compile {split.compile_s:.1f}s)"
            )
    result = build_result(
        spec, args.preset, args.seed, args.vmap_seeds, device_record, outcome, wall_s, split
    )
    result.extra["peak_device_mb"] = peak_mb
    result.extra["startup_phases"] = STARTUP.phases()
    result.extra["resources"] = xla_resources_record(**numerics)
    emit_result(result)
    return EXIT_DIVERGED if outcome.diverged else EXIT_OK


def main_gymnasium(preset: str, seed: int, spec: PPOSpec) -> int:
    """Contender `jax-gym`: train on Gymnasium MuJoCo, print the result line; returns the exit code."""
    with stdout_noise_to_stderr():
        import jax

        # Before the CPU backend exists (device_or_exit creates it): a host loop calls one tiny program per env
        # step and waits for its action, so the CPU client's async dispatch (a hand-off to a worker thread
        # and back) only adds latency (docs/RESULTS.md).
        jax.config.update("jax_cpu_enable_async_dispatch", False)

        from jax_ppo.device import device_or_exit, peak_device_mb
        from jax_ppo.run import run_gym_training
        from ppo_envs.precision import apply_jax_matmul_precision
    STARTUP.mark("imports")

    device, device_record = device_or_exit(spec.device)
    STARTUP.mark("device")
    numerics = apply_jax_matmul_precision(spec.matmul_precision)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with jax.default_device(device):
        result, _ = run_gym_training(spec, seed, device_record, preset, progress)
    result.extra["peak_device_mb"] = peak_device_mb(device)
    result.extra["startup_phases"] = STARTUP.phases()
    result.extra["cpu_async_dispatch"] = bool(jax.config.read("jax_cpu_enable_async_dispatch"))
    result.extra["resources"] = xla_resources_record(
        vector_env=vector_env_record(spec.vector_env, spec.num_envs), **numerics
    )
    emit_result(result)
    return EXIT_DIVERGED if result.status == "diverged" else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
