"""End-to-end behaviour of the trainer: determinism, exit codes, the result line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from shared_spec.presets import resolve_spec
from torch_ppo.device import resolve_device
from torch_ppo.envs import GymEvalEnv, GymTrainEnv
from torch_ppo.run import run_training

TINY = [
    "total_timesteps=512",
    "num_envs=2",
    "num_steps=64",
    "num_evals=2",
    "episode_length=50",
    "torch_threads=1",
]


def _train_once(seed: int) -> tuple[dict, dict]:
    spec = resolve_spec("smoke", TINY)
    device, record = resolve_device("cpu")
    torch.use_deterministic_algorithms(True)
    envs, eval_envs = GymTrainEnv(spec, spec.num_envs), GymEvalEnv(spec, spec.eval_episodes)
    result = run_training(spec, seed, envs, eval_envs, device, record, log=lambda _msg: None)
    envs.close()
    eval_envs.close()
    return [point[2] for point in result.curve], result.extra


def test_same_seed_same_result_on_cpu() -> None:
    curve_a, extra_a = _train_once(seed=7)
    curve_b, extra_b = _train_once(seed=7)
    assert curve_a == curve_b
    for key in ("pg_loss", "v_loss", "approx_kl", "clipfrac", "explained_variance"):
        assert extra_a[key] == extra_b[key], key
    _, extra_c = _train_once(seed=8)
    assert extra_c["v_loss"] != extra_a["v_loss"]  # the seed matters


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "torch_ppo", *args], capture_output=True, text=True, timeout=300
    )


def test_bad_spec_exits_2_with_one_line() -> None:
    proc = _cli("--preset", "smoke", "--set", "num_minibatches=3")
    assert proc.returncode == 2
    assert "num_minibatches" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_gpu_without_cuda_is_a_clear_error() -> None:
    proc = _cli("--preset", "smoke", "--set", "device=gpu")
    assert proc.returncode == 2
    assert "device" in proc.stderr and "Traceback" not in proc.stderr


def test_divergence_exits_3_with_a_diverged_result_line() -> None:
    # Adam steps of ~1e30 blow the weights up: the first update's loss or parameters stop being finite.
    proc = _cli(
        "--preset", "smoke", "--seed", "0", *[a for s in [*TINY, "learning_rate=1e30"] for a in ("--set", s)]
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == "diverged" and "non-finite" in result["error"]
    assert result["final_return"] is None
    assert np.isfinite(result["curve"][0][2])  # the step-0 evaluation ran before the divergence


def test_matmul_precision_policy_sets_and_records_torch() -> None:
    from torch_ppo.device import apply_matmul_precision

    try:
        tf32 = apply_matmul_precision("tf32")
        assert tf32["torch_float32_matmul_precision"] == "high" and tf32["torch_cudnn_allow_tf32"] is True
        full = apply_matmul_precision("float32")
        assert full == {
            "matmul_precision": "float32",
            "torch_float32_matmul_precision": "highest",
            "torch_cudnn_allow_tf32": False,
        }
    finally:
        apply_matmul_precision("float32")


def test_adam_is_fused_on_cuda_and_foreach_on_cpu() -> None:
    from torch_ppo.compiled import adam_options
    from torch_ppo.networks import make_network, make_optimizer

    assert adam_options(torch.device("cuda")) == {"fused": True}
    assert adam_options(torch.device("cpu")) == {"foreach": True}
    spec = resolve_spec("smoke")
    group = make_optimizer(make_network(spec, 4, 1), spec).param_groups[0]
    assert group["foreach"] is True and not group["fused"]
