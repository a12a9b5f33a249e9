"""jax_ppo and torch_ppo compute the same numbers on identical inputs (float32 tolerance, see vectors.py).

Every function compared here is the one the trainers call; inputs are random, drawn with fixed seeds.
"""

from __future__ import annotations

import functools

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from jax_ppo import losses as jl
from jax_ppo import networks as jn
from jax_ppo import normalization as jnorm
from ppo_envs import gym_envs
from shared_spec.spec import build_spec
from tests.parity import vectors as v
from tests.parity.scripted_env import ScriptedVectorEnv
from tests.parity.weights import (
    assert_trees_close,
    jax_params_to_numpy,
    to_jax,
    to_torch,
    torch_params_to_numpy,
)
from torch_ppo import losses as tl
from torch_ppo import networks as tn
from torch_ppo import train as ttrain

jax.config.update("jax_default_matmul_precision", "highest")


def close(a, b, rtol: float = v.RTOL, atol: float = v.ATOL, msg: str = "") -> None:
    np.testing.assert_allclose(
        np.asarray(a), np.asarray(b.detach() if hasattr(b, "detach") else b), rtol, atol, err_msg=msg
    )


SPEC = build_spec(
    {"actor_hidden": [8, 8], "critic_hidden": [8, 8], "ent_coef": 0.01, "clip_coef": 0.2, "num_evals": 1}
)


@pytest.mark.parametrize("bootstrap_on_truncation", [True, False])
def test_gae_and_returns(bootstrap_on_truncation: bool) -> None:
    r = v.rollout_vectors(seed=10 + bootstrap_on_truncation)
    args = (0.99, 0.95, bootstrap_on_truncation)
    jax_adv, jax_ret = jl.compute_gae(*(jnp.asarray(x) for x in r), *args)
    torch_adv, torch_ret = tl.compute_gae(*(torch.as_tensor(x) for x in r), *args)
    close(jax_adv, torch_adv, atol=1e-5, msg="advantages")
    close(jax_ret, torch_ret, atol=1e-5, msg="returns")


def test_bootstrap_setting_changes_only_truncated_steps_chain() -> None:
    r = v.rollout_vectors(seed=12)
    with_boot, _ = tl.compute_gae(*(torch.as_tensor(x) for x in r), 0.99, 0.95, True)
    without, _ = tl.compute_gae(*(torch.as_tensor(x) for x in r), 0.99, 0.95, False)
    differs = ~np.isclose(with_boot.numpy(), without.numpy())
    assert differs.any()
    # Only steps at or before a truncation (within the same episode) can differ.
    assert not differs[r.terminations & ~r.truncations].any()


def test_normalize_advantages() -> None:
    adv = v.minibatch_vectors(seed=20).advantages
    close(jl.normalize_advantages(jnp.asarray(adv)), tl.normalize_advantages(torch.as_tensor(adv)))


@pytest.mark.parametrize("clip_coef", [0.1, 0.2])
def test_policy_loss_terms(clip_coef: float) -> None:
    g = v.rng(21)
    new, old = g.normal(-1.0, 0.3, v.N).astype(np.float32), g.normal(-1.0, 0.3, v.N).astype(np.float32)
    adv = g.normal(0.0, 1.0, v.N).astype(np.float32)
    jax_terms = jl.policy_loss(jnp.asarray(new), jnp.asarray(old), jnp.asarray(adv), clip_coef)
    torch_terms = tl.policy_loss(torch.as_tensor(new), torch.as_tensor(old), torch.as_tensor(adv), clip_coef)
    assert 0.0 < float(torch_terms[2]) < 1.0, "inputs must exercise clipping"
    for name, a, b in zip(("pg_loss", "approx_kl", "clipfrac"), jax_terms, torch_terms, strict=True):
        close(a, b, msg=name)


@pytest.mark.parametrize("clip_vloss", [True, False])
def test_value_loss(clip_vloss: bool) -> None:
    g = v.rng(22)
    new, old, ret = (g.normal(0.0, 1.0, v.N).astype(np.float32) for _ in range(3))
    a = jl.value_loss(jnp.asarray(new), jnp.asarray(old), jnp.asarray(ret), 0.2, clip_vloss)
    b = tl.value_loss(torch.as_tensor(new), torch.as_tensor(old), torch.as_tensor(ret), 0.2, clip_vloss)
    close(a, b)


