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
- on CUDA both replay as CUDA graphs (`mode="reduce-overhead"`: torch.compile's own CUDA-graph trees);
  on CPU inductor's default mode.
Not in here: the steps themselves (train.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import torch

F = TypeVar("F", bound=Callable[..., Any])

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
    use_graphs = device.type == "cuda" if cuda_graphs is None else cuda_graphs and device.type == "cuda"
    return "reduce-overhead" if use_graphs else None


def compile_step(fn: F, device: torch.device, cuda_graphs: bool | None = None) -> F:
    """`torch.compile(fn)` for `device`, with `loss.backward()` traced into the graph.

    `cuda_graphs=False` compiles without CUDA graphs on a GPU (a rung of the learner-only ladder).
    `trace_autograd_ops` is a process-wide Dynamo setting; the trainer's process runs one trainer, so
    setting it here affects nothing else.
    """
    torch._dynamo.config.trace_autograd_ops = True
    mode = compile_mode_for(device, cuda_graphs)
    compiled = torch.compile(fn, mode=mode)
    if mode != "reduce-overhead":
        return compiled  # type: ignore[return-value]

    def replay(*args: Any) -> Any:
        # Each call is a new step: the previous call's outputs may be overwritten (the callers copy or read
        # them before the next call), so CUDA-graph trees replay one graph instead of recording new paths.
        torch.compiler.cudagraph_mark_step_begin()
        return compiled(*args)

    return replay  # type: ignore[return-value]


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
