"""The stand-in for `jax.device_put_replicated` (removed in JAX >= 0.10) that lets Brax's PPO run there."""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np

from baselines import jax_compat

TREE = {"w": jnp.arange(6.0).reshape(2, 3), "step": jnp.int32(7)}


def test_the_stand_in_replicates_like_jax_did() -> None:
    devices = jax.local_devices()
    ours = jax_compat.device_put_replicated(TREE, devices)
    for leaf, original in zip(jax.tree.leaves(ours), jax.tree.leaves(TREE), strict=True):
        assert leaf.shape == (len(devices), *original.shape)
        np.testing.assert_array_equal(np.asarray(leaf)[0], np.asarray(original))
    if hasattr(jax, "device_put_replicated"):  # the JAX pinned here still has it: same values and layout
        theirs = jax.device_put_replicated(TREE, devices)
        for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs), strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
            assert a.sharding.device_set == b.sharding.device_set


def test_a_pmap_takes_the_replicated_value() -> None:
    replicated = jax_compat.device_put_replicated(TREE, jax.local_devices())
    doubled = jax.pmap(lambda tree: jax.tree.map(lambda x: 2 * x, tree))(replicated)
    np.testing.assert_array_equal(np.asarray(doubled["w"])[0], 2 * np.asarray(TREE["w"]))


def test_installed_only_where_jax_lacks_the_call() -> None:
    with_call = types.SimpleNamespace(device_put_replicated=print)
    assert jax_compat.ensure_device_put_replicated(with_call) is None
    assert with_call.device_put_replicated is print  # left alone
    without = types.SimpleNamespace()  # as JAX >= 0.10
    note = jax_compat.ensure_device_put_replicated(without)
    assert note is not None and "device_put_replicated" in note
    assert without.device_put_replicated is jax_compat.device_put_replicated
