"""brax-ppo's steady SPS is jax_ppo's definition (env steps over host-clock seconds), not a mean of rates."""

from __future__ import annotations

import pytest

from baselines.brax_ppo import steady_sps


def test_steady_sps_is_steps_over_seconds_of_equal_step_epochs() -> None:
    steps_per_epoch, seconds = 8192, [0.2, 0.25, 0.4]
    rates = [steps_per_epoch / s for s in seconds]
    assert steady_sps(rates) == pytest.approx(steps_per_epoch * len(seconds) / sum(seconds))
    assert steady_sps(rates) < sum(rates) / len(rates)  # the mean of rates overstates a run with a slow epoch


def test_no_steady_epoch_gives_no_sps() -> None:
    assert steady_sps([]) is None
