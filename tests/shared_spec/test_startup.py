"""The startup clock: phases in their fixed order, each from the previous mark; an unknown phase is refused."""

from __future__ import annotations

import pytest

from shared_spec import startup
from shared_spec.startup import PHASES, StartupClock


def test_phases_are_durations_between_marks_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    now = iter([2.0, 3.5, 10.0])
    monkeypatch.setattr(startup, "seconds_since_start", lambda: next(now))
    clock = StartupClock()
    clock.mark("interpreter")
    clock.mark("device")  # a trainer may skip a phase: the next one starts from the last mark
    clock.mark("train_state")
    assert clock.phases() == {"interpreter": 2.0, "device": 1.5, "train_state": 6.5}


def test_unknown_phase_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="allowed: " + ", ".join(PHASES)):
        StartupClock().mark("warmup")
