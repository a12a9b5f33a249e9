"""MuJoCo Warp worlds for the torch learner (contender `torch-warp`): the framework-free part.

Here: which tasks have a Warp env, the MJCF they load (the very file the Brax side loads, so `jax`, `jax-warp`
and `torch-warp` simulate one model), Warp's kernel cache (cold unless the user chose a filled one, like
torch.compile's), and `WarpWorlds`: one `mujoco_warp` model and `nworld` = num_envs worlds built once, whose
env step (the task's physics frames) and reset of a masked set of worlds are captured as Warp graphs and
replayed (CUDA graphs on a GPU; Warp's CPU graph replay on the CPU). The task itself (observation, reward,
termination, reset noise) is the learner's code: `torch_ppo/warp_env.py` computes it in torch on views of
these arrays.

Which MuJoCo Warp: the standalone `mujoco-warp` package. MJX's Warp backend (`jax-warp`) runs the copy bundled
in mujoco-mjx (`mujoco/mjx/third_party/mujoco_warp`), a different snapshot: `simulator_record` names both.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mujoco

from shared_spec.resources import fresh_cache_unless_chosen

KERNEL_CACHE_ENV = "WARP_CACHE_PATH"
"""Warp's own variable for its kernel cache directory; unset, each run compiles into a fresh one (cold)."""


@dataclass(frozen=True)
class WarpTask:
    """What the Warp env needs to know of a task beyond the registry (shared_spec.tasks)."""

    asset: str
    """MJCF file under Brax's `brax/envs/assets` (Brax's env loads the same file)."""
    n_frames: int
    """Physics steps per env step: Brax's `n_frames` for the mjx backend (env dt = n_frames * timestep)."""


WARP_TASKS: dict[str, WarpTask] = {
    "inverted_pendulum": WarpTask("inverted_pendulum.xml", n_frames=2),
    "hopper": WarpTask("hopper.xml", n_frames=4),
}
"""Tasks the Warp env implements; its observation, reward and termination are written per task in torch."""


class UnsupportedTaskError(ValueError):
    """The spec's task has no Warp env (yet)."""


def require_warp_task(task: str) -> WarpTask:
    """The task's `WarpTask`, or UnsupportedTaskError naming the supported ones."""
    try:
        return WARP_TASKS[task]
    except KeyError:
        raise UnsupportedTaskError(
            f"task: got {task!r}; the MuJoCo Warp env supports: {', '.join(sorted(WARP_TASKS))}"
        ) from None


def warp_unavailable() -> str | None:
    """One line saying why the Warp env cannot run on this install (no warp-lang or mujoco-warp), or None."""
    missing = [name for name in ("warp", "mujoco_warp") if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"the MuJoCo Warp env needs {' and '.join(missing)} "
            "(pip install -c constraints/cpu.txt 'ppo-bench[warp]')"
        )
    return None


def brax_asset_path(asset: str) -> Path:
    """Path of an MJCF file shipped with Brax, found without importing Brax (which would import JAX)."""
    found = importlib.util.find_spec("brax")
    if found is None or not found.submodule_search_locations:
        raise ModuleNotFoundError("brax is not installed: the Warp env loads Brax's MJCF files")
    return Path(next(iter(found.submodule_search_locations))) / "envs" / "assets" / asset


def load_mj_model(task: str) -> mujoco.MjModel:
    """The host MuJoCo model of `task`, compiled from Brax's MJCF file as Brax's `mjcf.load` does.

    Brax also fuses bodies attached without a joint; the supported tasks have none, and a test checks the
    result equals the `mj_model` of Brax's own env.
    """
    return mujoco.MjModel.from_xml_path(str(brax_asset_path(require_warp_task(task).asset)))


