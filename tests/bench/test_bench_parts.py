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
from bench.metrics import code_metrics
from bench.metrics.source_metrics import nesting_depth
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


def test_file_metrics_of_a_known_file(tmp_path):
    path = tmp_path / "pkg" / "mod.py"
    path.parent.mkdir()
    path.write_text(SAMPLE)
    metrics = code_metrics.file_metrics(path, tmp_path)
    assert metrics["path"] == "pkg/mod.py"
    # outer > inner > for > if = 4 levels; Box.size: def > if/elif chain > else > while = 3 (class adds none)
    assert metrics["max_nesting"] == 4
    assert metrics["nested_functions"] == 1  # inner
    assert metrics["functions"] == 3  # outer, inner, size
    # complexity = 1 + decision points: outer 1; inner 1 + for + if = 3; size 1 + if + elif + while = 4
    assert sorted(metrics["cc_values"]) == [1, 3, 4]
    assert metrics["cc_max"] == 4 and metrics["cc_mean"] == round(8 / 3, 2)
    assert metrics["comments"] == 1
    code_lines = [ln for ln in SAMPLE.splitlines() if ln.strip() and not ln.strip().startswith('"""')]
    assert metrics["sloc"] == len(code_lines)


def test_nesting_of_flat_code_is_zero():
    assert nesting_depth(ast.parse("x = 1\ny = x + 1\n").body) == 0


def test_trainer_files_are_split_into_core_adapters_and_glue(tmp_path):
    pkg = tmp_path / "jax_ppo"
    pkg.mkdir()
    for name in (
        "train.py", "losses.py", "networks.py", "normalization.py", "run.py", "__main__.py", "gym_train.py",
        "warp_env.py",
    ):  # fmt: skip
        (pkg / name).write_text("def f():\n    return 1\n")
    parts = code_metrics.package_files("jax_ppo", tmp_path)
    assert {part: [p.name for p in paths] for part, paths in parts.items()} == {
        "core": ["losses.py", "networks.py", "train.py"],
        "adapters": ["normalization.py", "warp_env.py"],
        "glue": ["__main__.py", "run.py"],
        "jax-gym": ["gym_train.py"],
    }


def test_loc_stores_one_record_per_implementation(bench, capsys):
    assert bench.main("--store", str(bench.store_path), "loc") == 0
    records = read_records(bench.store_path, record_type="code_metrics")
    assert [r["implementation"] for r in records] == list(code_metrics.IMPLEMENTATIONS)
    for record in records:
        assert record["sloc"] == sum(f["sloc"] for f in record["files"])
        assert record["tool"] == "radon" and "git_commit" in record["provenance"]
    trainers = [r for r in records if r["implementation"] in ("jax_ppo", "torch_ppo")]
    for record in trainers:  # the core is the algorithm only: measurement and CLI are another part
        assert record["part"] == "core"
        assert sorted(Path(f["path"]).name for f in record["files"]) == [
            "losses.py",
            "networks.py",
            "train.py",
        ]
        glue = [Path(f["path"]).name for f in record["parts"]["glue"]["files"]]
        assert "run.py" in glue and "__main__.py" in glue
    out = capsys.readouterr().out
    assert (
        "jax_ppo [core] TOTAL" in out
        and "jax_ppo [glue] TOTAL" in out
        and "shared_spec [shared] TOTAL" in out
    )


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
    assert {r["record_type"] for r in read_records(bench.store_path)} == {
        "run",
        "code_metrics",
        "field_code_metrics",
    }
    (field,) = read_records(bench.store_path, record_type="field_code_metrics")  # offline: why, not a failure
    assert field["status"] == "not_measured" and "cannot download" in field["reason"]
    captured = capsys.readouterr()
    assert str(out.resolve()) in captured.out and "total wall time" in captured.err


def test_all_runs_control_contenders_once_and_tolerates_an_unavailable_one(bench, tmp_path, monkeypatch):
    def fake(name: str, script: str) -> Contender:
        return Contender(name, (str(Path(__file__).parent / "fake_contenders" / f"{script}.py"),))

    table = {name: fake(name, "ok") for name in ("ok", "torch-compile", "torch-brax")}
    table["brax-ppo"] = fake("brax-ppo", "unavailable")
    monkeypatch.setattr(
        all_command, "run_quick_controls", lambda args, argv: 0
    )  # the real sweeps: test_controls.py
    monkeypatch.setattr(
        report_command, "render_report", lambda store, out, **_: out.write_text("report") and out
    )
    argv = ["--store", str(bench.store_path), "all", "--preset", "smoke", "--device", "cpu", "--seeds", "2",
            "--contenders", "ok", "--logs-dir", str(bench.logs), "--out", str(tmp_path / "index.html"),
            "--cache", str(tmp_path / "field-code")]  # fmt: skip
    assert main(argv, contenders=table) == 0
    runs = read_records(bench.store_path, record_type="run")
    assert [(r["contender"], r["seed"], r["status"]) for r in runs] == [
        ("ok", 0, "ok"), ("ok", 1, "ok"),
        ("torch-compile", 0, "ok"), ("torch-brax", 0, "ok"), ("brax-ppo", 0, "failed"),
    ]  # fmt: skip
    assert runs[-1]["exit_code"] == EXIT_UNAVAILABLE and "brax.training unusable" in runs[-1]["error"]

    table["torch-brax"] = fake("torch-brax", "crash")  # a real failure of a control still fails the bench
    assert main([*argv, "--force"], contenders=table) == 1
