"""`bench code`: the one metric rule on hand-counted fixtures, the classification rule, archives checked by hash
(fixture archives built here: no network), and no third-party source in git."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from radon.metrics import h_visit

from bench.commands import main
from bench.harness.provenance import REPO_ROOT
from bench.harness.store import read_records
from bench.metrics import field_code
from bench.metrics.source_metrics import Source, concept_lists, measure
from bench.report.field_code import pair_ratios

BRANCHY = """
def f(xs, flag):
    total = 0
    for x in xs:
        if x > 0 and flag:
            total += x
        elif x < 0:
            total -= x
    return total
"""
# Cognitive (SonarSource rule): for +1; if nested in the for +2; `and` +1; elif +1 -> 5.
# Cyclomatic: 1 (the function) + for + if + and + elif -> 5. Nesting: def > for > if (elif: same level) -> 3.

CLOSURES = """
def outer():
    def inner():
        def innermost():
            return 1
        return innermost
    return inner

square = lambda v: v * v

class C:
    def method(self):
        def helper():
            return 2
        return helper
"""
# Closures: inner, innermost, helper -> 3 (methods are not closures, lambdas are not counted).

JAX_SNIPPET = """
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import linen as nn
from jax import lax


class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(4)(x)


@jax.jit
def step(params, xs, loss, body):
    grads = jax.grad(loss)(params)
    ys = jax.vmap(jnp.tanh)(xs)
    total = jnp.sum(ys) + jnp.sum(xs)
    carry, _ = lax.scan(body, 0.0, xs)
    opt = optax.adam(1e-3)
    key = jax.random.split(jax.random.PRNGKey(0))
    for _ in range(3):
        total = total + np.ones(3).sum()
    return jnp.mean(xs).sum(), grads, carry, opt, key
"""
JAX_NAMES = [
    "flax.linen.Dense", "flax.linen.Module", "flax.linen.compact", "jax.grad", "jax.jit", "jax.lax.scan",
    "jax.numpy.mean", "jax.numpy.sum", "jax.numpy.tanh", "jax.random.PRNGKey", "jax.random.split", "jax.vmap",
    "optax.adam",
]  # fmt: skip
# numpy is no framework; `.sum()` on an array needs types and is not seen. Transforms: jit, grad, vmap, scan.

TORCH_SNIPPET = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.distributions import Normal


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return F.relu(self.fc(x))


def update(net, xs):
    opt = optim.Adam(net.parameters())
    for x in xs:
        loss = -Normal(net(x), 1.0).log_prob(x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        y = torch.zeros(3) + torch.zeros(3)
    while False:
        pass
    return torch.compile(net), y
"""
TORCH_NAMES = [
    "torch.compile", "torch.distributions.Normal", "torch.nn.Linear", "torch.nn.Module",
    "torch.nn.functional.relu", "torch.no_grad", "torch.optim.Adam", "torch.zeros",
]  # fmt: skip


def test_complexity_nesting_and_length_of_a_known_function():
    m = measure([Source("f.py", BRANCHY)])
    assert (m["cognitive"], m["cognitive_max"]) == (5, 5)
    assert (m["cyclomatic"], m["cyclomatic_max"]) == (5, 5)
    assert m["max_nesting"] == 3
    assert m["sloc"] == 8
    assert m["python_loops"] == 1 and m["closures"] == 0 and m["vocabulary"] == 0


def test_closures_are_nested_defs_not_methods_or_lambdas():
    assert measure([Source("c.py", CLOSURES)])["closures"] == 3


def test_halstead_pooled_over_one_file_is_radons():
    total = h_visit(BRANCHY).total
    m = measure([Source("f.py", BRANCHY)])
    assert m["halstead_volume"] == round(total.volume, 1)
    assert m["halstead_difficulty"] == round(total.difficulty, 1)


def test_vocabulary_and_transforms_of_a_jax_snippet():
    m = measure([Source("jax_snippet.py", JAX_SNIPPET)])
    assert m["vocabulary_names"] == JAX_NAMES
    assert (m["vocabulary"], m["transforms"], m["python_loops"]) == (13, 4, 1)


def test_vocabulary_and_transforms_of_a_torch_snippet():
    m = measure([Source("torch_snippet.py", TORCH_SNIPPET)])
    assert m["vocabulary_names"] == TORCH_NAMES
    assert (m["vocabulary"], m["transforms"], m["python_loops"]) == (8, 1, 2)


