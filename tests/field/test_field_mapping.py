"""Every spec field, for each third-party library: mapped (changing it changes what the library is given) or
listed in `unmapped` with a reason; and the learning-rate schedules reproduce CleanRL's per-update decay."""

from __future__ import annotations

import dataclasses

import pytest

from field.mapping import MAPPINGS
from field.sb3_family import CleanRLLinearSchedule
from field.skrl_family import JaxLinearDecay, torch_lr_lambda
from shared_spec.presets import resolve_spec
from shared_spec.spec import (
    ACTIVATIONS,
    BRAX_BACKENDS,
    DEVICES,
    MATMUL_PRECISIONS,
    MJX_IMPLS,
    VECTOR_ENVS,
    PPOSpec,
    SpecError,
)
from shared_spec.tasks import TASKS

BASE = resolve_spec("cpu-quick", [])
ALGORITHM_ONLY = {"network_init"}
"""What the algorithm fixes without a spec field, listed where a library builds it otherwise."""
CHOICES = {"task": sorted(TASKS), "brax_backend": BRAX_BACKENDS, "mjx_impl": MJX_IMPLS, "activation": ACTIVATIONS, "device": DEVICES,
           "vector_env": VECTOR_ENVS, "matmul_precision": MATMUL_PRECISIONS}  # fmt: skip


def other_value(spec: PPOSpec, name: str) -> PPOSpec:
    """`spec` with field `name` changed to another valid value."""
    value = getattr(spec, name)
    if isinstance(value, bool):
        candidates = [not value]
    elif name in CHOICES:
        candidates = [choice for choice in CHOICES[name] if choice != value]
    elif isinstance(value, tuple):
        candidates = [(32, 32), (128,)]
    elif isinstance(value, int):
        candidates = [value * 2, value // 2, value + 1]
    else:
        candidates = [value * 0.5, value * 0.9, 0.5]
    for candidate in candidates:
        try:
            changed = spec.replace(**{name: candidate})
        except SpecError:
            continue
        if changed != spec:
            return changed
    raise AssertionError(f"no other valid value for {name}")


@pytest.mark.parametrize("library", sorted(MAPPINGS))
@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(PPOSpec)])
def test_every_spec_field_is_mapped_or_listed_unmapped(library: str, name: str) -> None:
    mapping = MAPPINGS[library]
    kwargs, unmapped = mapping(BASE)
    changed_kwargs, changed_unmapped = mapping(other_value(BASE, name))
    listed = name in unmapped or name in changed_unmapped
    assert kwargs != changed_kwargs or listed, f"{library}: {name} neither reaches the library nor is listed"
    for reasons in (unmapped, changed_unmapped):
        assert set(reasons) <= {f.name for f in dataclasses.fields(PPOSpec)} | ALGORITHM_ONLY
        assert all(isinstance(reason, str) and len(reason) > 10 for reason in reasons.values())


@pytest.mark.parametrize("library", sorted(MAPPINGS))
def test_the_mapping_carries_the_spec_values(library: str) -> None:
    kwargs, _ = MAPPINGS[library](BASE)
    algo = kwargs["algo"]
    values = set(algo.values())
    for value in (BASE.num_steps, BASE.update_epochs, BASE.gamma, BASE.gae_lambda, BASE.clip_coef):
        assert value in values
    assert 0.5 * BASE.vf_coef in values  # the libraries' value loss has no factor 0.5; ours has
    assert kwargs["net"]["actor_hidden"] == list(BASE.actor_hidden) and kwargs["net"]["ortho_init"]
    assert kwargs["run"]["total_timesteps"] == BASE.num_updates * BASE.batch_size


def cleanrl_rates(spec: PPOSpec) -> list[float]:
    return [spec.learning_rate * (1 - u / spec.num_updates) for u in range(spec.num_updates)]


def test_sb3_schedule_gives_cleanrl_rate_per_update() -> None:
    kwargs, _ = MAPPINGS["sb3"](BASE)
    schedule, n = CleanRLLinearSchedule(**kwargs["lr"]), BASE.num_updates
    # SB3 calls the schedule before update u with progress_remaining = 1 - (u + 1) / n
    assert [schedule(1 - (u + 1) / n) for u in range(n)] == pytest.approx(cleanrl_rates(BASE))
    assert schedule(1.0) == BASE.learning_rate  # the optimizer's initial rate
    constant = CleanRLLinearSchedule(**MAPPINGS["sb3"](BASE.replace(anneal_lr=False))[0]["lr"])
    assert constant(0.3) == BASE.learning_rate


def test_skrl_schedules_give_cleanrl_rate_per_update() -> None:
    n, epochs = BASE.num_updates, BASE.update_epochs
    factor = torch_lr_lambda(n, epochs)  # LambdaLR: rate = initial * factor(scheduler steps so far)
    torch_rates = [BASE.learning_rate * factor(u * epochs + e) for u in range(n) for e in range(epochs)]
    decay, rate, jax_rates = JaxLinearDecay(n, epochs), BASE.learning_rate, []
    for _update in range(n):  # skrl-JAX: rate *= factor after every epoch
        for _epoch in range(epochs):
            jax_rates.append(rate)
            rate *= decay(0)
    expected = [r for r in cleanrl_rates(BASE) for _ in range(epochs)]
    assert torch_rates == pytest.approx(expected) and jax_rates == pytest.approx(expected)
