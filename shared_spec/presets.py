"""Named presets: TOML files in `shared_spec/presets/`, each a description plus spec field values.

A preset file holds a top-level `description` string and a `[spec]` table; every key of `[spec]` must be a
PPOSpec field. Fields a preset leaves out take PPOSpec's defaults, which are the shared defaults of both sides.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared_spec.spec import PPOSpec, SpecError, build_spec, parse_override

PRESET_DIR = Path(__file__).parent / "presets"


@dataclass(frozen=True)
class Preset:
    """A named, described set of spec values."""

    name: str
    description: str
    values: dict


def preset_names() -> list[str]:
    """Names of the preset files, sorted."""
    return sorted(path.stem for path in PRESET_DIR.glob("*.toml"))


def load_preset(name: str, preset_dir: Path = PRESET_DIR) -> Preset:
    """Read preset `name`; a missing or malformed file is a SpecError naming it."""
    path = preset_dir / f"{name}.toml"
    if not path.is_file():
        available = ", ".join(sorted(p.stem for p in preset_dir.glob("*.toml")))
        raise SpecError("preset", name, f"one of: {available}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise SpecError("preset", name, f"valid TOML in {path} ({err})") from None
    unknown_top = set(data) - {"description", "spec"}
    if unknown_top or not isinstance(data.get("spec"), dict):
        raise SpecError("preset", name, f"a file with a 'description' string and a [spec] table ({path})")
    return Preset(name=name, description=str(data.get("description", "")), values=data["spec"])


def resolve_spec(preset: str, overrides: Iterable[str] = (), preset_dir: Path = PRESET_DIR) -> PPOSpec:
    """The validated spec of `preset` with `--set key=value` overrides applied in order."""
    values = dict(load_preset(preset, preset_dir).values)
    for text in overrides:
        name, value = parse_override(text)
        values[name] = value
    return build_spec(values)
