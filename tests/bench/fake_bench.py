"""`python tests/bench/fake_bench.py ARGS...`: `python -m bench ARGS...` in a real process of its own, with the
fake contenders; `hold` is the `ok` fake holding while the file named by $FAKE_HOLD_FILE exists."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, before any installed copy

from bench.commands import main
from tests.bench.conftest import FAKES, fake

table = {
    **FAKES,
    "hold": fake("hold", "ok", "--hold-while", os.environ.get("FAKE_HOLD_FILE", "/nonexistent")),
}
sys.exit(main(sys.argv[1:], contenders=table))
