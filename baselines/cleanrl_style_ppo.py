"""A CleanRL-design PPO loop (continuous actions): the speed reference the torch side must match or beat
(docs/DESIGN.md, fairness rule 3), timed against it by `python -m experiments.perf_torch_vs_cleanrl`.

Written for this project after the design of CleanRL's `ppo_continuous_action.py` (not copied): one
SyncVectorEnv whose *per-env* Gymnasium wrappers do episode stats, action clipping, observation and reward
normalization; an `Agent` with `get_value` / `get_action_and_value` built on `torch.distributions.Normal`;
every rollout step runs actor, critic and the distribution; GAE as a reverse loop; minibatch updates with a
`.item()` per minibatch for clipfrac, as CleanRL logs it. It follows CleanRL's NEXT_STEP-era handling (no
final-observation bootstrap), so it is a timing reference only, not a learning reference.
"""

from __future__ import annotations

import time

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions.normal import Normal


def _layer(in_size: int, out_size: int, gain: float = np.sqrt(2)) -> nn.Linear:
    layer = nn.Linear(in_size, out_size)
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.constant_(layer.bias, 0.0)
    return layer


class Agent(nn.Module):
    """CleanRL's continuous-action agent: 64x64 tanh actor and critic, state-independent log-std."""

    def __init__(self, obs_size: int, act_size: int) -> None:
        super().__init__()
        self.critic = nn.Sequential(
            _layer(obs_size, 64), nn.Tanh(), _layer(64, 64), nn.Tanh(), _layer(64, 1, gain=1.0)
        )
        self.actor_mean = nn.Sequential(
            _layer(obs_size, 64), nn.Tanh(), _layer(64, 64), nn.Tanh(), _layer(64, act_size, gain=0.01)
        )
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_size))

    def get_value(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic(x)

    def get_action_and_value(self, x: torch.Tensor, action: torch.Tensor | None = None):
        action_mean = self.actor_mean(x)
        action_std = torch.exp(self.actor_logstd.expand_as(action_mean))
        probs = Normal(action_mean, action_std)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action).sum(1), probs.entropy().sum(1), self.critic(x)


def make_env(gym_id: str, gamma: float):
    def thunk() -> gym.Env:
        env = gym.make(gym_id)
        env = gym.wrappers.FlattenObservation(env)
        env = gym.wrappers.RecordEpisodeStatistics(env)
        env = gym.wrappers.ClipAction(env)
        env = gym.wrappers.NormalizeObservation(env)
        env = gym.wrappers.TransformObservation(env, lambda obs: np.clip(obs, -10, 10), env.observation_space)
        env = gym.wrappers.NormalizeReward(env, gamma=gamma)
        return gym.wrappers.TransformReward(env, lambda reward: np.clip(reward, -10, 10))

    return thunk


def run(
    gym_id: str = "Hopper-v5",
    num_envs: int = 1,
    num_steps: int = 2048,
    num_minibatches: int = 32,
    update_epochs: int = 10,
    num_updates: int = 3,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> dict[str, float]:
    """Run `num_updates` PPO updates; return steady-state (updates after the first) rollout_s, update_s, sps.

    `device` holds the agent and the rollout storage, the envs stay on the CPU: CleanRL's `--cuda` layout.
    """
    gamma, gae_lambda, clip_coef, ent_coef, vf_coef, max_grad_norm = 0.99, 0.95, 0.2, 0.0, 0.5, 0.5
    learning_rate, total = 3e-4, num_updates
    batch_size = num_envs * num_steps
    minibatch_size = batch_size // num_minibatches
    torch.manual_seed(seed)
    device = torch.device(device)
    envs = gym.vector.SyncVectorEnv([make_env(gym_id, gamma) for _ in range(num_envs)])
    agent = Agent(
        int(np.prod(envs.single_observation_space.shape)), int(np.prod(envs.single_action_space.shape))
    ).to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=learning_rate, eps=1e-5)

    obs = torch.zeros((num_steps, num_envs, *envs.single_observation_space.shape)).to(device)
    actions = torch.zeros((num_steps, num_envs, *envs.single_action_space.shape)).to(device)
    logprobs = torch.zeros((num_steps, num_envs)).to(device)
    rewards = torch.zeros((num_steps, num_envs)).to(device)
    dones = torch.zeros((num_steps, num_envs)).to(device)
    values = torch.zeros((num_steps, num_envs)).to(device)

    next_obs, _ = envs.reset(seed=seed)
    next_obs = torch.Tensor(next_obs).to(device)
    next_done = torch.zeros(num_envs).to(device)
    rollout_s = update_s = 0.0
    for update in range(1, total + 1):
        optimizer.param_groups[0]["lr"] = (1.0 - (update - 1.0) / total) * learning_rate
        t0 = time.perf_counter()
        for step in range(num_steps):
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            next_obs, reward, terminations, truncations, _ = envs.step(action.cpu().numpy())
            next_done = np.logical_or(terminations, truncations)
            rewards[step] = torch.tensor(reward).to(device).view(-1)
            next_obs, next_done = torch.Tensor(next_obs).to(device), torch.Tensor(next_done).to(device)
        t1 = time.perf_counter()

        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages = torch.zeros_like(rewards).to(device)
            lastgaelam = 0
            for t in reversed(range(num_steps)):
                if t == num_steps - 1:
                    nextnonterminal, nextvalues = 1.0 - next_done, next_value
                else:
                    nextnonterminal, nextvalues = 1.0 - dones[t + 1], values[t + 1]
                delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
            returns = advantages + values

        b_obs = obs.reshape((-1, *envs.single_observation_space.shape))
        b_logprobs, b_actions = logprobs.reshape(-1), actions.reshape((-1, *envs.single_action_space.shape))
        b_advantages, b_returns, b_values = advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)
        b_inds = np.arange(batch_size)
        clipfracs = []
        for _epoch in range(update_epochs):
            np.random.shuffle(b_inds)
            for start in range(0, batch_size, minibatch_size):
                mb_inds = b_inds[start : start + minibatch_size]
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(
                    b_obs[mb_inds], b_actions[mb_inds]
                )
                logratio = newlogprob - b_logprobs[mb_inds]
                ratio = logratio.exp()
                with torch.no_grad():
                    clipfracs += [((ratio - 1.0).abs() > clip_coef).float().mean().item()]
                mb_advantages = b_advantages[mb_inds]
                mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
                pg_loss1 = -mb_advantages * ratio
                pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
                pg_loss = torch.max(pg_loss1, pg_loss2).mean()
                newvalue = newvalue.view(-1)
                v_loss_unclipped = (newvalue - b_returns[mb_inds]) ** 2
                v_clipped = b_values[mb_inds] + torch.clamp(
                    newvalue - b_values[mb_inds], -clip_coef, clip_coef
                )
                v_loss_clipped = (v_clipped - b_returns[mb_inds]) ** 2
                v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
                loss = pg_loss - ent_coef * entropy.mean() + v_loss * vf_coef
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
                optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)  # the update's kernels, not their launch, end the update
        t2 = time.perf_counter()
        if update > 1:
            rollout_s += t1 - t0
            update_s += t2 - t1
    envs.close()
    steady_steps = (total - 1) * batch_size
    return {"rollout_s": rollout_s, "update_s": update_s, "sps": steady_steps / (rollout_s + update_s)}
