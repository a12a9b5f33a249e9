"""One measuring rule for any PPO source, ours or the field's (docs/DESIGN.md, field code).

Per implementation (files, or named top-level definitions of a file): SLOC, cyclomatic complexity and Halstead
(radon), cognitive complexity (complexipy: SonarSource's rule, the one code metric validated against human
comprehension, Muñoz Barón, Wyrich and Wagner, ESEM 2020), nesting and closures, and
a **vocabulary**: the distinct framework names the code uses, resolved through its imports (a proxy for what a
reader must learn), with function transforms beside Python loops. Its blind spot: names called on arrays, modules
and optimizers (`x.mean()`, `loss.backward()`, `opt.step()`) are not framework names reached through an import,
so it misses them, and PyTorch code calls far more of them than JAX code. Hence a second, independent proxy,
**concepts**: how many of a fixed, sourced list of each framework's concepts (`concepts.toml`) the code touches,
method calls included.
"""

from __future__ import annotations

import ast
import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from radon.raw import analyze
from radon.visitors import ComplexityVisitor, HalsteadVisitor

FRAMEWORK_PACKAGES = {
    "jax": ("jax", "jaxlib", "flax", "optax", "distrax", "chex", "tensorflow_probability"),
    "torch": ("torch", "tensordict"),
}
"""Import roots whose names count as framework vocabulary (tfp: SBX's distributions, tensordict: rsl_rl's batches)."""
TRANSFORMS = frozenset((
    "jit", "pjit", "pmap", "vmap", "xmap", "shard_map", "scan", "associative_scan", "grad", "value_and_grad",
    "jacfwd", "jacrev", "hessian", "vjp", "jvp", "cond", "switch", "while_loop", "fori_loop", "tree_map",
    "tree_map_with_path", "checkpoint", "remat", "custom_vjp", "custom_jvp", "compile",
))  # fmt: skip
"""Last parts of a framework name that make a function transform or a traced control-flow primitive."""
QUALIFIED_TRANSFORMS = frozenset(
    ("jax.lax.map", "jax.tree.map", "jax.tree.map_with_path", "torch.jit.script", "torch.jit.trace")
)
METRIC_KEYS = (
    "sloc", "cognitive", "cognitive_max", "cyclomatic", "cyclomatic_max", "halstead_volume", "halstead_difficulty",
    "max_nesting", "closures", "vocabulary", "concepts", "transforms", "python_loops",
)  # fmt: skip
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
NESTING_RULE = (
    "nesting depth: compound statements (def, if, for, while, with, try, match) inside one another; "
    "module level is 0, a class body does not add a level, an elif chain counts as one level"
)


@dataclass(frozen=True)
class Source:
    """One file's text, whole (`names` empty) or only its named top-level classes and functions."""

    label: str
    text: str
    names: tuple[str, ...] = ()


def nesting_depth(nodes: list[ast.stmt], depth: int = 0) -> int:
    """The deepest nesting of compound statements in `nodes`, which sit at `depth` (NESTING_RULE)."""
    deepest = depth
    for node in nodes:
        if isinstance(node, ast.ClassDef):
            inner = nesting_depth(node.body, depth)
        elif isinstance(node, ast.If) and len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            inner = max(nesting_depth(node.body, depth + 1), nesting_depth(node.orelse, depth))  # an elif
        elif isinstance(node, (*BLOCKS, *FUNCTIONS)):
            bodies = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
            bodies += [block.body for block in [*getattr(node, "handlers", []), *getattr(node, "cases", [])]]
            inner = max(nesting_depth(body, depth + 1) for body in bodies)
        else:
            inner = depth
        deepest = max(deepest, inner)
    return deepest


def closures(node: ast.AST, inside_function: bool = False) -> int:
    """Functions (def / async def; lambdas excluded) defined inside another function's body, at any depth."""
    count = 0
    for child in ast.iter_child_nodes(node):
        is_function = isinstance(child, FUNCTIONS)
        count += (is_function and inside_function) + closures(child, inside_function or is_function)
    return count


def function_complexities(source: str) -> list[int]:
    """Cyclomatic complexity of every function, method and closure in `source` (each counted once; a class is
    not scored, since radon scores it as the sum of its methods)."""

    def functions(blocks: list[Any]) -> Iterator[int]:
        for block in blocks:
            yield block.complexity
            yield from functions(block.closures)

    def classes(blocks: list[Any]) -> Iterator[int]:
        for block in blocks:
            yield from functions(block.methods)
            yield from classes(block.inner_classes)

    visitor = ComplexityVisitor.from_code(source)
    return [*functions(visitor.functions), *classes(visitor.classes)]


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted module or object it stands for, from the file's absolute imports."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def framework_of(qualified: str) -> str | None:
    root = qualified.split(".")[0]
    return next((fw for fw, roots in FRAMEWORK_PACKAGES.items() if root in roots), None)


