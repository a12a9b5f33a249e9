"""The shared spec: presets resolve, bad specs fail early with the field named, the hash is stable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shared_spec import PPOSpec, SpecError, build_spec, preset_names, resolve_spec
from shared_spec.presets import load_preset
from shared_spec.spec import field_docs, parse_override

REQUIRED_PRESETS = {"smoke", "cpu-quick", "hopper-1m", "gpu-brax"}


def test_required_presets_exist_and_validate() -> None:
    assert REQUIRED_PRESETS <= set(preset_names())
    for name in preset_names():
        spec = resolve_spec(name)
        assert spec.batch_size == spec.num_envs * spec.num_steps
        assert spec.num_updates % spec.num_evals == 0


def test_hopper_1m_is_cleanrl_shape() -> None:
    spec = resolve_spec("hopper-1m")
    assert (spec.task, spec.num_envs, spec.num_steps) == ("hopper", 1, 2048)
    assert (spec.num_minibatches, spec.update_epochs, spec.actor_hidden) == (32, 10, (64, 64))
    assert 1_000_000 <= spec.total_timesteps < 1_010_000


def test_derived_values() -> None:
    spec = build_spec(
        {"num_envs": 4, "num_steps": 64, "num_minibatches": 8, "total_timesteps": 2560, "num_evals": 5}
    )
    assert (spec.batch_size, spec.minibatch_size, spec.num_updates, spec.updates_per_eval) == (256, 32, 10, 2)


def test_every_field_has_a_doc() -> None:
    docs = field_docs()
    missing = [name for name in PPOSpec.__dataclass_fields__ if not docs.get(name)]
    assert missing == []


def test_overrides_are_typed() -> None:
    spec = resolve_spec(
        "smoke", ["learning_rate=1e-3", "anneal_lr=false", "actor_hidden=32,16", "num_envs=8"]
    )
    assert spec.learning_rate == pytest.approx(1e-3)
    assert spec.anneal_lr is False
    assert spec.actor_hidden == (32, 16)
    assert spec.num_envs == 8


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("learning_rate=-1", "learning_rate"),  # out of range
        ("gamma=1.5", "gamma"),  # out of range
        ("gae_lambda=-0.1", "gae_lambda"),
        ("num_envs=0", "num_envs"),
        ("num_minibatches=3", "num_minibatches"),  # batch does not split
        ("num_evals=3", "num_evals"),  # updates do not split into evaluation chunks
        ("total_timesteps=10", "total_timesteps"),  # less than one batch
        ("task=pong", "task"),  # unknown task
        ("brax_backend=warp", "brax_backend"),  # unknown backend
        ("device=tpu", "device"),  # unknown device
        ("activation=gelu", "activation"),
        ("matmul_precision=bf16", "matmul_precision"),  # float32 or tf32 only
        ("num_envs=four", "num_envs"),  # wrong type
        ("anneal_lr=maybe", "anneal_lr"),
        ("actor_hidden=a,b", "actor_hidden"),
        ("no_such_field=1", "no_such_field"),  # unknown key
        ("learning_rate", "--set"),  # not key=value
    ],
)
def test_bad_override_names_the_field(override: str, field: str) -> None:
    with pytest.raises(SpecError) as err:
        resolve_spec("smoke", [override])
    assert err.value.field == field
    assert field in str(err.value) and "allowed" in str(err.value)


def test_wrong_types_in_values_are_rejected() -> None:
    with pytest.raises(SpecError, match="num_envs"):
        build_spec({"num_envs": 2.5})
    with pytest.raises(SpecError, match="normalize_obs"):
        build_spec({"normalize_obs": 1})
    with pytest.raises(SpecError, match="unknown_key"):
        build_spec({"unknown_key": 1})


def test_missing_and_malformed_presets(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="preset"):
        load_preset("does-not-exist")
    (tmp_path / "broken.toml").write_text("this is = = not toml")
    with pytest.raises(SpecError, match="valid TOML"):
        load_preset("broken", tmp_path)
    (tmp_path / "notable.toml").write_text('description = "x"\nspec = 3\n')
    with pytest.raises(SpecError, match=r"\[spec\] table"):
        load_preset("notable", tmp_path)
    (tmp_path / "typo.toml").write_text('description = "x"\n[spec]\nlearning_rat = 0.1\n')
    with pytest.raises(SpecError, match="learning_rat"):
        resolve_spec("typo", preset_dir=tmp_path)


def test_spec_hash_stable_and_sensitive() -> None:
    spec = resolve_spec("smoke")
    assert spec.spec_hash() == resolve_spec("smoke").spec_hash()
    assert spec.replace(learning_rate=1e-3).spec_hash() != spec.spec_hash()
    assert spec.replace(actor_hidden=(64, 32)).spec_hash() != spec.spec_hash()
    # Same in a fresh interpreter (no dependence on PYTHONHASHSEED or dict order).
    code = "from shared_spec import resolve_spec; print(resolve_spec('smoke').spec_hash())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == spec.spec_hash()


def test_spec_is_frozen() -> None:
    spec = resolve_spec("smoke")
    with pytest.raises(AttributeError):
        spec.learning_rate = 1.0  # type: ignore[misc]


def test_parse_override_bool_spellings() -> None:
    assert parse_override("norm_adv=True") == ("norm_adv", True)
    assert parse_override("norm_adv=0") == ("norm_adv", False)
