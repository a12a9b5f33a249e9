"""Parts of the harness on their own: contender table, device choice, result parsing, code metrics, `all`."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

from bench.commands import all as all_command
from bench.commands import main
from bench.commands import report as report_command
from bench.harness import devices
from bench.harness.contenders import (
    CONTENDERS,
    CONTROL_CONTENDERS,
    MAIN_CONTENDERS,
    Contender,
    UnknownContenderError,
    build_argv,
    parse_contenders,
)
from bench.harness.records import parse_result_line
from bench.harness.store import read_records
from bench.metrics.field_code import classify, load_table
from bench.metrics.source_metrics import Source, function_complexities, measure, nesting_depth
from bench.report.settings import CONTENDER_COLORS, CONTENDER_ORDER, DEBATE_PAIR, UNKNOWN_COLOR
from shared_spec.exit_codes import EXIT_UNAVAILABLE


def test_contender_table_matches_the_trainer_cli():
    expected = {
        "jax": ["-m", "jax_ppo"],
        "jax-vmap": ["-m", "jax_ppo"],
        "torch": ["-m", "torch_ppo"],
        "torch-compile": ["-m", "torch_ppo", "--compile"],
        "torch-brax": ["-m", "torch_ppo", "--env-backend", "brax"],
        "torch-brax-compile": ["-m", "torch_ppo", "--env-backend", "brax", "--compile"],
        "brax-ppo": ["-m", "baselines.brax_ppo"],
    }
    for name, args in expected.items():
        argv = build_argv(CONTENDERS[name], "smoke", 4, ["device=cpu", "learning_rate=0.001"], num_seeds=3)
        tail = ["--preset", "smoke", "--seed", "4"]
        tail += ["--vmap-seeds", "3"] if name == "jax-vmap" else []
        assert argv == [sys.executable, *args, *tail, "--set", "device=cpu", "--set", "learning_rate=0.001"]
    assert set(MAIN_CONTENDERS) <= set(CONTENDERS)


def test_contender_lists_order_and_colours_cover_the_table():
    assert set(CONTROL_CONTENDERS) <= set(CONTENDERS) and set(DEBATE_PAIR) <= set(MAIN_CONTENDERS)
    assert sorted(CONTENDER_ORDER) == sorted(CONTENDERS) and set(CONTENDER_COLORS) == set(CONTENDERS)
    assert len(set(CONTENDER_COLORS.values())) == len(CONTENDERS)  # every contender tells apart in a figure
    assert UNKNOWN_COLOR not in CONTENDER_COLORS.values()


def test_parse_contenders_keeps_order_and_rejects_unknown():
    assert [c.name for c in parse_contenders("torch, jax,torch")] == ["torch", "jax"]
    with pytest.raises(UnknownContenderError, match="allowed: jax, jax-vmap"):
        parse_contenders("jax,tensorflow")


def test_device_choice_without_gpu(monkeypatch):
    monkeypatch.setattr(devices, "gpu_names", lambda: [])
    monkeypatch.setattr(devices, "framework_sees_gpu", lambda name: pytest.fail("probed without a GPU"))
    auto = devices.select_device("auto")
    assert (auto.kind, auto.fallback) == ("cpu", True) and "no GPU" in auto.reason
    assert devices.select_device("cpu").fallback is False
    with pytest.raises(devices.DeviceError, match="--device"):
        devices.select_device("gpu")


@pytest.mark.parametrize(("blind", "kind"), [(set(), "gpu"), ({"torch"}, "cpu")])
def test_device_auto_needs_both_frameworks(monkeypatch, blind, kind):
    monkeypatch.setattr(devices, "gpu_names", lambda: ["Fake GPU"])
    monkeypatch.setattr(devices, "framework_sees_gpu", lambda name: name not in blind)
    choice = devices.select_device("auto")
    assert choice.kind == kind and choice.fallback is (kind == "cpu")
    if blind:
        assert "torch" in choice.reason


def test_parse_result_line_takes_the_last_json_object():
    stdout = 'noise\n{"a": 1}\n[1, 2]\n{"a": 2}\n{"a": 3, "trunc\nbye\n'
    assert parse_result_line(stdout) == {"a": 2}
    assert parse_result_line("no json here\n") is None


SAMPLE = textwrap.dedent(
    '''
    """Module doc."""
    import os  # a comment


    def outer(x):
        def inner(y):
            for i in range(y):
                if i:
                    return i
            return 0

        return inner(x)


    class Box:
        def size(self, n):
            if n > 1:
                return 1
            elif n > 0:
                return 2
            else:
                while n:
                    n += 1
            return 0
    '''
)


def test_the_one_rule_on_a_known_file():
    metrics = measure([Source("pkg/mod.py", SAMPLE)])
    # outer > inner > for > if = 4 levels; Box.size: def > if/elif chain > else > while = 3 (class adds none)
    assert metrics["max_nesting"] == 4
    assert metrics["closures"] == 1  # inner
    # complexity = 1 + decision points: outer 1; inner 1 + for + if = 3; size 1 + if + elif + while = 4
    assert sorted(function_complexities(SAMPLE)) == [1, 3, 4] and metrics["cyclomatic_max"] == 4
    code_lines = [ln for ln in SAMPLE.splitlines() if ln.strip() and not ln.strip().startswith('"""')]
    assert metrics["sloc"] == len(code_lines)


