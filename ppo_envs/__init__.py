"""The environments both trainers step, built from the spec; no trainer owns them.

- `brax_envs`: Brax MJX envs (JAX arrays in and out): the task's base env in actuator units, the time limit,
  batching, the final-observation auto-reset and action clipping. Used by `jax_ppo` (contender `jax`),
  by `torch_ppo` through DLPack (`torch-brax`) and by the env-only control.
- `gym_envs`: Gymnasium MuJoCo vector envs (numpy in and out): the wrapper stack with observation and reward
  normalization, SAME_STEP auto-reset with the final observation kept. Used by `torch_ppo` (`torch`).
- `parity`: builds each task's two envs and compares them with the task registry (`python -m ppo_envs check`).
- `quiet`: keeps mujoco-mjx's import-time stdout lines out of a trainer's result stream.

Framework-specific pieces (a torch tensor view, a jittable running statistic) live in their trainer.
Importing this package has no side effects; its submodules import their simulator when imported.
"""