def framework_uses(nodes: list[ast.AST], aliases: dict[str, str]) -> list[str]:
    """Every use of a framework name, fully qualified (`jnp.mean` -> `jax.numpy.mean`), the longest attribute
    chain only (`jax.random.split`, not also `jax.random`); import statements are not uses."""
    uses: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            return
        parts, base = [], node
        while isinstance(base, ast.Attribute):
            parts.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name) and base.id in aliases and framework_of(aliases[base.id]):
            uses.append(".".join([aliases[base.id], *reversed(parts)]))
            return
        if parts:
            visit(base)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    for node in nodes:
        visit(node)
    return uses


def method_names(nodes: list[ast.AST]) -> set[str]:
    """Attribute names called or indexed on any object (`x.backward()`, `x.at[i]`): what imports cannot see."""
    found = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        target = (
            node.func
            if isinstance(node, ast.Call)
            else node.value
            if isinstance(node, ast.Subscript)
            else None
        )
        if isinstance(target, ast.Attribute):
            found.add(target.attr)
    return found


@cache
def concept_lists() -> dict[str, list[dict[str, Any]]]:
    """framework -> its concepts (`concepts.toml`: concept, source, names, methods)."""
    with (Path(__file__).parent / "concepts.toml").open("rb") as handle:
        return tomllib.load(handle)


def concepts_used(uses: set[str], methods: set[str]) -> list[str]:
    """The concepts of the imported frameworks' lists that `uses` (qualified names) or `methods` touch."""
    parts: dict[str, set[str]] = {}
    for use in uses:
        if (framework := framework_of(use)) is not None:
            parts.setdefault(framework, set()).update(use.split(".")[1:])
    return [
        item["concept"]
        for framework, seen in parts.items()
        for item in concept_lists().get(framework, [])
        if seen & set(item.get("names", [])) or methods & set(item.get("methods", []))
    ]


def is_transform(qualified: str) -> bool:
    return qualified.split(".")[-1] in TRANSFORMS or qualified in QUALIFIED_TRANSFORMS


def _selected(source: Source, tree: ast.Module) -> list[ast.stmt]:
    """The module body, or the named top-level definitions (a missing name is a table error)."""
    if not source.names:
        return tree.body
    by_name = {getattr(n, "name", None): n for n in tree.body}
    missing = [name for name in source.names if name not in by_name]
    if missing:
        raise ValueError(f"files: {source.label} has no top-level {', '.join(missing)}")
    return [by_name[name] for name in source.names]


def _segment(text: str, node: ast.stmt) -> str:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "\n".join(text.splitlines()[first - 1 : node.end_lineno]) + "\n"


def measure(sources: list[Source]) -> dict[str, Any]:
    """All metrics of one implementation: sums over its sources, maxima, and one vocabulary and Halstead pool."""
    from complexipy import code_complexity  # here: `python -m bench run` never loads it

    totals = dict.fromkeys(METRIC_KEYS, 0)
    names: set[str] = set()
    methods: set[str] = set()
    operators: set[Any] = set()
    operands: set[Any] = set()
    n_operators = n_operands = 0
    for source in sources:
        tree = ast.parse(source.text)
        nodes = _selected(source, tree)
        texts = [source.text] if not source.names else [_segment(source.text, n) for n in nodes]
        for text in texts:
            cognitive = code_complexity(text)
            cc = function_complexities(text)
            totals["sloc"] += analyze(text).sloc
            totals["cognitive"] += cognitive.complexity
            totals["cognitive_max"] = max(
                totals["cognitive_max"], *(f.complexity for f in cognitive.functions), 0
            )
            module_decisions = ComplexityVisitor.from_code(text).complexity - 1
            totals["cyclomatic"] += sum(cc) + module_decisions
            totals["cyclomatic_max"] = max(totals["cyclomatic_max"], *cc, 0)
            halstead = HalsteadVisitor.from_code(text)
            operators |= halstead.operators_seen
            operands |= {(source.label, operand) for operand in halstead.operands_seen}
            n_operators += halstead.operators
            n_operands += halstead.operands
        totals["max_nesting"] = max(totals["max_nesting"], nesting_depth(nodes))
        totals["closures"] += closures(ast.Module(body=nodes, type_ignores=[]))
        totals["python_loops"] += sum(
            isinstance(n, ast.For | ast.AsyncFor | ast.While) for node in nodes for n in ast.walk(node)
        )
        uses = framework_uses(list(nodes), import_aliases(tree))
        names.update(uses)
        methods |= method_names(list(nodes))
        totals["transforms"] += sum(map(is_transform, uses))
    totals["vocabulary"] = len(names)
    concepts = concepts_used(names, methods)
    totals["concepts"] = len(concepts)
    vocabulary = len(operators) + len(operands)
    length = n_operators + n_operands
    totals["halstead_volume"] = round(length * math.log2(vocabulary), 1) if vocabulary else 0.0
    totals["halstead_difficulty"] = (
        round(len(operators) / 2 * n_operands / len(operands), 1) if operands else 0.0
    )
    return {**totals, "vocabulary_names": sorted(names), "concept_names": concepts}
