"""One typed, versioned class per record type, used to write and to read the store (asv's results class).

`append_record` writes `cls.from_json(record, strict=True).to_json()`: a field of the wrong type is an error
naming it. Readers get `cls.from_json(line)`: every named field present with its type (a wrong-typed value of
an odd old line reads as its default, so one bad line never stops a report). Fields a newer writer adds and
this version does not name (a branch's `loaded`, say) ride along in `more`, written back unchanged. A change
of a field's meaning bumps `STORE_SCHEMA_VERSION` and gets a step in `migrate.py`; stores are migrated once.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

STORE_SCHEMA_VERSION = 2
"""2: one code-metrics record type (`code_metrics`, one rule); stores of version 1 are migrated once
(`python -m bench.harness.migrate`)."""

Number = float | None
"""A measured figure: JSON gives ints and floats; absent or unmeasured: None."""


@dataclass(kw_only=True)
class Record:
    """What every record carries: its provenance (`provenance.append_measured`), the store's schema version,
    and the fields this version does not name."""

    RECORD_TYPE: ClassVar[str] = ""
    provenance: dict[str, Any] = field(default_factory=dict)
    store_schema_version: int = STORE_SCHEMA_VERSION
    more: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], strict: bool = False) -> Self:
        """The record of a JSON object; `strict` (writing): a named field of the wrong type is a ValueError."""
        hints, named = _hints(cls), {f.name for f in fields(cls)} - {"more"}
        values = {}
        for name in named & data.keys():
            if _accepts(hints[name], data[name]):
                values[name] = data[name]
            elif strict:
                raise ValueError(f"{cls.RECORD_TYPE}.{name}: got {data[name]!r}; allowed: {hints[name]}")
        more = {k: v for k, v in data.items() if k not in named and k != "record_type"}
        return cls(**values, more=more)

    def to_json(self) -> dict[str, Any]:
        named = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "more"}
        return {**self.more, **named, "record_type": self.RECORD_TYPE}

    def get(self, name: str, default: Any = None) -> Any:
        """A field by name, named or not (a table view picks its columns by name)."""
        value = getattr(self, name) if name in _names(type(self)) else self.more.get(name)
        return default if value is None else value


@dataclass(kw_only=True)
class RunRecord(Record):
    """One (contender, seed) run: the trainer's result line (`shared_spec.result.RunResult`) and what only the
    harness saw (`records.run_record`)."""

    RECORD_TYPE: ClassVar[str] = "run"
    contender: str = ""
    task: str = ""
    preset: str = ""
    spec_hash: str = ""
    seed: int | None = None
    num_seeds: int = 1
    device: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    status: str = ""
    error: str | None = None
    total_env_steps: Number = None
    startup_s: Number = None
    compile_s: Number = None
    first_update_s: Number = None
    sps: Number = None
    rollout_s: Number = None
    update_s: Number = None
    train_s: Number = None
    eval_s: Number = None
    wall_s: Number = None
    final_return: Number = None
    time_to_threshold_s: Number = None
    curve: list[Any] = field(default_factory=list)
    per_seed_final_return: list[Any] | None = None
    versions: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    schema_version: int = 1
    exit_code: int | None = None
    timed_out: bool = False
    peak_rss_mb: Number = None
    peak_device_mb: Number = None
    harness_wall_s: Number = None
    error_tail: str | None = None
    result_parsed: bool = False
    code_version: str = ""
    code_version_missed: list[Any] | None = None
    round: int | None = None
    position_in_round: int = 0
    sweep_point: dict[str, Any] | None = None
    """`bench scale`'s point (num_envs, num_steps, hidden, batch_size); None outside a scale sweep."""


@dataclass(kw_only=True)
class CodeMetricsRecord(Record):
    """One implementation under one classification, measured by `source_metrics` (`bench code`), or why the
    field was not measured (`status` "not_measured", `reason`)."""

    RECORD_TYPE: ClassVar[str] = "code_metrics"
    status: str = "ok"
    reason: str | None = None
    implementation: str = ""
    package: str = ""
    version: str | None = None
    framework: str | None = None
    pair: str | None = None
    classification: str | None = None
    counts: str | None = None
    files: list[Any] = field(default_factory=list)
    absent: list[Any] = field(default_factory=list)
    sloc: Number = None
    max_nesting: Number = None
    closures: Number = None
    cyclomatic_max: Number = None


@dataclass(kw_only=True)
class ControlRecord(Record):
    """One point of a control sweep: how it ended and where it ran."""

    status: str = "ok"
    error: str | None = None
    device: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class EnvThroughputRecord(ControlRecord):
    RECORD_TYPE: ClassVar[str] = "env_throughput"
    simulator: str = ""
    backend: str = ""
    task: str = ""
    num_envs: int | None = None
    steps_per_s: Number = None
    compile_s: Number = None


@dataclass(kw_only=True)
class LearnerThroughputRecord(ControlRecord):
    RECORD_TYPE: ClassVar[str] = "learner_throughput"
    framework: str = ""
    preset: str | None = None
    task: str | None = None
    batch_size: int | None = None
    hidden: list[Any] | None = None
    preset_shape: bool | None = None
    """The preset's own update shape (a table row only); None: a record from before the preset's point."""
    samples_per_s: Number = None
    updates_per_s: Number = None


@dataclass(kw_only=True)
class EnvParityRecord(Record):
    RECORD_TYPE: ClassVar[str] = "env_parity"
    backend: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    status: str = ""
    error: str | None = None


@dataclass(kw_only=True)
class HandoffRecord(Record):
    RECORD_TYPE: ClassVar[str] = "handoff"
    preset: str = ""
    num_envs: int | None = None
    ms_per_step: dict[str, Any] = field(default_factory=dict)
    not_fused_ms: Number = None
    handoff_and_torch_ms: Number = None
    device: dict[str, Any] = field(default_factory=dict)


RECORD_CLASSES: dict[str, type[Record]] = {
    cls.RECORD_TYPE: cls
    for cls in (
        RunRecord, CodeMetricsRecord, EnvThroughputRecord, LearnerThroughputRecord, EnvParityRecord, HandoffRecord,
    )
}  # fmt: skip


def record_class(data: Mapping[str, Any]) -> type[Record]:
    """The class of a record's `record_type` (a missing one: "run"); a ValueError naming the allowed ones."""
    record_type = data.get("record_type", "run")
    if record_type not in RECORD_CLASSES:
        raise ValueError(f"record_type: got {record_type!r}; allowed: {', '.join(RECORD_CLASSES)}")
    return RECORD_CLASSES[record_type]


@cache
def _hints(cls: type[Record]) -> dict[str, Any]:
    return get_type_hints(cls)


@cache
def _names(cls: type[Record]) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _accepts(hint: Any, value: Any) -> bool:
    """Whether a JSON value fits a field's type (an int fits a float; a bool is no number)."""
    if hint is Any:
        return True
    if get_origin(hint) in (Union, types.UnionType):
        return any(_accepts(arg, value) for arg in get_args(hint))
    if hint is type(None):
        return value is None
    base = get_origin(hint) or hint
    if base in (int, float):
        return isinstance(value, int if base is int else int | float) and not isinstance(value, bool)
    return isinstance(value, base)