def test_gaussian_log_prob_and_entropy() -> None:
    g = v.rng(23)
    mean = g.normal(0, 1, (v.N, v.ACT_SIZE)).astype(np.float32)
    log_std = g.normal(-0.5, 0.3, v.ACT_SIZE).astype(np.float32)
    actions = g.normal(0, 1, (v.N, v.ACT_SIZE)).astype(np.float32)
    close(
        jn.gaussian_log_prob(jnp.asarray(mean), jnp.asarray(log_std), jnp.asarray(actions)),
        tn.gaussian_log_prob(torch.as_tensor(mean), torch.as_tensor(log_std), torch.as_tensor(actions)),
    )
    close(
        jn.gaussian_entropy(jnp.asarray(log_std), jnp.asarray(mean)),
        tn.gaussian_entropy(torch.as_tensor(log_std), torch.as_tensor(mean)),
    )


def test_forward_pass_with_copied_weights() -> None:
    tree = v.neutral_params()
    obs = v.minibatch_vectors(seed=24).obs
    mean, log_std, value = jn.make_network(SPEC, v.ACT_SIZE).apply(to_jax(tree), jnp.asarray(obs))
    agent = to_torch(tree)
    with torch.no_grad():
        close(mean, agent.action_mean(torch.as_tensor(obs)), msg="action mean")
        close(log_std, agent.log_std, msg="log_std")
        close(value, agent.value(torch.as_tensor(obs)), msg="value")


def test_weight_copy_round_trips_exactly() -> None:
    tree = v.neutral_params(seed=25)
    assert_trees_close(jax_params_to_numpy(to_jax(tree)), tree, 0, 0)
    assert_trees_close(torch_params_to_numpy(to_torch(tree)), tree, 0, 0)


def _torch_grads(agent: tn.ActorCritic) -> dict:
    """Gradients of a torch ActorCritic in the neutral layout (same traversal as params_to_numpy)."""
    holder = to_torch(torch_params_to_numpy(agent))
    with torch.no_grad():
        for target, source in zip(holder.parameters(), agent.parameters(), strict=True):
            target.copy_(source.grad)
    return torch_params_to_numpy(holder)


@pytest.mark.parametrize("norm_adv", [True, False])
@pytest.mark.parametrize("clip_vloss", [True, False])
def test_ppo_loss_metrics_and_gradients(norm_adv: bool, clip_vloss: bool) -> None:
    spec = SPEC.replace(norm_adv=norm_adv, clip_vloss=clip_vloss)
    tree, mb = v.neutral_params(seed=26), v.minibatch_vectors(seed=27)
    jax_batch = jl.Batch(*(jnp.asarray(x) for x in mb))
    loss_fn = functools.partial(jl.ppo_loss, jn.make_network(spec, v.ACT_SIZE))
    (jax_loss, jax_metrics), jax_grads = jax.value_and_grad(loss_fn, has_aux=True)(
        to_jax(tree), jax_batch, spec
    )
    agent = to_torch(tree)
    torch_loss, torch_metrics = tl.ppo_loss(agent, tl.Batch(*(torch.as_tensor(x) for x in mb)), spec)
    torch_loss.backward()
    close(jax_loss, torch_loss, msg="total loss")
    for name in ("pg_loss", "v_loss", "entropy_loss", "approx_kl", "clipfrac"):
        close(getattr(jax_metrics, name), torch_metrics[name], msg=name)
    assert_trees_close(jax_params_to_numpy(jax_grads), _torch_grads(agent), rtol=1e-4, atol=1e-6)


def test_learning_rate_schedule_every_update() -> None:
    for anneal in (True, False):
        spec = build_spec({"anneal_lr": anneal, "total_timesteps": 64 * 1024, "num_evals": 1})
        jax_lrs = [float(jn.learning_rate_at(spec, jnp.asarray(i))) for i in range(spec.num_updates)]
        torch_lrs = [float(tn.learning_rate_at(spec, i)) for i in range(spec.num_updates)]
        close(jax_lrs, torch_lrs, rtol=1e-6)
        assert jax_lrs[0] == pytest.approx(spec.learning_rate)


def _singular_values(kernel: np.ndarray) -> np.ndarray:
    return np.linalg.svd(kernel.astype(np.float64), compute_uv=False)


