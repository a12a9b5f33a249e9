"""The controlled jax_ppo vs Brax PPO benchmark's parts: Brax's training step as put together from its own
functions learns (parameters move, stay finite, the normalizer counts the batch) and both update programs run
on the physics-free stand-in; bad arguments exit 2. Speed itself is measured by the benchmark, not here."""

from __future__ import annotations

import subprocess
import sys

import jax
import numpy as np

from baselines.brax_training_step import brax_training_step, init_brax_carry, make_brax_training_step
from experiments.perf_jax_vs_brax_controlled import brax_program, jax_ppo_program
from ppo_envs.brax_envs import brax_native_env
from ppo_envs.physics_free import PhysicsFreeEnv
from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.presets import resolve_spec
from shared_spec.spec import PPOSpec


def smoke_spec() -> PPOSpec:
    return resolve_spec("smoke", ["brax_backend=spring"])


def test_brax_training_step_updates_parameters_and_normalizer() -> None:
    spec = smoke_spec()
    step = make_brax_training_step(spec, PhysicsFreeEnv.like(brax_native_env(spec), episode_steps=7))
    before = init_brax_carry(step, jax.random.PRNGKey(0))
    after = jax.jit(lambda c: brax_training_step(step, c))(before)
    moved = [
        not np.allclose(a, b)
        for a, b in zip(jax.tree.leaves(before.params), jax.tree.leaves(after.params), strict=True)
    ]
    assert any(moved)
    assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(after.params))
    assert int(after.normalizer_params.count) == spec.num_envs * spec.num_steps


def test_both_update_programs_run_on_the_stand_in() -> None:
    spec = smoke_spec()
    stand_in = PhysicsFreeEnv.like(brax_native_env(spec), episode_steps=7)
    for make in (lambda: jax_ppo_program(spec, stand_in), lambda: brax_program(spec, stand_in)):
        program, carry = make()
        later = jax.block_until_ready(program(program(carry)))
        assert jax.tree.structure(later) == jax.tree.structure(carry)


def test_unknown_shape_exits_2_with_the_allowed_names() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "experiments.perf_jax_vs_brax_controlled", "--shapes", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == EXIT_BAD_SPEC
    assert "nope" in done.stderr and "hopper-64x32" in done.stderr
