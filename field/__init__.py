"""Third-party PPO as contenders: Stable-Baselines3 vs SBX, skrl PyTorch vs skrl JAX.

Within each pair one team wrote the same PPO in both frameworks, so the pair's ratio measures the framework on
code this project did not write. Each module is a contender CLI (`--preset`, `--seed`, `--set`) printing one
RunResult; the libraries come with the optional extra `ppo-bench[field]`, without which each exits 4.
"""
