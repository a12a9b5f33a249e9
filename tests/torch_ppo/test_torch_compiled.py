"""The compiled torch trainer (`--compile`): same numbers as eager, one graph, no recompiles from the schedule."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from shared_spec.spec import build_spec
from tests.parity import vectors as v
from tests.parity.weights import assert_trees_close, to_torch, torch_params_to_numpy
from torch_ppo import losses as tl
from torch_ppo import networks as tn
from torch_ppo import train as ttrain
from torch_ppo.compiled import (
    CUDAGRAPHMODULE_WARMUP,
    compile_env_side,
    compile_step,
    describe_compilation,
    describe_optimizer,
    graph_breaks,
)

SPEC = build_spec(
    {"num_envs": 4, "num_steps": 16, "num_minibatches": 4, "update_epochs": 3, "actor_hidden": [8, 8],
     "critic_hidden": [8, 8], "ent_coef": 0.01, "learning_rate": 1e-3, "total_timesteps": 64 * 8, "num_evals": 1}
)  # fmt: skip


def _one_update(compiled: bool, learning_rates: tuple[float, ...] = (1e-3,)) -> dict:
    """Parameters after one full update per learning rate, from fixed weights, batch and permutations."""
    tree, data = v.neutral_params(seed=40), v.minibatch_vectors(seed=41, n=SPEC.batch_size)
    permutations = np.stack([v.rng(42 + e).permutation(SPEC.batch_size) for e in range(SPEC.update_epochs)])
    agent = to_torch(tree)
    optimizer = tn.make_optimizer(agent, SPEC, compiled=compiled)
    step = ttrain.make_minibatch_step(agent, optimizer, SPEC, compiled=compiled)
    batch = tl.Batch(*(torch.as_tensor(x) for x in data))
    for lr in learning_rates:
        tn.set_learning_rate(optimizer, lr)
        for minibatch in ttrain.shuffled_minibatches(batch, torch.as_tensor(permutations), SPEC):
            step(minibatch)
    return torch_params_to_numpy(agent)


def test_compiled_update_gives_the_eager_parameters_without_recompiling_for_the_schedule() -> None:
    torch.use_deterministic_algorithms(True)
    rates = (1e-3, 5e-4)  # two updates of an annealed schedule: a new rate must not recompile the step
    eager = _one_update(compiled=False, learning_rates=rates)
    torch._dynamo.reset()
    with torch._dynamo.config.patch(error_on_recompile=True):
        compiled = _one_update(compiled=True, learning_rates=rates)
    start = v.neutral_params(seed=40)
    assert np.abs(compiled["actor"][0]["kernel"] - start["actor"][0]["kernel"]).max() > 1e-4
    assert_trees_close(eager, compiled, rtol=1e-5, atol=1e-6)


def test_compiled_optimizer_has_a_tensor_learning_rate() -> None:
    agent = to_torch(v.neutral_params(seed=40))
    described = describe_optimizer(tn.make_optimizer(agent, SPEC, compiled=True))
    assert described == {"implementation": "single-tensor", "capturable": False, "tensor_lr": True}
    assert describe_optimizer(tn.make_optimizer(agent, SPEC))["implementation"] == "foreach"


def test_minibatch_step_has_no_graph_break_of_its_own() -> None:
    """Forward, loss, backward and clipping trace as one graph; only torch optimizer's deliberate break stays."""
    torch._dynamo.reset()
    agent = to_torch(v.neutral_params(seed=40))
    optimizer = tn.make_optimizer(agent, SPEC, compiled=True)
    step = ttrain.make_minibatch_step(agent, optimizer, SPEC, compiled=False)  # explain compiles it itself
    data = v.minibatch_vectors(seed=41, n=SPEC.minibatch_size)
    assert graph_breaks(step, tl.Batch(*(torch.as_tensor(x) for x in data))) == []


def test_policy_step_has_no_graph_break() -> None:
    torch._dynamo.reset()
    agent = to_torch(v.neutral_params(seed=40))
    policy_step = ttrain.make_policy_step(agent, compiled=False)
    obs, noise = torch.zeros(4, v.OBS_SIZE), torch.zeros(4, v.ACT_SIZE)
    assert graph_breaks(policy_step, obs, noise) == []


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


def test_an_unknown_cuda_graph_recipe_is_refused_on_any_device() -> None:
    with pytest.raises(
        ValueError, match="cuda_graph_recipe: got 'graphs'; allowed: reduce-overhead, cudagraphmodule"
    ):
        compile_step(_identity, torch.device("cpu"), cuda_graph_recipe="graphs")  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore:This module is instantiated on a machine without CUDA")
def test_the_cudagraphmodule_recipe_wraps_the_compiled_step_only_where_cuda_graphs_run() -> None:
    """Built, not run (torch.compile is lazy; without CUDA, CudaGraphModule only warns when built)."""
    from tensordict.nn import CudaGraphModule

    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    wrapped = compile_step(_identity, cuda, cuda_graph_recipe="cudagraphmodule")
    assert isinstance(wrapped, CudaGraphModule) and wrapped._warmup == CUDAGRAPHMODULE_WARMUP
    for unwrapped in (
        compile_step(_identity, cuda),  # the default recipe: torch.compile's own CUDA graphs
        compile_step(_identity, cuda, cuda_graphs=False, cuda_graph_recipe="cudagraphmodule"),
        compile_step(_identity, cpu, cuda_graph_recipe="cudagraphmodule"),
    ):
        assert not isinstance(unwrapped, CudaGraphModule)


def test_the_cudagraphmodule_recipe_without_tensordict_says_what_is_missing(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tensordict.nn", None)  # as if tensordict were not installed
    with pytest.raises(ImportError, match="'cudagraphmodule' needs tensordict: the `test` extra"):
        compile_step(_identity, torch.device("cuda"), cuda_graph_recipe="cudagraphmodule")


def test_the_record_names_the_compiled_parts_and_the_graphed_ones() -> None:
    parts = ["policy_step", "normalization", "minibatch_step"]
    assert describe_compilation(parts, torch.device("cpu"), "reduce-overhead") == {
        "compiled_parts": parts, "cuda_graphs": None, "cuda_graph_parts": [],
    }  # fmt: skip
    assert describe_compilation(parts, torch.device("cuda"), "cudagraphmodule") == {
        "compiled_parts": parts, "cuda_graphs": "cudagraphmodule", "cuda_graph_parts": ["policy_step", "minibatch_step"],
    }  # fmt: skip
    assert describe_compilation([], torch.device("cuda"), "reduce-overhead")["cuda_graphs"] is None  # eager


def test_an_env_compiles_its_torch_side_only_where_it_has_one() -> None:
    class WithTorchSide:
        def compile_torch_side(self) -> list[str]:
            return ["normalization"]

    assert compile_env_side(WithTorchSide()) == ["normalization"]
    assert compile_env_side(object()) == []  # Gymnasium: its normalization is numpy
