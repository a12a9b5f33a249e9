"""References each trainer must match or beat, kept apart from the two implementations they judge.

- `brax_ppo`: Brax's own PPO (`brax.training.agents.ppo.train`) on the same env and batch shape, contender
  `brax-ppo`: the speed reference for the JAX side.
- `cleanrl_style_ppo`: a CleanRL-design loop on Gymnasium: the speed reference for the torch side.
"""