def test_nesting_of_flat_code_is_zero():
    assert nesting_depth(ast.parse("x = 1\ny = x + 1\n").body) == 0


def test_a_classification_counts_the_files_its_patterns_match_tests_never(tmp_path):
    pkg = tmp_path / "jax_ppo"
    (pkg / "tests").mkdir(parents=True)
    for name in ("train.py", "losses.py", "networks.py", "run.py", "__main__.py", "tests/test_train.py"):
        (pkg / name).write_text("def f():\n    return 1\n")
    core = load_table()["project"]["classification"]["core"]
    assert [p.name for p in classify(pkg, core)[0]] == ["losses.py", "networks.py", "train.py"]
    assert "test_train.py" not in [p.name for p in classify(pkg, ["**/*.py"])[0]]


def test_code_stores_one_record_per_implementation_and_classification(bench, capsys):
    assert bench.main("--store", str(bench.store_path), "code", "--project-only") == 0
    records = read_records(bench.store_path, record_type="code_metrics")
    table = load_table()["project"]
    expected = [(p, c) for c in table["classification"] for p in ("jax_ppo", "torch_ppo")]
    expected += [(p, "shared") for p in table["shared"]]
    assert [(r["implementation"], r["classification"]) for r in records] == expected
    for record in records:
        assert record["package"] == "ppo-bench" and "git_commit" in record["provenance"]
    core = [r for r in records if r["classification"] == "core"]
    for record in core:  # the core is the algorithm only: measurement and CLI count in `package`
        assert sorted(Path(f).name for f in record["files"]) == ["losses.py", "networks.py", "train.py"]
    whole = next(r for r in records if r["classification"] == "package" and r["implementation"] == "jax_ppo")
    assert {"run.py", "__main__.py"} <= {Path(f).name for f in whole["files"]}
    assert "shared_spec" in capsys.readouterr().out


def _run_all(bench, out: Path) -> int:
    return bench.main(
        "--store", str(bench.store_path), "all", "--preset", "smoke", "--device", "cpu", "--seeds", "1",
        "--contenders", "ok", "--logs-dir", str(bench.logs), "--out", str(out), "--no-controls",
        "--cache", str(out.parent / "field-code"),
    )  # fmt: skip


def test_all_runs_measures_and_renders(bench, tmp_path, monkeypatch, capsys):
    rendered = []

    def render_report(store_path: Path, out_path: Path, include_loaded: bool = False) -> Path:
        rendered.append((store_path, out_path))
        out_path.write_text("report")
        return out_path

    monkeypatch.setattr(report_command, "render_report", render_report)
    out = tmp_path / "index.html"
    assert _run_all(bench, out) == 0
    assert rendered == [(bench.store_path, out)]
    assert {r["record_type"] for r in read_records(bench.store_path)} == {"run", "code_metrics"}
    code = read_records(bench.store_path, record_type="code_metrics")
    (field,) = [r for r in code if r["status"] == "not_measured"]  # offline: why, not a failure
    assert "cannot download" in field["reason"]
    assert {r["implementation"] for r in code if r["status"] == "ok"} >= {"jax_ppo", "torch_ppo"}
    captured = capsys.readouterr()
    assert str(out.resolve()) in captured.out and "total wall time" in captured.err


def test_all_runs_the_reference_with_every_seed_and_tolerates_it_unavailable(bench, tmp_path, monkeypatch):
    """jax's reference (brax-ppo, fairness rule 3) runs in the main rounds, paired in time; the controls once."""

    def fake(name: str, script: str) -> Contender:
        return Contender(name, (str(Path(__file__).parent / "fake_contenders" / f"{script}.py"),))

    table = {name: fake(name, "ok") for name in ("jax", "torch-compile", "torch-brax")}
    table["brax-ppo"] = fake("brax-ppo", "unavailable")
    monkeypatch.setattr(
        all_command, "run_quick_controls", lambda args, argv, device: 0
    )  # the real sweeps: test_controls.py
    monkeypatch.setattr(
        report_command, "render_report", lambda store, out, **_: out.write_text("report") and out
    )
    argv = ["--store", str(bench.store_path), "all", "--preset", "smoke", "--device", "cpu", "--seeds", "2",
            "--contenders", "jax", "--logs-dir", str(bench.logs), "--out", str(tmp_path / "index.html"),
            "--cache", str(tmp_path / "field-code")]  # fmt: skip
    assert main(argv, contenders=table) == 0
    runs = read_records(bench.store_path, record_type="run")
    assert [(r["contender"], r["seed"], r["status"], r["round"]) for r in runs] == [
        ("jax", 0, "ok", 0), ("brax-ppo", 0, "failed", 0), ("brax-ppo", 1, "failed", 1), ("jax", 1, "ok", 1),
        ("torch-compile", 0, "ok", 0), ("torch-brax", 0, "ok", 0),
    ]  # fmt: skip
    unavailable = [r for r in runs if r["contender"] == "brax-ppo"]
    assert all(
        r["exit_code"] == EXIT_UNAVAILABLE and "brax.training unusable" in r["error"] for r in unavailable
    )

    table["torch-brax"] = fake("torch-brax", "crash")  # a real failure of a control still fails the bench
    assert main([*argv, "--force"], contenders=table) == 1
