"""The one hyperparameter spec both trainers read, with validation that fails before any work starts.

`PPOSpec` is the single source of truth: neither trainer has private defaults. Each field carries a one-line
doc right under it (shown by `python -m shared_spec show`). Derived values are properties, computed from the
fields, never stored twice. This module imports neither JAX nor torch.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import itertools
import json
import typing
from dataclasses import dataclass
from typing import Any

from shared_spec.tasks import TASKS

BRAX_BACKENDS = ("generalized", "mjx", "positional", "spring")
DEVICES = ("auto", "cpu", "gpu")
ACTIVATIONS = ("tanh", "relu")
VECTOR_ENVS = ("sync", "async", "auto")
MATMUL_PRECISIONS = ("float32", "tf32")


class SpecError(ValueError):
    """A spec or preset that cannot run; the message names the field, the bad value and what is allowed."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")


@dataclass(frozen=True)
class PPOSpec:
    """Every hyperparameter of one PPO run, shared by the JAX and the PyTorch trainer."""

    task: str = "inverted_pendulum"
    """Task registry name (see `python -m shared_spec tasks`)."""
    brax_backend: str = "mjx"
    """Brax physics backend for the JAX side (generalized, mjx, positional, spring)."""
    total_timesteps: int = 100_000
    """Environment steps to train for, summed over all envs."""
    num_envs: int = 8
    """Parallel environments."""
    num_steps: int = 128
    """Rollout length per environment between updates."""
    num_minibatches: int = 4
    """Minibatches each epoch splits the rollout batch into."""
    update_epochs: int = 10
    """Passes over the rollout batch per update."""
    learning_rate: float = 3e-4
    """Adam learning rate (initial value when annealed)."""
    anneal_lr: bool = True
    """Anneal the learning rate linearly to 0 over all updates."""
    gamma: float = 0.99
    """Discount factor."""
    gae_lambda: float = 0.95
    """GAE lambda."""
    clip_coef: float = 0.2
    """PPO surrogate clipping coefficient."""
    clip_vloss: bool = True
    """Clip the value loss around the old value estimate with clip_coef."""
    ent_coef: float = 0.0
    """Entropy bonus coefficient."""
    vf_coef: float = 0.5
    """Value loss coefficient."""
    max_grad_norm: float = 0.5
    """Global gradient-norm clip."""
    norm_adv: bool = True
    """Normalize advantages per minibatch."""
    adam_eps: float = 1e-5
    """Adam epsilon (1e-5 as in the 37-details paper, not the framework default 1e-8)."""
    actor_hidden: tuple[int, ...] = (64, 64)
    """Hidden layer sizes of the policy MLP."""
    critic_hidden: tuple[int, ...] = (64, 64)
    """Hidden layer sizes of the value MLP."""
    activation: str = "tanh"
    """Hidden activation (tanh or relu)."""
    init_log_std: float = 0.0
    """Initial value of the state-independent log standard deviation."""
    normalize_obs: bool = True
    """Normalize observations with running mean/variance."""
    obs_clip: float = 10.0
    """Clip normalized observations to [-obs_clip, obs_clip]."""
    normalize_reward: bool = True
    """Scale rewards by the running std of the discounted return."""
    reward_clip: float = 10.0
    """Clip scaled rewards to [-reward_clip, reward_clip]."""
    bootstrap_on_truncation: bool = True
    """At a time-limit truncation, bootstrap from the value of the final observation (else treat as terminal)."""
    episode_length: int = 1000
    """Time limit of an episode, in env steps (training and evaluation)."""
    num_evals: int = 10
    """Evaluations during training (after equal chunks of updates), plus one before training."""
    eval_episodes: int = 10
    """Episodes per evaluation (deterministic mean action, fresh env)."""
    device: str = "auto"
    """Where to train: auto (GPU when the framework sees one, else CPU), cpu or gpu (fails if no GPU)."""
    vector_env: str = "sync"
    """Gymnasium vectorization: sync (one process), async (one worker process per env), auto (by core count)."""
    torch_threads: int = 1
    """torch intra-op threads; 0 = one per core. 1 is fastest for these small MLPs (docs/RESULTS.md)."""
    matmul_precision: str = "float32"
    """float32 matmuls on both frameworks (JAX 'highest', torch 'highest'), or tf32 on both (a labelled variant)."""
    run_timeout_s: int = 900
    """Wall-time limit of one (contender, seed) run in the bench harness."""

    # ----- derived values: computed from the fields, never stored -----
    @property
    def batch_size(self) -> int:
        """Transitions per update: num_envs * num_steps."""
        return self.num_envs * self.num_steps

    @property
    def minibatch_size(self) -> int:
        """Transitions per minibatch: batch_size // num_minibatches."""
        return self.batch_size // self.num_minibatches

    @property
    def num_updates(self) -> int:
        """PPO updates in the run: total_timesteps // batch_size."""
        return self.total_timesteps // self.batch_size

    @property
    def updates_per_eval(self) -> int:
        """Updates between two evaluations: num_updates // num_evals."""
        return self.num_updates // self.num_evals

    def derived(self) -> dict[str, int]:
        """The derived values by name, for display and records."""
        return {
            "batch_size": self.batch_size,
            "minibatch_size": self.minibatch_size,
            "num_updates": self.num_updates,
            "updates_per_eval": self.updates_per_eval,
        }

    def to_dict(self) -> dict[str, Any]:
        """Fields as plain JSON-able values (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    def spec_hash(self) -> str:
        """A stable 12-hex-digit hash of the field values: same values, same hash, in any process."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def replace(self, **changes: Any) -> PPOSpec:
        """A validated copy with `changes` applied."""
        return build_spec({**self.to_dict(), **changes})