def test_a_named_selection_counts_only_that_definition():
    whole = measure([Source("t.py", TORCH_SNIPPET)])
    net = measure([Source("t.py", TORCH_SNIPPET, ("Net",))])
    assert net["vocabulary_names"] == ["torch.nn.Linear", "torch.nn.Module", "torch.nn.functional.relu"]
    assert net["sloc"] == 6 and net["python_loops"] == 0 and whole["sloc"] > net["sloc"]
    with pytest.raises(ValueError, match="no top-level Missing"):
        measure([Source("t.py", TORCH_SNIPPET, ("Missing",))])


def test_classification_excludes_test_helpers_and_notes_absent_files(tmp_path):
    package = tmp_path / "jax_ppo"
    for name in ("train.py", "losses.py", "test_helper.py", "conftest.py", "parity_test.py", "tests/t.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("x = 1\n")
    files, absent = field_code.classify(package, ["**/*.py"])
    assert [p.name for p in files] == ["losses.py", "train.py"]
    files, absent = field_code.classify(package, ["train.py", "normalization.py", "test_helper.py"])
    assert [p.name for p in files] == ["train.py"] and absent == ["normalization.py"]


def test_this_projects_pair_is_measured_under_each_classification():
    rows = field_code.measure_project(field_code.load_table(), REPO_ROOT)
    project = field_code.load_table()["project"]
    table = project["classification"]
    assert [(r["classification"], r["framework"]) for r in rows] == [
        (c, fw) for c in table for fw in ("jax", "torch")
    ] + [("shared", "shared")] * len(project["shared"])
    assert not any("tests/" in f for r in rows for f in r["files"])
    for r in rows:  # whatever files the trainers hold today: each listed or absent, under its own package
        assert all(f.startswith(f"{r['implementation']}/") for f in r["files"])
        if r["classification"] == "core":
            named = {Path(f).name for f in r["files"]} | set(r["absent"])
            assert named == set(table["core"])


# Fixture archives: a wheel (a zip) per framework and an sdist (files under one top folder).
def _wheel(path: Path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)


def _sdist(path: Path, top: str, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.fixture
def fixture_table(tmp_path, monkeypatch) -> Path:
    """Two archives of a fake pair in tmp/archives and a table declaring them with their real hashes."""
    archives = tmp_path / "archives"
    archives.mkdir()
    _wheel(archives / "fakejax-1.0-py3-none-any.whl", {"fakejax/ppo.py": JAX_SNIPPET})
    _sdist(archives / "faketorch-2.0.tar.gz", "faketorch-2.0", {"faketorch/ppo.py": TORCH_SNIPPET})
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in archives.iterdir()}
    table = tmp_path / "field_code.toml"
    table.write_text(
        f"""
[[archive]]
package = "fakejax"
version = "1.0"
filename = "fakejax-1.0-py3-none-any.whl"
sha256 = "{digest["fakejax-1.0-py3-none-any.whl"]}"

[[archive]]
package = "faketorch"
version = "2.0"
filename = "faketorch-2.0.tar.gz"
sha256 = "{digest["faketorch-2.0.tar.gz"]}"

[[implementation]]
name = "fake-jax"
package = "fakejax"
framework = "jax"
pair = "fake pair"
files = ["fakejax/ppo.py"]
counts = "the snippet"

[[implementation]]
name = "fake-torch"
package = "faketorch"
framework = "torch"
pair = "fake pair"
files = ["faketorch/ppo.py::Net,update"]
counts = "the snippet"

[project]
jax = "jax_ppo"
torch = "torch_ppo"
pair = "ppo-bench (this project)"
shared = ["shared_spec"]

[project.classification]
core = ["networks.py", "losses.py", "train.py"]
"""
    )
    monkeypatch.setattr(field_code, "TABLE", table)
    return archives


def test_code_measures_declared_archives_into_the_store(fixture_table, tmp_path, capsys):
    store = tmp_path / "results.jsonl"
    assert main(["--store", str(store), "code", "--from", str(fixture_table)]) == 0
    rows = read_records(store, record_type="code_metrics")
    field = {r["implementation"]: r for r in rows if r["package"] != "ppo-bench"}
    assert (
        field["fake-torch"]["version"] == "2.0" and field["fake-torch"]["archive"] == "faketorch-2.0.tar.gz"
    )
    assert (
        field["fake-jax"]["sha256"]
        == hashlib.sha256((fixture_table / "fakejax-1.0-py3-none-any.whl").read_bytes()).hexdigest()
    )
    assert (field["fake-jax"]["vocabulary"], field["fake-torch"]["vocabulary"]) == (13, 8)
    assert [r["classification"] for r in rows if r["package"] == "ppo-bench"] == ["core", "core", "shared"]
    (ratio,) = [r for r in pair_ratios(rows) if r["pair"] == "fake pair"]
    assert ratio["vocabulary"] == round(13 / 8, 2)
    assert "fake-jax" in capsys.readouterr().out


def _one_error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_a_tampered_archive_is_one_line_and_exit_2(fixture_table, tmp_path, capsys):
    wheel = fixture_table / "fakejax-1.0-py3-none-any.whl"
    _wheel(wheel, {"fakejax/ppo.py": JAX_SNIPPET + "\nx = 1\n"})
    with pytest.raises(SystemExit) as stop:
        main(["--store", str(tmp_path / "r.jsonl"), "code", "--from", str(fixture_table)])
    assert stop.value.code == 2
    assert "fakejax 1.0" in _one_error_line(capsys)
    assert not (tmp_path / "r.jsonl").exists()


def test_offline_with_no_archive_is_one_line_and_exit_2(fixture_table, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit) as stop:
        main(["--store", str(tmp_path / "r.jsonl"), "code", "--from", str(empty)])
    assert stop.value.code == 2 and "fakejax 1.0" in _one_error_line(capsys)
    with pytest.raises(SystemExit) as stop:  # no --from, empty cache, download fails (conftest: offline)
        main(["--store", str(tmp_path / "r.jsonl"), "code", "--cache", str(tmp_path / "cache")])
    assert stop.value.code == 2 and "cannot download" in _one_error_line(capsys)


def test_the_declared_table_has_four_pairs_and_minppo():
    table = field_code.load_table()
    frameworks: dict[str, set[str]] = {}
    for impl in table["implementation"]:
        frameworks.setdefault(impl["pair"], set()).add(impl["framework"])
    assert sum(sides == {"jax", "torch"} for sides in frameworks.values()) >= 4
    assert any(impl["package"] == "minppo" for impl in table["implementation"])
    assert all(len(a["sha256"]) == 64 and int(a["sha256"], 16) >= 0 for a in table["archive"])


def test_no_third_party_source_is_tracked_in_git():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    table = field_code.load_table()
    field_paths = {entry.split("::")[0] for impl in table["implementation"] for entry in impl["files"]}
    archives = {a["filename"] for a in table["archive"]}
    roots = (
        "sbx/",
        "skrl/",
        "stable_baselines3/",
        "rsl_rl/",
        "brax/training",
        "rejax/",
        "minppo/",
        "cleanrl/",
    )
    assert not [p for p in tracked if any(p.endswith(f) for f in field_paths) or Path(p).name in archives]
    assert not [p for p in tracked if any(root in p for root in roots)]
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(field_code.DEFAULT_CACHE / "x.whl")], cwd=REPO_ROOT, check=False
    )
    assert ignored.returncode == 0  # the default cache is git-ignored


def test_concepts_see_the_method_calls_the_vocabulary_misses():
    m = measure([Source("torch_snippet.py", TORCH_SNIPPET)])
    assert "torch.Tensor.backward" not in m["vocabulary_names"]  # loss.backward(): no import reaches it
    assert "autograd graph: backward, requires_grad, detach, no_grad" in m["concept_names"]
    assert (
        "optimizer state stepped in place, gradients zeroed by hand" in m["concept_names"]
    )  # opt.zero_grad()
    assert m["concepts"] == len(m["concept_names"]) and not any("PRNG" in c for c in m["concept_names"])
    jax = measure([Source("jax_snippet.py", JAX_SNIPPET)])
    assert any("PRNG" in c for c in jax["concept_names"]) and not any(
        "autograd" in c for c in jax["concept_names"]
    )


def test_every_concept_has_a_source_and_a_marker():
    for framework, items in concept_lists().items():
        assert framework in ("jax", "torch")
        for item in items:
            assert item["source"].startswith("https://") and (item.get("names") or item.get("methods"))