def test_initialization_draws_the_same_distribution_per_layer() -> None:
    # Orthogonal init with gain g: every singular value of the kernel equals g; biases are zero.
    spec = build_spec({"actor_hidden": [64, 32], "critic_hidden": [48, 64], "num_evals": 1})
    obs_size, act_size = 11, 3
    jax_tree = jax_params_to_numpy(
        jn.make_network(spec, act_size).init(jax.random.PRNGKey(0), jnp.zeros((1, obs_size)))
    )
    torch.manual_seed(0)
    torch_tree = torch_params_to_numpy(tn.make_network(spec, obs_size, act_size))
    gains = {"actor": [np.sqrt(2), np.sqrt(2), 0.01], "critic": [np.sqrt(2), np.sqrt(2), 1.0]}
    for tree in (jax_tree, torch_tree):
        np.testing.assert_allclose(tree["log_std"], spec.init_log_std)
        for part, part_gains in gains.items():
            for layer, gain in zip(tree[part], part_gains, strict=True):
                np.testing.assert_allclose(_singular_values(layer["kernel"]), gain, rtol=1e-4)
                assert not layer["bias"].any()
    for part in gains:
        for a, b in zip(jax_tree[part], torch_tree[part], strict=True):
            assert a["kernel"].shape == b["kernel"].shape
            # Same distribution of entries: equal std to sampling accuracy (n >= 96 entries per layer).
            assert np.std(a["kernel"]) == pytest.approx(np.std(b["kernel"]), rel=0.25)


def _scripted_stream(seed: int):
    obs = v.observation_batches(seed=seed, count=14)
    g = v.rng(seed + 1)
    steps = len(obs) - 1
    rewards = g.normal(0.5, 2.0, (steps, v.B)).astype(np.float32)
    terminations = g.random((steps, v.B)) < 0.2
    truncations = (g.random((steps, v.B)) < 0.2) & ~terminations
    return obs, rewards, terminations, truncations


def test_running_observation_normalization_statistics() -> None:
    obs, rewards, terms, truncs = _scripted_stream(30)
    torch_env = gym_envs.NormalizeObservationSameStep(
        ScriptedVectorEnv(obs, rewards, terms, truncs), clip=10.0
    )
    state = jnorm.init_normalization(v.OBS_SIZE, v.B)
    state, jax_first = jnorm.normalize_obs(state, jnp.asarray(obs[0]), 10.0)
    torch_first, _ = torch_env.reset(seed=0)
    close(jax_first, torch_first, msg="reset obs")
    for k in range(len(obs) - 1):
        state, jax_obs = jnorm.normalize_obs(state, jnp.asarray(obs[k + 1]), 10.0)
        torch_obs, *_ = torch_env.step(np.zeros((v.B, 1), np.float32))
        close(jax_obs, torch_obs, msg=f"normalized obs at step {k}")
    close(state.obs_rms.mean, torch_env.obs_rms.mean, msg="mean")
    close(state.obs_rms.var, torch_env.obs_rms.var, msg="var")
    close(state.obs_rms.count, torch_env.obs_rms.count, msg="count")


def jax_scaled_reward(state, reward, terminated, truncated, gamma: float, clip: float):
    """jax_ppo's reward scaling of one step of the scripted stream (numpy in)."""
    as_float = (jnp.asarray(x, jnp.float32) for x in (reward, terminated, truncated))
    return jnorm.normalize_reward(state, *as_float, gamma, clip)


def test_reward_scaling_statistics() -> None:
    obs, rewards, terms, truncs = _scripted_stream(31)
    gamma, clip = 0.99, 10.0
    envs = gym.wrappers.vector.NormalizeReward(ScriptedVectorEnv(obs, rewards, terms, truncs), gamma=gamma)
    envs = gym.wrappers.vector.ClipReward(envs, -clip, clip)
    envs.reset(seed=0)
    state = jnorm.init_normalization(v.OBS_SIZE, v.B)
    for k in range(len(rewards)):
        _, torch_reward, *_ = envs.step(np.zeros((v.B, 1), np.float32))
        state, jax_reward = jax_scaled_reward(state, rewards[k], terms[k], truncs[k], gamma, clip)
        close(jax_reward, torch_reward, msg=f"scaled reward at step {k}")
    return_rms = envs.env.return_rms
    close(state.return_rms.mean, return_rms.mean, msg="return mean")
    close(state.return_rms.var, return_rms.var, msg="return var")


