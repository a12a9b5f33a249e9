"""The PPO implementation details both trainers follow, with where each lives on each side, as data.

Items follow "The 37 Implementation Details of PPO" (Huang et al., 2022): its core list and its
continuous-action list, plus the few choices this benchmark adds (truncation, evaluation). Each location is
`module:qualified_name`; `tests/parity/test_details.py` imports every one, so the list cannot drift from the
code. Details one side cannot match are listed with status "differs" and the reason. The report renders
`checklist()`. This module imports neither JAX nor torch (the test does the importing).
"""

from __future__ import annotations

from typing import NamedTuple


class Detail(NamedTuple):
    """One implementation detail and where each side implements it."""

    item: str
    """Short name, as in the paper where it has one."""
    paper: str
    """Paper section: 'core N', 'continuous N', or 'bench' for this benchmark's own choices."""
    jax: str
    """module:qualname in jax_ppo, or in ppo_envs for what the env does (the Brax side)."""
    torch: str
    """module:qualname in torch_ppo, or in ppo_envs for what the env does (the Gymnasium side)."""
    status: str
    """'same' (identical semantics, parity-tested where possible) or 'differs'."""
    note: str = ""


DETAILS: tuple[Detail, ...] = (
    Detail("Vectorized environments", "core 1", "ppo_envs.brax_envs:make_train_env", "ppo_envs.gym_envs:make_gym_vec", "same",
           "Brax VmapWrapper vs Gymnasium vector env (sync); one rollout of num_envs x num_steps."),
    Detail("Orthogonal init, constant (zero) biases", "core 2", "jax_ppo.networks:MLP", "torch_ppo.networks:_linear",
           "same", "Gains sqrt(2) hidden, 0.01 policy head, 1.0 value head (tests/parity)."),
    Detail("Adam epsilon 1e-5", "core 3", "jax_ppo.networks:make_optimizer", "torch_ppo.networks:make_optimizer", "same",
           "spec.adam_eps on both sides."),
    Detail("Learning-rate annealing", "core 4", "jax_ppo.networks:learning_rate_at",
           "torch_ppo.networks:learning_rate_at", "same", "Linear to 0, constant within an update (parity-tested)."),
    Detail("Generalized advantage estimation", "core 5", "jax_ppo.losses:compute_gae", "torch_ppo.losses:compute_gae",
           "same", "Reverse lax.scan vs a Python loop over T; parity-tested with terminations and truncations."),
    Detail("Mini-batch updates with a fresh shuffle per epoch", "core 6", "jax_ppo.train:shuffled_minibatches",
           "torch_ppo.train:shuffled_minibatches", "same",
           "Given the same permutations, one whole update gives the same parameters (tests/parity); the "
           "permutations themselves come from each side's random stream (epoch_permutations)."),
    Detail("Advantage normalization per minibatch", "core 7", "jax_ppo.losses:normalize_advantages",
           "torch_ppo.losses:normalize_advantages", "same", "Population std (ddof 0) + 1e-8."),
    Detail("Clipped surrogate objective", "core 8", "jax_ppo.losses:policy_loss", "torch_ppo.losses:policy_loss",
           "same", ""),
    Detail("Value-function loss clipping", "core 9", "jax_ppo.losses:value_loss", "torch_ppo.losses:value_loss",
           "same", "spec.clip_vloss; 0.5 * mean squared error."),
    Detail("Overall loss and entropy bonus", "core 10", "jax_ppo.losses:ppo_loss", "torch_ppo.losses:ppo_loss",
           "same", "pg_loss - ent_coef * entropy + vf_coef * v_loss; loss and gradients parity-tested."),
    Detail("Global gradient clipping", "core 11", "jax_ppo.networks:make_optimizer",
           "torch_ppo.train:make_minibatch_step", "same", "optax.clip_by_global_norm vs clip_grad_norm_."),
    Detail("Debug variables: approx_kl, clipfrac, explained variance", "core 12", "jax_ppo.train:explained_variance",
           "torch_ppo.train:explained_variance", "same", "approx_kl and clipfrac come from policy_loss."),
    Detail("Separate actor and critic networks", "core 13", "jax_ppo.networks:ActorCritic",
           "torch_ppo.networks:ActorCritic", "same", "Same layer sizes from spec.actor_hidden / critic_hidden."),
    Detail("Gaussian policy for continuous actions", "continuous 1", "jax_ppo.networks:gaussian_log_prob",
           "torch_ppo.networks:gaussian_log_prob", "same", "Unsquashed diagonal Normal."),
    Detail("State-independent log standard deviation", "continuous 2", "jax_ppo.networks:ActorCritic",
           "torch_ppo.networks:ActorCritic", "same", "A parameter of shape [A], initialised to spec.init_log_std."),
    Detail("Independent action components (log-probs summed)", "continuous 3", "jax_ppo.networks:gaussian_entropy",
           "torch_ppo.networks:gaussian_entropy", "same", "Log-prob and entropy summed over action dimensions."),
    Detail("Action clipping to the bounds, stored unclipped", "continuous 5", "ppo_envs.brax_envs:ClipActionWrapper",
           "ppo_envs.gym_envs:TrainVecEnv", "same", "The Brax env clips to the actuator range (and undoes Brax's own [-1, 1] map where a Brax env has one: "
           "ppo_envs.brax_envs.ActuatorUnitsWrapper, tests/parity/test_action_units.py); torch clips with Gymnasium's "
           "vector TransformAction (one np.clip)."),
    Detail("Observation normalization (running mean/var)", "continuous 6", "jax_ppo.normalization:normalize_obs",
           "ppo_envs.gym_envs:NormalizeObservationSameStep", "same",
           "Gymnasium's RunningMeanStd algorithm on both; JAX float32, Gymnasium float64 (parity-tested)."),
    Detail("Observation clipping", "continuous 7", "jax_ppo.normalization:scale_obs",
           "ppo_envs.gym_envs:NormalizeObservationSameStep", "same", "spec.obs_clip."),
    Detail("Reward scaling by the std of the discounted return", "continuous 8", "jax_ppo.normalization:normalize_reward",
           "ppo_envs.gym_envs:TrainVecEnv", "same", "Gymnasium's vector NormalizeReward on the torch side (parity-tested)."),
    Detail("Reward clipping", "continuous 9", "jax_ppo.normalization:normalize_reward", "ppo_envs.gym_envs:TrainVecEnv",
           "same", "spec.reward_clip; Gymnasium's ClipReward on the torch side."),
    Detail("Time-limit truncation: bootstrap from the true final observation", "bench",
           "ppo_envs.brax_envs:FinalObsAutoResetWrapper", "ppo_envs.gym_envs:NormalizeObservationSameStep", "same",
           "spec.bootstrap_on_truncation; Brax wrapper keeps the pre-reset obs, Gymnasium's SAME_STEP final_obs."),
    Detail("Deterministic evaluation on a fresh env with frozen statistics", "bench", "jax_ppo.train:evaluate",
           "torch_ppo.train:Trainer.evaluate", "same", "Mean action, eval_episodes episodes, raw undiscounted return."),
    Detail("Physics simulator", "bench", "ppo_envs.brax_envs:base_env", "ppo_envs.gym_envs:make_gym_vec", "differs",
           "Brax (spec.brax_backend, on the accelerator) vs MuJoCo C (CPU): same models, different integrators and "
           "contact handling; returns are comparable in kind, not identical. See the env parity table."),
    Detail("Random streams", "bench", "jax_ppo.run:seed_keys", "torch_ppo.train:Learner", "differs",
           "JAX's counter-based PRNG vs torch/NumPy generators: the same seed gives different (equally distributed) "
           "samples, so per-seed curves differ; compare distributions over seeds."),
)  # fmt: skip


def checklist() -> list[dict[str, str]]:
    """The details as report rows."""
    return [
        {
            "detail": d.item,
            "paper": d.paper,
            "jax_ppo": d.jax,
            "torch_ppo": d.torch,
            "status": d.status,
            "note": d.note,
        }
        for d in DETAILS
    ]
