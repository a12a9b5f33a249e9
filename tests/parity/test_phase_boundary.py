"""The rollout/update boundary is the same on both sides: env steps and GAE in `collect_batch`, none in
`learn_from_batch` (docs/DESIGN.md, `rollout_s` / `update_s`). torch times these two calls inline; JAX's phase
split compiles exactly these two functions, so counting what each half calls is what the timings contain."""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from typing import Any

import jax
import torch

import jax_ppo.train as jax_train
import torch_ppo.train as torch_train
from shared_spec.spec import PPOSpec
from torch_ppo.envs import GymEvalEnv, GymTrainEnv

SPEC = PPOSpec(task="inverted_pendulum", brax_backend="spring", num_envs=2, num_steps=8, num_minibatches=2,
               update_epochs=1, episode_length=20, total_timesteps=64)  # fmt: skip


class CountingEnv:
    """Forwards to `env`, counting `step` calls in `counts` (traced calls, on the JAX side)."""

    def __init__(self, env: Any, counts: Counter) -> None:
        self._env, self._counts = env, counts

    def step(self, *args: Any, **kwargs: Any) -> Any:
        self._counts["env_step"] += 1
        return self._env.step(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)


def counting_gae(module: Any, counts: Counter, monkeypatch) -> None:
    original = module.compute_gae

    def gae(*args: Any, **kwargs: Any) -> Any:
        counts["gae"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "compute_gae", gae)


def test_torch_halves(monkeypatch):
    counts: Counter = Counter()
    counting_gae(torch_train, counts, monkeypatch)
    envs = GymTrainEnv(SPEC, SPEC.num_envs)
    counting_envs = CountingEnv(envs, counts)
    trainer = torch_train.Trainer(SPEC, counting_envs, GymEvalEnv(SPEC, 2), torch.device("cpu"), seed=0)
    batch = trainer.collect_batch()
    assert counts == Counter(env_step=SPEC.num_steps, gae=1)
    torch.testing.assert_close(batch.returns, batch.advantages + batch.values)
    counts.clear()
    trainer.learn_from_batch(batch)
    assert counts == Counter()
    envs.close()


def test_jax_halves(monkeypatch):
    counts: Counter = Counter()
    counting_gae(jax_train, counts, monkeypatch)
    trainer = jax_train.make_trainer(SPEC)
    trainer = dataclasses.replace(trainer, env=CountingEnv(trainer.env, counts))
    state = jax.eval_shape(functools.partial(jax_train.init_train_state, trainer), jax.random.PRNGKey(0))
    counts.clear()
    state, batch = jax.eval_shape(functools.partial(jax_train.collect_batch, trainer), state)
    assert counts == Counter(env_step=1, gae=1)  # traced once: the env step is the body of a scan
    assert batch.advantages.shape == batch.returns.shape == (SPEC.batch_size,)
    counts.clear()
    jax.eval_shape(functools.partial(jax_train.learn_from_batch, trainer), state.learner, batch)
    assert counts == Counter()