def test_one_full_update_gives_the_same_parameters() -> None:
    """The strongest check: all epochs and minibatches of one PPO update, the same shuffles, same start."""
    from jax_ppo import train as jtrain

    spec = build_spec(
        {"num_envs": 4, "num_steps": 16, "num_minibatches": 4, "update_epochs": 3, "actor_hidden": [8, 8],
         "critic_hidden": [8, 8], "ent_coef": 0.01, "learning_rate": 1e-3, "total_timesteps": 64 * 8, "num_evals": 1}
    )  # fmt: skip
    tree, data = v.neutral_params(seed=40), v.minibatch_vectors(seed=41, n=spec.batch_size)

    learner = jtrain.make_learner(spec, v.ACT_SIZE)
    params = to_jax(tree)
    key = jax.random.PRNGKey(42)
    state = jtrain.LearnerState(params, learner.optimizer.init(params), key, jnp.asarray(0, jnp.int32))
    state, _ = jtrain.learn_from_batch(learner, state, jl.Batch(*(jnp.asarray(x) for x in data)))
    # the shuffles JAX drew (learn_from_batch splits the state's key, then draws one permutation per epoch)
    permutations = np.array(jtrain.epoch_permutations(jax.random.split(key)[1], spec))
    assert sorted(permutations[0]) == list(range(spec.batch_size))

    torch_learner = ttrain.Learner(spec, v.OBS_SIZE, v.ACT_SIZE, torch.device("cpu"), seed=0)
    agent = to_torch(tree, torch_learner.network)
    tn.set_learning_rate(torch_learner.optimizer, tn.learning_rate_at(spec, 0))
    batch = tl.Batch(*(torch.as_tensor(x) for x in data))
    for minibatch in ttrain.shuffled_minibatches(batch, torch.as_tensor(permutations), spec):
        torch_learner.minibatch_step(minibatch)

    after_jax, after_torch = jax_params_to_numpy(state.params), torch_params_to_numpy(agent)
    moved = np.abs(after_torch["actor"][0]["kernel"] - tree["actor"][0]["kernel"]).max()
    assert moved > 1e-4, "the update must actually move the parameters"
    assert_trees_close(after_jax, after_torch, rtol=1e-5, atol=1e-6)


def test_torch_learn_from_batch_is_its_minibatch_steps_in_shuffle_order() -> None:
    """torch's learn_from_batch = the update's learning rate, then minibatch_step over shuffled_minibatches."""
    spec = build_spec(
        {"num_envs": 4, "num_steps": 16, "num_minibatches": 4, "update_epochs": 2, "actor_hidden": [8, 8],
         "critic_hidden": [8, 8], "learning_rate": 1e-3, "total_timesteps": 64 * 8, "num_evals": 1}
    )  # fmt: skip
    tree, data = v.neutral_params(seed=43), v.minibatch_vectors(seed=44, n=spec.batch_size)
    batch = tl.Batch(*(torch.as_tensor(x) for x in data))
    whole = ttrain.Learner(spec, v.OBS_SIZE, v.ACT_SIZE, torch.device("cpu"), seed=5)
    to_torch(tree, whole.network)
    metrics = whole.learn_from_batch(batch)
    by_hand = ttrain.Learner(spec, v.OBS_SIZE, v.ACT_SIZE, torch.device("cpu"), seed=5)
    to_torch(tree, by_hand.network)
    tn.set_learning_rate(by_hand.optimizer, tn.learning_rate_at(spec, 0))
    permutations = ttrain.epoch_permutations(by_hand.generator, spec)
    for minibatch in ttrain.shuffled_minibatches(batch, permutations, spec):
        by_hand.minibatch_step(minibatch)
    assert bool(metrics.all_finite) and whole.update_index == 1
    assert_trees_close(torch_params_to_numpy(whole.network), torch_params_to_numpy(by_hand.network), 0, 0)


def test_torch_device_normalization_matches_jax() -> None:
    """torch-brax normalizes in torch on the device (torch_ppo.normalization): same statistics as JAX's."""
    from torch_ppo import normalization as tnorm

    obs, rewards, terms, truncs = _scripted_stream(32)
    gamma, clip = 0.99, 10.0
    state = jnorm.init_normalization(v.OBS_SIZE, v.B)
    obs_rms = tnorm.RunningMeanStd((v.OBS_SIZE,), torch.float32, torch.device("cpu"))
    scale_reward = tnorm.RewardScaler(v.B, gamma, clip, torch.device("cpu"))
    for k in range(len(rewards)):
        state, jax_obs = jnorm.normalize_obs(state, jnp.asarray(obs[k]), clip)
        obs_rms.update(torch.as_tensor(obs[k]))
        close(jax_obs, tnorm.scale_obs(obs_rms, torch.as_tensor(obs[k]), clip), msg=f"normalized obs at {k}")
        state, jax_reward = jax_scaled_reward(state, rewards[k], terms[k], truncs[k], gamma, clip)
        torch_reward = scale_reward(
            torch.as_tensor(rewards[k]), torch.as_tensor(terms[k]), torch.as_tensor(truncs[k])
        )
        close(jax_reward, torch_reward, msg=f"scaled reward at step {k}")
    close(state.obs_rms.var, obs_rms.var, msg="obs var")
    close(state.return_rms.var, scale_reward.return_rms.var, msg="return var")
