"""Where `startup_s` goes: each trainer marks the end of its startup phases, and the record keeps the
phases' durations as `extra.startup_phases`, so a slow start can be read off the records
instead of guessed.

Phases, in order (a trainer marks those it has):
- `interpreter`: process start to the trainer's `main` (Python, the CLI module and its light imports);
- `imports`: the framework and trainer imports (JAX, torch, Brax, Gymnasium);
- `device`: choosing the device (JAX creates its backend here; torch checks CUDA);
- `envs`: building the training and evaluation envs (Gymnasium's async workers start here; for
  `torch-brax` this holds the env's own compilation, which `startup_s` leaves to `compile_s`);
- `train_state`: networks, optimizer and the first env reset (JAX compiles its init program here), up to the
  moment `startup_s` is taken.
One clock per process: a process is one run.
"""

from __future__ import annotations

from shared_spec.result import seconds_since_start

PHASES = ("interpreter", "imports", "device", "envs", "train_state")


class StartupClock:
    """Seconds since process start at the end of each phase; `phases()` gives the durations."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    def mark(self, phase: str) -> None:
        """Record that `phase` (one of PHASES) ends now."""
        if phase not in PHASES:
            raise ValueError(f"phase: got {phase!r}; allowed: {', '.join(PHASES)}")
        self.marks[phase] = seconds_since_start()

    def phases(self) -> dict[str, float]:
        """Duration of each marked phase in PHASES order, from the previous mark (the first from 0)."""
        durations, previous = {}, 0.0
        for phase in PHASES:
            if phase in self.marks:
                durations[phase] = round(self.marks[phase] - previous, 3)
                previous = self.marks[phase]
        return durations


STARTUP = StartupClock()
"""This process's clock."""
