"""skrl's PPO in PyTorch and in JAX on the spec: one runner, the backend the only switch.

skrl's SequentialTrainer steps the env and calls the agent's `post_interaction`, which runs `update` (GAE,
then epochs x minibatches) every `rollouts` steps. The seam: `update` is wrapped, so its start ends the
rollout half and its return ends the update half. The env is `ppo_envs`' Gymnasium vector env (SAME_STEP
autoreset, actions clipped as the torch contender's), wrapped by skrl's Gymnasium wrapper. The spec's mapping
is `field.mapping`.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np

from field.common import UpdateClock, build_result, evaluate_policy, jax_device, torch_device, torch_settings
from field.skrl_models import jax_models, torch_models
from shared_spec.resources import resources_record, vector_env_record
from shared_spec.result import RunResult, package_versions, seconds_since_start
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP


def torch_lr_lambda(num_updates: int, update_epochs: int) -> Any:
    """LambdaLR's factor: skrl steps the scheduler after every epoch; update u (from 0) uses 1 - u / N."""
    return lambda epochs_done: 1.0 - (epochs_done // update_epochs) / num_updates


class JaxLinearDecay:
    """skrl-JAX's scheduler hook: it multiplies the learning rate by the returned factor after every epoch.

    The factor is 1 within an update and (N - k) / (N - k + 1) after its last epoch (k updates done), so update
    u (from 0) runs at 1 - u / N of the initial rate: CleanRL's schedule.
    """

    def __init__(self, num_updates: int, update_epochs: int) -> None:
        self.num_updates, self.update_epochs, self.epochs_done = num_updates, update_epochs, 0

    def __call__(self, timestep: int) -> float:
        self.epochs_done += 1
        if self.epochs_done % self.update_epochs:
            return 1.0
        done = self.epochs_done // self.update_epochs
        return (self.num_updates - done) / (self.num_updates - done + 1)


def agent_config(backend: str, kwargs: dict[str, Any], space: Any, device: Any, directory: str) -> Any:
    """skrl's PPO_CFG from the mapping: algorithm fields, preprocessors, schedule, no logging or checkpoints."""
    if backend == "torch":
        import torch
        from skrl.agents.torch import ExperimentCfg
        from skrl.agents.torch.ppo import PPO_CFG
        from skrl.resources.preprocessors.torch import RunningStandardScaler
    else:
        from skrl.agents.jax import ExperimentCfg
        from skrl.agents.jax.ppo import PPO_CFG
        from skrl.resources.preprocessors.jax import RunningStandardScaler
    lr, norm = kwargs["lr"], kwargs["norm"]
    schedule: dict[str, Any] = {}
    if lr["anneal_over_updates"] is not None:
        n, epochs = lr["anneal_over_updates"], lr["update_epochs"]
        if backend == "torch":
            schedule = {"learning_rate_scheduler": torch.optim.lr_scheduler.LambdaLR,
                        "learning_rate_scheduler_kwargs": {"lr_lambda": torch_lr_lambda(n, epochs)}}  # fmt: skip
        else:
            schedule = {"learning_rate_scheduler": JaxLinearDecay,
                        "learning_rate_scheduler_kwargs": {"num_updates": n, "update_epochs": epochs}}  # fmt: skip
    preprocessors: dict[str, Any] = {}
    if norm["normalize_obs"]:
        preprocessors |= {"observation_preprocessor": RunningStandardScaler,
                          "observation_preprocessor_kwargs": {"size": space, "clip_threshold": norm["obs_clip"],
                                                              "device": device}}  # fmt: skip
    if norm["standardize_values"]:
        preprocessors |= {"value_preprocessor": RunningStandardScaler,
                          "value_preprocessor_kwargs": {"size": 1, "device": device}}  # fmt: skip
    experiment = ExperimentCfg(directory=directory, write_interval=0, checkpoint_interval=0)
    return PPO_CFG(
        learning_rate=lr["initial"], experiment=experiment, **kwargs["algo"], **schedule, **preprocessors
    )


def run(backend: str, spec: PPOSpec, args: Any, mapping: tuple[dict, dict]) -> RunResult:
    """Train with skrl's PPO on `backend` ("torch" or "jax") and return the result line."""
    kwargs, unmapped = mapping
    contender = f"skrl-{backend}"
    from skrl.utils import set_seed

    if backend == "torch":
        from skrl.agents.torch.ppo import PPO
        from skrl.envs.wrappers.torch import wrap_env
        from skrl.memories.torch import RandomMemory
        from skrl.trainers.torch import SequentialTrainer
    else:
        import jax
        from skrl.agents.jax.ppo import PPO
        from skrl.envs.wrappers.jax import wrap_env
        from skrl.memories.jax import RandomMemory
        from skrl.trainers.jax import SequentialTrainer

        from ppo_envs.precision import apply_jax_matmul_precision
    from ppo_envs.gym_envs import clip_actions, make_gym_vec

    STARTUP.mark("imports")
    if backend == "torch":
        settings = torch_settings(spec)
        device, device_record = torch_device(spec.device)
    else:
        device, device_record = jax_device(spec.device)
        jax.config.update("jax_default_device", device)
        settings = apply_jax_matmul_precision(spec.matmul_precision)
    set_seed(args.seed)
    STARTUP.mark("device")
    env = wrap_env(clip_actions(make_gym_vec(spec, spec.num_envs)), wrapper="gymnasium")
    STARTUP.mark("envs")
    models = (torch_models if backend == "torch" else jax_models)(
        env.observation_space, env.action_space, device, kwargs["net"]
    )
    memory = RandomMemory(memory_size=spec.num_steps, num_envs=spec.num_envs, device=device)
    directory = tempfile.mkdtemp(prefix="ppo-bench-skrl-")
    cfg = agent_config(backend, kwargs, env.observation_space, device, directory)
    agent = PPO(models=models, memory=memory, observation_space=env.observation_space,
                state_space=env.state_space, action_space=env.action_space, device=device, cfg=cfg)  # fmt: skip
    trainer = SequentialTrainer(
        env=env, agents=agent,
        cfg={"timesteps": spec.num_updates * spec.num_steps, "headless": True, "disable_progressbar": True},
    )  # fmt: skip
    STARTUP.mark("train_state")
    startup_s = seconds_since_start()

    def mean_action(obs: np.ndarray) -> np.ndarray:
        inputs = {"observations": agent._observation_preprocessor(as_backend(obs))}  # frozen: train=False
        if backend == "torch":
            import torch

            with torch.no_grad():
                return to_numpy(agent.policy.act(inputs, role="policy")[1]["mean_actions"])
        return to_numpy(agent.policy.act(inputs, role="policy")[1]["mean_actions"])

    def as_backend(obs: np.ndarray) -> Any:
        if backend == "torch":
            import torch

            return torch.as_tensor(obs, dtype=torch.float32, device=device)
        return jax.device_put(obs.astype(np.float32), device)

    def to_numpy(actions: Any) -> np.ndarray:
        return actions.detach().cpu().numpy() if backend == "torch" else np.asarray(actions)

    clock = UpdateClock(spec, lambda: evaluate_policy(spec, args.seed, mean_action, lambda obs: obs))
    clock.run_eval()
    library_update = agent.update

    def timed_update(**update_args: Any) -> None:
        clock.rollout_end()
        library_update(**update_args)
        clock.update_end()  # evaluates when due, in eval mode as skrl's update leaves the models
        clock.rollout_start()

    agent.update = timed_update
    eval_before = clock.eval_s
    start = time.perf_counter()
    clock.rollout_start()
    trainer.train()
    loop_s = time.perf_counter() - start
    env.close()
    versioned = ("skrl", "gymnasium", "mujoco", "numpy")
    versioned += ("torch",) if backend == "torch" else ("jax", "flax", "optax")
    result = build_result(
        spec, args, contender=contender, device=device_record, clock=clock, startup_s=startup_s,
        loop_s=loop_s, loop_eval_s=clock.eval_s - eval_before, jit=backend == "jax",
        extra={
            "unmapped": unmapped,
            "library_kwargs": {**kwargs["algo"], "norm": kwargs["norm"], "net": kwargs["net"]},
            "phase_split": "skrl's agent.update wrapped: its call ends the rollout, its return the update",
            "resources": resources_record(
                vector_env=vector_env_record(spec.vector_env, spec.num_envs), **settings
            ),
        },
    )  # fmt: skip
    result.versions = package_versions(versioned)
    return result
