"""`python -m gpu.campaign PLAN` with fake contenders: priority order, parts and resume, the budget, give-up on
a failing contender, an unavailable one skipped, the store copied out after every step, a bad plan refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.harness.contenders import Contender
from bench.harness.store import read_records
from gpu.campaign import main
from shared_spec.exit_codes import EXIT_BAD_SPEC

PLAN = """
description = "test plan"
device = "cpu"
budget_s = 600
reserve_s = 0
min_run_s = 1
jax_cache = false

[[steps]]
name = "first"
part = "a"
preset = "smoke"
contenders = ["ok", "crash", "no-such-contender"]
rounds = 3

[[steps]]
name = "second"
part = "b"
preset = "smoke"
contenders = ["noisy-ok", "unavailable"]
rounds = 2

[[steps]]
name = "again"
part = "b"
preset = "smoke"
contenders = ["ok"]
rounds = 3

[[steps]]
name = "platform"
final = true
command = ["-m", "platform"]
cap_s = 30
"""


class Campaign:
    """The fakes' bench with `campaign` on a plan file, its output folder and its state folder."""

    def __init__(self, bench, root: Path, plan: str = PLAN) -> None:
        self.bench, self.out, self.state, self.plan = bench, root / "out", root / "state", root / "plan.toml"
        self.plan.write_text(plan)
        bench.table["unavailable"] = Contender("unavailable", (str(bench.fakes_dir / "unavailable.py"),))

    def __call__(self, *extra: str) -> int:
        argv = [str(self.plan), "--out", str(self.out), "--state", str(self.state), *extra]
        return main(argv, contenders=self.bench.table)

    def runs(self) -> list[tuple[str, int, str]]:
        return [
            (r["contender"], r["seed"], r["status"]) for r in read_records(self.out / "results.jsonl", "run")
        ]


@pytest.fixture
def campaign(bench, tmp_path: Path) -> Campaign:
    return Campaign(bench, tmp_path)


def test_parts_in_priority_order_give_up_and_resume(campaign, capsys) -> None:
    assert campaign("--part", "a") == 1  # crash failed
    assert campaign.runs() == [("ok", 0, "ok"), ("crash", 0, "failed"), ("ok", 1, "ok"), ("ok", 2, "ok")]
    printed = capsys.readouterr().out
    assert "run:crash:smoke:s1] SKIPPED: not started again: seed 0 did not end ok (failed)" in printed
    assert "run:no-such-contender] SKIPPED: not a contender of this tree" in printed
    assert "[platform] exit 0" in printed and "FAILED steps: run:crash:smoke:s0" in printed
    assert (campaign.state / "results.jsonl").read_text() == (campaign.out / "results.jsonl").read_text()

    assert campaign("--part", "b") == 0  # unavailable is a skip; `again` finds ok's seeds stored ok
    assert campaign.runs()[4:] == [
        ("noisy-ok", 0, "ok"), ("unavailable", 0, "failed"), ("noisy-ok", 1, "ok"),
    ]  # fmt: skip
    printed = capsys.readouterr().out
    assert "SKIPPED: unavailable on this install" in printed and "campaign: all steps ok" in printed
    assert (campaign.out / "logs.tar.gz").exists() and not (campaign.out / "logs").exists()


def test_first_seed_adds_rounds_after_the_stored_ones(campaign) -> None:
    assert campaign("--part", "b", "--first-seed", "5") == 0
    assert [seed for name, seed, _ in campaign.runs() if name == "ok"] == [5, 6, 7]


def test_a_spent_budget_skips_every_run_and_fails(campaign, capsys) -> None:
    assert campaign("--budget-s", "0") == 1
    assert not (campaign.out / "results.jsonl").exists()
    printed = capsys.readouterr().out
    assert (
        "run:ok:smoke:s0] SKIPPED: 0 s left of the budget, 1 s needed" in printed
        and "[platform] exit 0" in printed
    )  # final steps still run


def test_a_bad_plan_is_refused_with_one_line(bench, tmp_path: Path, capsys) -> None:
    campaign = Campaign(bench, tmp_path, PLAN.replace('part = "b"', 'part = "d"', 1))
    with pytest.raises(SystemExit) as err:
        campaign()
    assert err.value.code == EXIT_BAD_SPEC
    assert "error: steps[1].part: got 'd'; allowed: a, b, c, all" in capsys.readouterr().err
    campaign.plan.write_text(PLAN.replace("rounds = 3", "round = 3", 1))
    with pytest.raises(SystemExit):
        campaign()
    assert "steps[0].round: got 3; allowed keys:" in capsys.readouterr().err
