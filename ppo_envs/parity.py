"""Env parity, generated not typed: build each task's Brax and Gymnasium env and compare them to the registry.

The registry in `tasks.py` states observation/action sizes and whether the two simulators are comparable;
this module asks the real envs, so the registry (and the report's parity table) cannot drift from them.
It also reads what the physics integrates with (MuJoCo integrator, solver iterations): Brax's MJX models
step with Euler and, for most tasks, 4 solver iterations where Gymnasium's v5 models use RK4 and 100, so
the same dt and masses still give different numerics (for inverted_pendulum this did not change how fast
torch learns: experiments/integrator_swap.py).
It imports Brax (hence JAX) and Gymnasium lazily: only `python -m ppo_envs check`, the report and its test
pay for them.
Brax sizes come from `jax.eval_shape` of `reset` (traced, not run), which keeps the check to seconds.
"""

from __future__ import annotations

import warnings
from typing import Any

from shared_spec.tasks import TASKS, Task

DEFAULT_BACKEND = "mjx"


def _solver_facts(model: Any) -> dict[str, Any]:
    """Integrator and constraint-solver settings of a MuJoCo model (what the physics actually integrates)."""
    import mujoco

    if model is None:
        return {"integrator": None, "solver_iterations": None}
    return {
        "integrator": mujoco.mjtIntegrator(model.opt.integrator).name.removeprefix("mjINT_"),
        "solver_iterations": int(model.opt.iterations),
    }


def _brax_facts(task: Task, backend: str) -> dict[str, Any]:
    import jax
    from brax import envs

    env = envs.get_environment(task.brax_env, backend=backend)
    state_shape = jax.eval_shape(env.reset, jax.random.PRNGKey(0))
    ctrl = env.sys.actuator_ctrlrange
    return {
        "obs": int(state_shape.obs.shape[-1]),
        "act": int(env.action_size),
        "low": float(ctrl[:, 0].min()),
        "high": float(ctrl[:, 1].max()),
        "dt": round(float(env.dt), 6),
        **_solver_facts(getattr(env.sys, "mj_model", None)),
    }


def _gym_facts(task: Task) -> dict[str, Any]:
    import gymnasium as gym

    env = gym.make(task.gym_id, **task.gym_make_kwargs())
    try:
        return {
            "obs": int(env.observation_space.shape[0]),
            "act": int(env.action_space.shape[0]),
            "low": float(env.action_space.low.min()),
            "high": float(env.action_space.high.max()),
            "dt": round(float(env.unwrapped.dt), 6),
            "episode_length": env.spec.max_episode_steps if env.spec else None,
            **_solver_facts(env.unwrapped.model),
        }
    finally:
        env.close()


def check_task(task: Task, backend: str = DEFAULT_BACKEND) -> dict[str, Any]:
    """One row of the parity table: what each env reports and whether the registry's claims hold."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        brax, gym = _brax_facts(task, backend), _gym_facts(task)
    sizes_match = brax["obs"] == gym["obs"] and brax["act"] == gym["act"]
    registry_ok = (
        brax["obs"] == task.obs_size
        and gym["obs"] == task.gym_obs_size
        and brax["act"] == gym["act"] == task.act_size
        and task.comparable == sizes_match
    )
    return {
        "task": task.name,
        "brax_env": task.brax_env,
        "brax_backend": backend,
        "gym_id": task.gym_id,
        "brax_obs": brax["obs"],
        "gym_obs": gym["obs"],
        "brax_act": brax["act"],
        "gym_act": gym["act"],
        "brax_action_bounds": [brax["low"], brax["high"]],
        "gym_action_bounds": [gym["low"], gym["high"]],
        "brax_dt": brax["dt"],
        "gym_dt": gym["dt"],
        "brax_integrator": brax["integrator"],
        "gym_integrator": gym["integrator"],
        "brax_solver_iterations": brax["solver_iterations"],
        "gym_solver_iterations": gym["solver_iterations"],
        "gym_episode_length": gym["episode_length"],
        "comparable_claimed": task.comparable,
        "sizes_match": sizes_match,
        "dt_match": abs(brax["dt"] - gym["dt"]) < 1e-6,
        "integrator_match": brax["integrator"] == gym["integrator"],
        "registry_ok": registry_ok,
        "parity_note": task.parity_note,
    }


def check_all_tasks(backend: str = DEFAULT_BACKEND) -> list[dict[str, Any]]:
    """Parity rows for every registered task."""
    return [check_task(task, backend) for task in TASKS.values()]


def format_table(rows: list[dict[str, Any]]) -> str:
    """Plain-text parity table for the terminal."""
    header = (
        f"{'task':18s} {'obs brax/gym':>13s} {'act':>7s} {'bounds brax | gym':>22s} "
        f"{'dt brax/gym':>16s} {'integrator (iters) brax/gym':>28s} {'ep.len':>6s} {'comparable':>10s} "
        f"{'registry':>8s}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        bounds = f"[{r['brax_action_bounds'][0]:g},{r['brax_action_bounds'][1]:g}] | [{r['gym_action_bounds'][0]:g},{r['gym_action_bounds'][1]:g}]"
        physics = (
            f"{r['brax_integrator']} ({r['brax_solver_iterations']})/"
            f"{r['gym_integrator']} ({r['gym_solver_iterations']})"
        )
        lines.append(
            f"{r['task']:18s} {r['brax_obs']:>6d}/{r['gym_obs']:<6d} {r['brax_act']:>3d}/{r['gym_act']:<3d} "
            f"{bounds:>22s} {r['brax_dt']:>7g}/{r['gym_dt']:<8g} {physics:>28s} {r['gym_episode_length']!s:>6s} "
            f"{r['comparable_claimed']!s:>10s} {'ok' if r['registry_ok'] else 'MISMATCH':>8s}"
        )
    backend = rows[0]["brax_backend"] if rows else DEFAULT_BACKEND
    lines.append(f"(Brax backend: {backend}; episode length of both sides is the spec's episode_length)")
    return "\n".join(lines)