def use_kernel_cache() -> dict[str, Any]:
    """Warp's kernel cache: `$WARP_CACHE_PATH`, or a new empty directory (cold, as torch.compile's); call before
    Warp starts."""
    return fresh_cache_unless_chosen(KERNEL_CACHE_ENV, "ppo-bench-warp-")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def simulator_record(kernel_cache: dict[str, Any], copy: str) -> dict[str, Any]:
    """`extra.simulator` of a run on MuJoCo Warp: which copy and versions, and the kernel cache's state.

    `copy` is "standalone" (package mujoco-warp, torch-warp) or "mjx-bundled" (the copy inside mujoco-mjx,
    jax-warp); the bundled copy reports the standalone package's version as its own, so its snapshot is
    named by mujoco-mjx's version here.
    """
    package = (
        f"mujoco-warp {_version('mujoco-warp')}"
        if copy == "standalone"
        else f"mujoco-mjx {_version('mujoco-mjx')} bundled copy (mujoco/mjx/third_party/mujoco_warp)"
    )
    return {
        "engine": "MuJoCo Warp",
        "copy": copy,
        "package": package,
        "mujoco": _version("mujoco"),
        "warp_lang": _version("warp-lang"),
        "kernel_cache": kernel_cache,
    }


def start_warp() -> Any:
    """Import and initialize Warp quietly (its banner and per-module load lines would go to stdout)."""
    import warp as wp

    wp.config.log_level = wp.LOG_WARNING
    wp.init()
    return wp


class WarpWorlds:
    """`nworld` copies of one task's model on a Warp device, stepped and reset by captured graphs.

    Built once: model, data, the step graph (`n_frames` calls of `mujoco_warp.step`) and the reset graph
    (`mujoco_warp.reset_data` of the worlds flagged in `reset_mask`). Callers write `ctrl`, `qpos`, `qvel` and
    `reset_mask` in place (no copies) and replay the graphs. `compile_s` is the time to build and capture,
    which holds Warp's first-call kernel compilation (unless the kernel cache was warm).
    """

    def __init__(self, task: str, nworld: int, device: str, capture: bool = True) -> None:
        wp = start_warp()
        import mujoco_warp as mjw

        self._wp, self._mjw = wp, mjw
        self.task = require_warp_task(task)
        self.mj_model = load_mj_model(task)
        self.device, self.nworld, self.captured = device, nworld, capture
        start = time.perf_counter()
        with wp.ScopedDevice(device):
            self.model = mjw.put_model(self.mj_model)
            self.data = mjw.make_data(self.mj_model, nworld=nworld)
            self.reset_mask = wp.zeros(nworld, dtype=bool)
            self._physics_step()  # first calls compile (or load) every kernel the graphs use
            self.reset_mask.fill_(True)
            self._reset_masked()
            self.reset_mask.fill_(False)
            self._step_graph = self._capture(self._physics_step) if capture else None
            self._reset_graph = self._capture(self._reset_masked) if capture else None
            wp.synchronize_device(device)
        self.compile_s = time.perf_counter() - start

    def _physics_step(self) -> None:
        for _ in range(self.task.n_frames):
            self._mjw.step(self.model, self.data)

    def _reset_masked(self) -> None:
        self._mjw.reset_data(self.model, self.data, reset=self.reset_mask)

    def _capture(self, work: Any) -> Any:
        with self._wp.ScopedCapture(device=self.device) as capture:
            work()
        return capture.graph

    def step(self) -> None:
        """Advance every world by one env step (`n_frames` physics steps) from its current ctrl."""
        if self._step_graph is None:
            self._physics_step()
        else:
            self._wp.capture_launch(self._step_graph)

    def reset_flagged(self) -> None:
        """Reset the worlds flagged in `reset_mask` to the model's defaults (qpos0, zero velocity and ctrl)."""
        if self._reset_graph is None:
            self._reset_masked()
        else:
            self._wp.capture_launch(self._reset_graph)

    def sizes(self) -> dict[str, int]:
        """Per-world buffer sizes as allocated (the same limits go to MJX's Warp backend for jax-warp)."""
        return {"nworld": self.nworld, "njmax": int(self.data.njmax), "naconmax": int(self.data.naconmax)}
