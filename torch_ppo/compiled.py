"""Every speed choice of the torch trainer in one place, as LeanRL keeps them: which Adam kernel, torch.compile
over whole steps, CUDA graphs on a GPU. The algorithm (train.py) reads the same with or without them.

What `--compile` compiles, and why, as the PyTorch camp does it (LeanRL's
`ppo_continuous_action_torchcompile.py`; PyTorch's "compiled optimizer" recipe):
- the whole minibatch step (zero_grad, forward, loss, backward, global grad-norm clip, Adam step) is one
  compiled function, not only the loss: the eager optimizer and clipping were most of the launches left;
- Dynamo traces `loss.backward()` into the graph (`trace_autograd_ops`), so forward, backward and clipping
  are one graph; the only graph break left is the one torch's optimizer inserts on purpose around its step
  (torch/optim/optimizer.py `_use_grad`, so AOTAutograd sees the update as an inference graph);
- the learning rate is a tensor (`adam_options`), so the schedule never recompiles;
- the rollout's policy step (mean action plus the pre-drawn noise) is compiled too;
- on CUDA both replay as CUDA graphs, by one of two recipes (`CUDA_GRAPH_RECIPES`): "reduce-overhead"
  (torch.compile's own CUDA-graph trees, the default) or "cudagraphmodule" (LeanRL's: the step compiled in
  inductor's default mode, then captured and replayed by tensordict's `CudaGraphModule`); on CPU inductor's
  default mode whatever the recipe;
- on the Brax env, the step's observation and reward normalization is one compiled function per env step
  (`compile_normalization`), in inductor's default mode on every device: no CUDA graphs for it (below).
Not in here: the steps themselves (train.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args

import torch

F = TypeVar("F", bound=Callable[..., Any])

CudaGraphRecipe = Literal["reduce-overhead", "cudagraphmodule"]
CUDA_GRAPH_RECIPES: tuple[str, ...] = get_args(CudaGraphRecipe)
DEFAULT_CUDA_GRAPH_RECIPE: CudaGraphRecipe = "reduce-overhead"
"""torch.compile's own CUDA graphs stay the default until a GPU measurement of the learner ladder (rungs
`torch-compile-cudagraphs` and `torch-compile-cudagraphmodule`) says the other recipe is faster."""
CUDAGRAPHMODULE_WARMUP = 3
"""tensordict's `warmup`: the call that captures. The calls before it run the compiled step on a side stream
(every call, the capturing one too, does one real update). LeanRL's PPO keeps tensordict's default (2);
tensordict documents 3 for a compiled function, so that a recompile on the second call (e.g. guards on Adam's
freshly created state) cannot fall inside the capture."""

OPTIMIZER_BREAK_FILE = os.path.join("torch", "optim", "optimizer.py")
"""Where torch's deliberate optimizer graph break lives (the one break a compiled step may have)."""


def adam_options(device: torch.device, compiled: bool = False) -> dict[str, Any]:
    """torch's fastest Adam for `device`, eager or compiled (keyword arguments of `torch.optim.Adam`).

    Eager: one fused kernel on CUDA, the multi-tensor (foreach) one elsewhere. Compiled: a tensor learning rate
    (the schedule changes a value, not a constant baked into the graph) and, on CUDA, `capturable` step
    counters, which CUDA graphs need; torch allows a tensor learning rate with foreach only when capturable,
    so the compiled CPU step is the single-tensor one (inductor fuses it either way).
    """
    if not compiled:
        return {"fused": True} if device.type == "cuda" else {"foreach": True}
    if device.type == "cuda":
        return {"capturable": True, "foreach": True, "tensor_lr": True}
    return {"foreach": False, "tensor_lr": True}


