"""The report's one model per render: the store read, superseded runs set apart, runs grouped and summarised,
each group's framework x simulator matrix and the code claims, all computed once (`build_model`).

Every section and figure is a view of it, as asv's pages are views of its one results model: nothing below
groups, summarises or rebuilds the matrix again.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.report.data import GroupKey, Run, Store, group_runs
from bench.report.debate import CodeClaims, code_claims
from bench.report.matrix import MatrixView, matrix_view
from bench.report.render import cell
from bench.report.scale import Family, scale_families
from bench.report.tables import Summary, summarize
from shared_spec.tasks import TASKS


@dataclass(frozen=True)
class Group:
    """One group (source, hardware, preset, task, spec, code versions): its runs, summaries and matrix."""

    key: GroupKey
    runs: list[Run]
    summaries: list[Summary]
    matrix: MatrixView

    @property
    def label(self) -> str:
        """The caption every figure and table of the group carries (`cells.group`)."""
        return cell("group", self.key)

    @property
    def threshold(self) -> float | None:
        """The task's return threshold; None for a task the registry does not know (an old record)."""
        task = TASKS.get(self.key[3])
        return None if task is None else task.return_threshold


@dataclass(frozen=True)
class ReportModel:
    store: Store
    seed: int
    """Fixes every bootstrap: the same store renders the same numbers."""
    groups: tuple[Group, ...]
    """Local groups first, in a stable order (`data.group_runs`)."""
    code: CodeClaims
    scale: tuple[Family, ...] = ()
    """Every scale sweep (`bench scale`); its runs are no group of their own."""

    @property
    def matrices(self) -> tuple[MatrixView, ...]:
        """The matrix of every group with an ok run of a matrix contender."""
        return tuple(g.matrix for g in self.groups if any(c.summary for row in g.matrix.cells for c in row))


def build_model(store: Store, seed: int = 0) -> ReportModel:
    groups = []
    for key, runs in group_runs([r for r in store.runs if r.record.sweep_point is None]).items():
        summaries = summarize(runs)
        groups.append(Group(key, runs, summaries, matrix_view(key, summaries)))
    return ReportModel(store, seed, tuple(groups), code_claims(store), scale_families(store))
