"""The field contenders' CLI rules: a bad spec value exits 2 before the library is imported; without the
library (the `field` extra) each exits 4 with one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_UNAVAILABLE

MODULES = {"sb3": "stable_baselines3", "sbx": "sbx", "skrl_torch": "skrl", "skrl_jax": "skrl"}


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("module", sorted(MODULES))
def test_bad_spec_value_exits_2_before_the_library_is_imported(module: str) -> None:
    proc = run_python(
        f"import sys\nfrom field.{module} import main\n"
        "try:\n    main(['--preset', 'smoke', '--set', 'gamma=1.5'])\n"
        f"except SystemExit as e:\n    print(e.code, {MODULES[module]!r} in sys.modules, 'torch' in sys.modules)\n"
    )
    assert proc.stdout.split() == [str(EXIT_BAD_SPEC), "False", "False"], proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "gamma" in lines[0] and "1.5" in lines[0] and "[0, 1]" in lines[0]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_without_the_library_exits_4_with_one_line(module: str) -> None:
    blocked = MODULES[module]
    proc = run_python(
        f"import sys\nsys.modules[{blocked!r}] = None\nfrom field.{module} import main\n"
        "sys.exit(main(['--preset', 'smoke']))\n"
    )
    assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and blocked in lines[0] and "unavailable" in lines[0] and proc.stdout == ""