def field_docs() -> dict[str, str]:
    """One-line doc of each field, read from the docstrings under the fields in this class's source."""
    import inspect

    tree = ast.parse(inspect.getsource(PPOSpec))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(body):
        is_doc = isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
        if isinstance(node, ast.AnnAssign) and is_doc:
            docs[node.target.id] = following.value.value  # type: ignore[union-attr]
    return docs


def _field_types() -> dict[str, Any]:
    hints = typing.get_type_hints(PPOSpec)
    return {f.name: hints[f.name] for f in dataclasses.fields(PPOSpec)}


def _type_name(tp: Any) -> str:
    if tp is bool:
        return "a boolean (true/false)"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    return "a list of positive integers, e.g. [64, 64] or 64,64"


def coerce_field(name: str, value: Any) -> Any:
    """`value` converted to the type of field `name`, or a SpecError naming it."""
    types = _field_types()
    if name not in types:
        raise SpecError(name, value, f"known fields: {', '.join(types)}")
    tp = types[name]
    bad = SpecError(name, value, _type_name(tp))
    if tp is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad
        return value
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise bad
    return tuple(value)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one `--set key=value` string into (field, typed value); raises SpecError on a bad one."""
    if "=" not in text:
        raise SpecError("--set", text, "key=value, e.g. learning_rate=1e-3")
    name, raw = (part.strip() for part in text.split("=", 1))
    types = _field_types()
    if name not in types:
        raise SpecError(name, raw, f"known fields: {', '.join(types)}")
    tp = types[name]
    try:
        if tp is bool:
            lowered = raw.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            value: Any = lowered in ("true", "1", "yes")
        elif tp is int:
            value = int(raw.replace("_", ""))
        elif tp is float:
            value = float(raw)
        elif tp is str:
            value = raw
        else:
            stripped = raw.strip("[]() ")
            value = tuple(int(part) for part in stripped.split(",") if part.strip())
    except ValueError:
        raise SpecError(name, raw, _type_name(tp)) from None
    return name, value


def _require(ok: bool, field: str, value: Any, allowed: str) -> None:
    if not ok:
        raise SpecError(field, value, allowed)


def validate(spec: PPOSpec) -> PPOSpec:
    """Check ranges and batch arithmetic; returns `spec` or raises SpecError naming the first bad field."""
    s = spec
    _require(s.task in TASKS, "task", s.task, ", ".join(sorted(TASKS)))
    _require(s.brax_backend in BRAX_BACKENDS, "brax_backend", s.brax_backend, ", ".join(BRAX_BACKENDS))
    _require(s.device in DEVICES, "device", s.device, ", ".join(DEVICES))
    _require(s.activation in ACTIVATIONS, "activation", s.activation, ", ".join(ACTIVATIONS))
    _require(s.vector_env in VECTOR_ENVS, "vector_env", s.vector_env, ", ".join(VECTOR_ENVS))
    _require(
        s.matmul_precision in MATMUL_PRECISIONS,
        "matmul_precision",
        s.matmul_precision,
        ", ".join(MATMUL_PRECISIONS),
    )
    for name in ("total_timesteps", "num_envs", "num_steps", "num_minibatches", "update_epochs"):
        _require(getattr(s, name) >= 1, name, getattr(s, name), "an integer >= 1")
    for name in ("episode_length", "num_evals", "eval_episodes", "run_timeout_s"):
        _require(getattr(s, name) >= 1, name, getattr(s, name), "an integer >= 1")
    _require(s.torch_threads >= 0, "torch_threads", s.torch_threads, "an integer >= 0 (0 = all cores)")
    _require(s.learning_rate > 0, "learning_rate", s.learning_rate, "a number > 0")
    _require(s.adam_eps > 0, "adam_eps", s.adam_eps, "a number > 0")
    for name in ("gamma", "gae_lambda"):
        _require(0.0 <= getattr(s, name) <= 1.0, name, getattr(s, name), "a number in [0, 1]")
    for name in ("clip_coef", "max_grad_norm", "obs_clip", "reward_clip"):
        _require(getattr(s, name) > 0, name, getattr(s, name), "a number > 0")
    for name in ("ent_coef", "vf_coef"):
        _require(getattr(s, name) >= 0, name, getattr(s, name), "a number >= 0")
    for name in ("actor_hidden", "critic_hidden"):
        sizes = getattr(s, name)
        _require(len(sizes) >= 1 and all(n >= 1 for n in sizes), name, list(sizes), "one or more sizes >= 1")
    _require(
        s.batch_size % s.num_minibatches == 0,
        "num_minibatches",
        s.num_minibatches,
        f"a divisor of batch_size = num_envs * num_steps = {s.batch_size}",
    )
    _require(
        s.num_updates >= 1,
        "total_timesteps",
        s.total_timesteps,
        f">= batch_size = num_envs * num_steps = {s.batch_size}",
    )
    _require(
        s.num_updates % s.num_evals == 0,
        "num_evals",
        s.num_evals,
        f"a divisor of num_updates = total_timesteps // batch_size = {s.num_updates}",
    )
    return s


def build_spec(values: dict[str, Any]) -> PPOSpec:
    """A validated PPOSpec from a mapping of field values (unknown keys and wrong types are SpecErrors)."""
    typed = {name: coerce_field(name, value) for name, value in values.items()}
    return validate(PPOSpec(**typed))
