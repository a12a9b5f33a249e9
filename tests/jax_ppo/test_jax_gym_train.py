"""Contender `jax-gym`, the JAX learner on Gymnasium MuJoCo: deterministic, no retracing, the CLI's exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import jax
import numpy as np
import pytest

from jax_ppo import gym_train
from jax_ppo.run import params_digest, run_gym_training
from shared_spec.presets import resolve_spec

TINY = [
    "total_timesteps=512",
    "num_envs=2",
    "num_steps=64",
    "num_evals=2",
    "episode_length=50",
]
CPU = {"kind": "cpu", "name": "cpu", "requested": "cpu", "fallback": False}


def _train_once(seed: int) -> tuple[str, list[float]]:
    result, trainer = run_gym_training(resolve_spec("smoke", TINY), seed, CPU)
    assert result.status == "ok" and result.total_env_steps == 512
    return params_digest(trainer.state.params), [point[2] for point in result.curve]


def test_same_seed_same_parameters_on_cpu() -> None:
    digest_a, curve_a = _train_once(seed=7)
    digest_b, curve_b = _train_once(seed=7)
    assert digest_a == digest_b and curve_a == curve_b
    digest_c, _ = _train_once(seed=8)
    assert digest_c != digest_a  # the seed matters


def _counting(fn: Callable, counts: dict[str, int], name: str) -> Callable:
    def wrapper(*args, **kwargs):
        counts[name] += 1  # runs only while JAX traces the function
        return fn(*args, **kwargs)

    return wrapper


def test_policy_step_is_traced_once_and_never_again_over_rollouts(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = {"policy": 0, "eval": 0}
    monkeypatch.setattr(gym_train, "sample_action", _counting(gym_train.sample_action, counts, "policy"))
    monkeypatch.setattr(gym_train, "eval_action", _counting(gym_train.eval_action, counts, "eval"))
    spec = resolve_spec("smoke", TINY)
    trainer = gym_train.GymTrainer(spec)
    trainer.reset(seed=0)
    trainer.compile_programs()
    assert counts == {"policy": 1, "eval": 1}  # the ahead-of-time compilation
    for _ in range(3):  # 3 x 64 policy steps, with the updates (and so new parameters) between rollouts
        trainer.update_step()
    trainer.evaluate(seed=1)
    assert counts == {"policy": 1, "eval": 1}
    assert trainer.update_index == 3
    trainer.close()


def test_rollout_buffer_is_the_batch_the_update_sees() -> None:
    """The host buffer goes to the device whole: the batch's observations are the buffer's, [T*B] flattened."""
    spec = resolve_spec("smoke", TINY)
    trainer = gym_train.GymTrainer(spec)
    trainer.reset(seed=0)
    trainer.compile_programs()
    first_obs = trainer.obs.copy()
    batch = trainer.collect_batch()
    obs = np.asarray(batch.obs)
    assert obs.shape == (spec.batch_size, trainer.envs.obs_size)
    np.testing.assert_array_equal(obs[: spec.num_envs], first_obs)
    np.testing.assert_array_equal(obs.reshape(trainer.rollout.obs.shape), trainer.rollout.obs)
    assert np.all(np.isfinite(np.asarray(batch.advantages)))
    assert jax.tree.all(jax.tree.map(lambda x: x.shape[0] == spec.batch_size, batch))
    trainer.close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jax_ppo", "--env-backend", "gymnasium", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_vmap_seeds_on_gymnasium_is_a_bad_spec() -> None:
    proc = _cli("--preset", "smoke", "--vmap-seeds", "2")
    assert proc.returncode == 2
    assert "--vmap-seeds" in proc.stderr and "Traceback" not in proc.stderr


def test_divergence_exits_3_with_a_diverged_result_line() -> None:
    proc = _cli("--preset", "smoke", *[a for s in [*TINY, "learning_rate=1e30"] for a in ("--set", s)])
    assert proc.returncode == 3, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["contender"] == "jax-gym" and result["status"] == "diverged"
    assert "non-finite" in result["error"] and result["final_return"] is None
    assert np.isfinite(result["curve"][0][2])  # the step-0 evaluation ran before the divergence
