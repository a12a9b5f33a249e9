"""The Gaussian-form benchmark compares like with like: CleanRL's Normal gives the trainer's closed forms' values."""

from __future__ import annotations

import json

import torch

from experiments import perf_torch_gaussian as bench_gaussian
from torch_ppo.networks import gaussian_entropy, gaussian_log_prob


def test_normal_form_equals_the_trainers_closed_form() -> None:
    generator = torch.Generator().manual_seed(3)
    mean, actions = torch.randn(5, 3, generator=generator), torch.randn(5, 3, generator=generator)
    log_std = torch.randn(3, generator=generator)
    torch.testing.assert_close(
        bench_gaussian.normal_log_prob(mean, log_std, actions), gaussian_log_prob(mean, log_std, actions)
    )
    torch.testing.assert_close(bench_gaussian.normal_entropy(log_std, mean), gaussian_entropy(log_std, mean))


def test_json_names_machine_and_times_both_forms(capsys) -> None:
    assert bench_gaussian.main(["--preset", "smoke", "--rounds", "2", "--steps", "2", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["cpu_model"] and printed["cpus"] >= 1
    assert set(printed["us_per_step"]) == {"normal", "closed"}
    assert all(len(times) == 2 and min(times) > 0 for times in printed["us_per_step"].values())
    assert bench_gaussian.losses.gaussian_log_prob is gaussian_log_prob  # the swap is undone