def describe_optimizer(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """What the record says about Adam: its implementation and whether the learning rate is a tensor."""
    group = optimizer.param_groups[0]
    kind = "fused" if group.get("fused") else "foreach" if group.get("foreach") else "single-tensor"
    return {
        "implementation": kind,
        "capturable": bool(group.get("capturable")),
        "tensor_lr": isinstance(group["lr"], torch.Tensor),
    }


def compile_mode_for(device: torch.device, cuda_graphs: bool | None = None) -> str | None:
    """CUDA graphs ("reduce-overhead") on GPU unless `cuda_graphs` is False; inductor's default mode on CPU."""
    return "reduce-overhead" if uses_cuda_graphs(device, cuda_graphs) else None


def uses_cuda_graphs(device: torch.device, cuda_graphs: bool | None = None) -> bool:
    """Whether a compiled step on `device` replays as CUDA graphs: on CUDA unless `cuda_graphs` is False."""
    return device.type == "cuda" and cuda_graphs is not False


def check_cuda_graph_recipe(recipe: str) -> CudaGraphRecipe:
    """`recipe` if it is one of `CUDA_GRAPH_RECIPES`; else ValueError naming the allowed ones."""
    if recipe not in CUDA_GRAPH_RECIPES:
        raise ValueError(f"cuda_graph_recipe: got {recipe!r}; allowed: {', '.join(CUDA_GRAPH_RECIPES)}")
    return recipe  # type: ignore[return-value]


def compile_step(
    fn: F,
    device: torch.device,
    cuda_graphs: bool | None = None,
    cuda_graph_recipe: CudaGraphRecipe = DEFAULT_CUDA_GRAPH_RECIPE,
) -> F:
    """`torch.compile(fn)` for `device`, with `loss.backward()` traced into the graph.

    On CUDA the step replays as CUDA graphs by `cuda_graph_recipe` ("reduce-overhead" or "cudagraphmodule");
    `cuda_graphs=False` compiles without CUDA graphs on a GPU (a rung of the learner-only ladder). On CPU the
    recipe is checked but plays no part. `trace_autograd_ops` is a process-wide Dynamo setting; the trainer's
    process runs one trainer, so setting it here affects nothing else.
    """
    recipe = check_cuda_graph_recipe(cuda_graph_recipe)
    torch._dynamo.config.trace_autograd_ops = True
    if not uses_cuda_graphs(device, cuda_graphs):
        return torch.compile(fn)  # type: ignore[return-value]
    if recipe == "cudagraphmodule":
        return cuda_graph_module(torch.compile(fn), device)
    compiled = torch.compile(fn, mode="reduce-overhead")

    def replay(*args: Any) -> Any:
        # Each call is a new step: the previous call's outputs may be overwritten (the callers copy or read
        # them before the next call), so CUDA-graph trees replay one graph instead of recording new paths.
        torch.compiler.cudagraph_mark_step_begin()
        return compiled(*args)

    return replay  # type: ignore[return-value]


def cuda_graph_module(compiled: F, device: torch.device) -> F:
    """`compiled` (a torch.compile'd step in inductor's default mode) captured by tensordict's CudaGraphModule.

    LeanRL's recipe (`ppo_continuous_action_torchcompile.py`, `--compile --cudagraphs`): compile without
    torch.compile's own CUDA graphs, then let `CudaGraphModule` warm the step up on a side stream, capture it
    once and replay it, copying each call's tensors into the captured inputs and cloning the outputs. It needs
    what a CUDA graph needs, which the minibatch step already has: fixed shapes, no host sync, a tensor
    learning rate updated in place and capturable Adam (`adam_options`). tensordict is imported here only:
    a run that never asks for this recipe does not need it.
    """
    try:
        from tensordict.nn import CudaGraphModule
    except ImportError as err:
        raise ImportError(
            "cuda_graph_recipe 'cudagraphmodule' needs tensordict: the `test` extra, which make setup and "
            "make setup-gpu install (on the lent GPU machine: the wheelhouse)"
        ) from err
    return CudaGraphModule(compiled, warmup=CUDAGRAPHMODULE_WARMUP, device=device)  # type: ignore[return-value]


def compile_normalization(fn: F) -> F:
    """torch.compile of an env step's normalization (`DeviceNormalizer.step`): inductor's default mode.

    One graph instead of some thirty small eager kernels per env step. No CUDA graphs for it, on either
    recipe: it updates the running statistics in place and its outputs outlive the call (the rollout buffer
    and the next policy step read them), which a CUDA-graph replay would have to be shown to keep intact on a
    GPU first; until then it runs as inductor's fused kernels.
    """
    return torch.compile(fn)  # type: ignore[return-value]


def compile_env_side(envs: object) -> list[str]:
    """Compile the torch work an env does after each step, where it offers to (`compile_torch_side`: the Brax
    env's normalization); the names of the parts it compiled (none for Gymnasium, whose wrappers are numpy)."""
    compile_torch_side = getattr(envs, "compile_torch_side", None)
    return compile_torch_side() if compile_torch_side is not None else []


GRAPHED_PARTS = ("policy_step", "minibatch_step")
"""The compiled parts that replay as CUDA graphs on a GPU (not the normalization: `compile_normalization`)."""


def describe_compilation(
    compiled_parts: list[str], device: torch.device, recipe: CudaGraphRecipe
) -> dict[str, Any]:
    """What the record says about compilation: the parts compiled, and the CUDA-graph recipe that replays
    which of them (None and [] on CPU or without `--compile`)."""
    graphed = [part for part in compiled_parts if part in GRAPHED_PARTS] if device.type == "cuda" else []
    return {
        "compiled_parts": list(compiled_parts),
        "cuda_graphs": recipe if graphed else None,
        "cuda_graph_parts": graphed,
    }


def graph_breaks(fn: Callable[..., Any], *args: Any) -> list[str]:
    """The reasons of every graph break Dynamo finds in `fn(*args)`, except torch optimizer's deliberate one.

    Runs `fn` once (Dynamo's explain executes it), so give it inputs it may consume.
    """
    torch._dynamo.config.trace_autograd_ops = True
    explained = torch._dynamo.explain(fn)(*args)
    return [
        reason.reason
        for reason in explained.break_reasons
        if not any(frame.filename.endswith(OPTIMIZER_BREAK_FILE) for frame in reason.user_stack)
    ]
