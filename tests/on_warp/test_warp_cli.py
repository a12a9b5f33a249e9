"""The MuJoCo Warp contenders fail early and clearly where they cannot run: one line, the right exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_UNAVAILABLE
from shared_spec.presets import resolve_spec
from shared_spec.spec import SpecError


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, check=False)


def test_torch_warp_on_an_unsupported_task_exits_2_naming_the_supported_ones() -> None:
    done = _run("-m", "torch_ppo", "--env-backend", "warp", "--preset", "smoke", "--set", "task=halfcheetah")
    assert done.returncode == EXIT_BAD_SPEC and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "error: bad spec: task: got 'halfcheetah'; the MuJoCo Warp env supports: hopper, inverted_pendulum"
    ]


def test_jax_warp_without_cuda_exits_4_with_one_line() -> None:
    import jax

    if any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip("this machine has a CUDA device: MJX's Warp backend is not unavailable here")
    done = _run("-m", "jax_ppo", "--preset", "smoke", "--set", "mjx_impl=warp")
    assert done.returncode == EXIT_UNAVAILABLE and done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [done.stderr.strip().splitlines()[-1]]
    assert errors[0].startswith("error: unavailable: mjx_impl=warp needs a CUDA device")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["mjx_impl=cuda"], "mjx_impl: got 'cuda'; allowed: jax, warp"),
        (
            ["mjx_impl=warp", "brax_backend=spring"],
            "mjx_impl: got 'warp'; allowed: jax unless brax_backend is mjx",
        ),
    ],
)
def test_mjx_impl_is_validated(overrides: list[str], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        resolve_spec("smoke", overrides)


def test_without_warp_lang_the_warp_env_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from ppo_envs import warp_envs

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "warp" else real_find_spec(name, *a)
    )
    assert warp_envs.warp_unavailable() == (
        "the MuJoCo Warp env needs warp (pip install -c constraints/cpu.txt 'ppo-bench[warp]')"
    )
    monkeypatch.setattr(importlib.util, "find_spec", real_find_spec)
    assert warp_envs.warp_unavailable() is None


def test_a_brax_env_that_mjx_did_not_build_on_warp_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the CPU, MJX's switch to Warp has no effect: the env must say so instead of running JAX physics."""
    from ppo_envs.brax_envs import base_env
    from ppo_envs.mjx_warp import MJX_WARP_SWITCH

    monkeypatch.setenv(MJX_WARP_SWITCH, "true")
    with pytest.raises(
        RuntimeError, match="mjx_impl: asked for 'warp' but MJX built the model with impl 'jax'"
    ):
        base_env(resolve_spec("smoke", ["mjx_impl=warp"]))
    assert base_env(resolve_spec("smoke", [])).sys.impl.value == "jax"


def test_torch_brax_refuses_mjx_impl_warp() -> None:
    done = _run("-m", "torch_ppo", "--env-backend", "brax", "--preset", "smoke", "--set", "mjx_impl=warp")
    assert done.returncode == EXIT_BAD_SPEC
    assert done.stderr.strip().splitlines() == [
        "error: bad spec: mjx_impl: got 'warp'; allowed with torch-brax: jax"
    ]
