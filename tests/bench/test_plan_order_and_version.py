"""The plan interleaves contenders round by round (and resumes so); the code version covers the contender's
import closure only, and a module a run loaded outside it is reported."""

from __future__ import annotations

from pathlib import Path

from bench.harness.code_version import REPO_ROOT, code_version, hashed_files
from bench.harness.contenders import CONTENDERS, Contender
from bench.harness.schedule import schedule_runs
from bench.harness.store import read_records
from shared_spec.presets import resolve_spec

FAKES_DIR = Path(__file__).parent / "fake_contenders"


def order(bench) -> list[tuple[str, int, int, int]]:
    """(contender, seed, round, position_in_round) of the stored runs, in store order."""
    runs = read_records(bench.store_path, record_type="run")
    return [(r["contender"], r["seed"], r["round"], r["position_in_round"]) for r in runs]


def test_plan_runs_seed_by_seed_with_the_order_rotating() -> None:
    a, b, c = (Contender(name, ("-m", "jax_ppo")) for name in "abc")
    plan = schedule_runs([a, b, c], 3, "smoke", [], resolve_spec("smoke"), Path("logs"))
    assert [(run.contender.name, run.seed, run.position_in_round) for run in plan] == [
        ("a", 0, 0), ("b", 0, 1), ("c", 0, 2),
        ("b", 1, 0), ("c", 1, 1), ("a", 1, 2),
        ("c", 2, 0), ("a", 2, 1), ("b", 2, 2),
    ]  # fmt: skip
    later = schedule_runs([a, b, c], 1, "smoke", [], resolve_spec("smoke"), Path("logs"), first_seed=4)
    assert [(run.contender.name, run.seed) for run in later] == [("b", 4), ("c", 4), ("a", 4)]


def test_runs_are_recorded_interleaved_with_their_round(bench) -> None:
    assert bench.run("ok,noisy-ok", seeds=2) == 0
    assert order(bench) == [("ok", 0, 0, 0), ("noisy-ok", 0, 0, 1), ("noisy-ok", 1, 1, 0), ("ok", 1, 1, 1)]


def test_resume_of_an_interleaved_plan_runs_only_what_is_missing(bench) -> None:
    assert bench.run("ok,crash", seeds=1) == 1  # crash fails: recorded, rerun on resume
    assert bench.run("ok,crash", seeds=3) == 1
    assert order(bench) == [
        ("ok", 0, 0, 0), ("crash", 0, 0, 1),
        ("crash", 0, 0, 1), ("crash", 1, 1, 0), ("ok", 1, 1, 1), ("ok", 2, 2, 0), ("crash", 2, 2, 1),
    ]  # fmt: skip


def _tree(root: Path) -> None:
    """A tiny project: a shared package and two trainers that import it, one of them lazily."""
    for package, body in {
        "shared_spec": "VALUE = 1\n",
        "jax_ppo": "from shared_spec import presets\n",
        "torch_ppo": "def main():\n    from . import train\n",
    }.items():
        (root / package).mkdir()
        (root / package / "__init__.py").write_text(body)
        (root / package / "__main__.py").write_text(f"import {package}\n")
    (root / "shared_spec" / "presets.py").write_text("NAMES = ()\n")
    (root / "shared_spec" / "smoke.toml").write_text("[spec]\n")
    (root / "torch_ppo" / "train.py").write_text("import shared_spec\n")


def test_code_version_follows_the_import_closure(tmp_path: Path) -> None:
    _tree(tmp_path)
    jax, torch = Contender("jax", ("-m", "jax_ppo")), Contender("torch", ("-m", "torch_ppo"))
    before = code_version(jax, tmp_path), code_version(torch, tmp_path)
    assert tmp_path / "torch_ppo" / "train.py" in hashed_files(torch, tmp_path)  # a lazy relative import
    assert tmp_path / "shared_spec" / "smoke.toml" in hashed_files(jax, tmp_path)  # presets count
    (tmp_path / "torch_ppo" / "train.py").write_text("import shared_spec  # changed\n")
    assert code_version(jax, tmp_path) == before[0] and code_version(torch, tmp_path) != before[1]
    (tmp_path / "shared_spec" / "presets.py").write_text("NAMES = ('smoke',)\n")
    after = code_version(jax, tmp_path), code_version(torch, tmp_path)
    assert after[0] != before[0] and after[1] != before[1]
    (tmp_path / "shared_spec" / "smoke.toml").write_text("[spec]\nseed = 1\n")
    assert code_version(jax, tmp_path) != after[0]


def test_the_real_trainers_closures_stay_apart() -> None:
    jax_files = {p.relative_to(REPO_ROOT).parts[0] for p in hashed_files(CONTENDERS["jax"])}
    torch_files = {p.relative_to(REPO_ROOT).parts[0] for p in hashed_files(CONTENDERS["torch"])}
    assert "torch_ppo" not in jax_files and "jax_ppo" not in torch_files
    assert {"shared_spec", "ppo_envs"} <= jax_files & torch_files


def test_a_module_loaded_outside_the_closure_is_reported(bench) -> None:
    bench.table["lazy"] = Contender("lazy", (str(FAKES_DIR / "lazy_import.py"),))
    assert bench.run("lazy,ok") == 0
    missed = {
        r["contender"]: r["code_version_missed"] for r in read_records(bench.store_path, record_type="run")
    }
    assert missed == {"lazy": ["shared_spec.details"], "ok": []}


def test_installed_packages_inside_the_checkout_are_not_project_files(tmp_path: Path) -> None:
    """A virtualenv inside the checkout (`.venv`, as `make setup` makes) holds site-packages under the repo root:
    its modules are installed code, not the project's, so they never count as loaded outside the closure."""
    from bench.harness.child_entry import is_project_file

    venv = tmp_path / ".venv"
    installed = venv / "lib" / "python3.11" / "site-packages" / "jax" / "__init__.py"
    own = tmp_path / "jax_ppo" / "train.py"
    assert is_project_file(own, tmp_path, prefix=venv)
    assert not is_project_file(installed, tmp_path, prefix=venv)
    assert not is_project_file(installed, tmp_path, prefix=tmp_path / "elsewhere")  # by its site-packages
    assert not is_project_file(tmp_path / "bench" / "harness" / "runner.py", tmp_path, prefix=venv)
    assert not is_project_file(Path("relative.py"), tmp_path, prefix=venv)
