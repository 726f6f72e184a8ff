"""No import cycles inside mscc, counting every import (module level, inside functions, and
under TYPE_CHECKING): a cycle is a layering mistake even where a lazy import hides it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mscc"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # `from pkg import sub` imports the submodule when there is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # a module importing its own package (or the package its submodule) is how
                # packages work, not a cycle between layers
                if target and target != name and not name.startswith(target + ".") \
                        and not target.startswith(name + "."):
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_known_edges():
    graph = import_graph()
    assert "mscc.check.rules" in graph["mscc.check.engine"]
    assert "mscc.check.context" in graph["mscc.emit.zfsplan"]


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


# The pipeline, in order; a stage may import the stages before it, never one after it.
# The knowledge layer (what targets, OpenZFS and the chips are) sits beside the stages and
# imports none of them. `mscc.cli` is the top: nothing below it imports it.
STAGES = ("mscc.parse", "mscc.resolve", "mscc.check", "mscc.emit", "mscc.compiler", "mscc.run", "mscc.cli")
KNOWLEDGE = "mscc.knowledge"


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_stages_import_only_earlier_stages():
    graph = import_graph()
    wrong = []
    for i, stage in enumerate(STAGES):
        later = STAGES[i + 1:]
        for module, imports in graph.items():
            if _within(module, stage):
                wrong += [f"{module} → {dep}" for dep in imports if any(_within(dep, s) for s in later)]
    assert not wrong, ("a stage imports a later one (move the shared code down a stage, or into the "
                       f"knowledge layer; see docs/architecture.md): {wrong}")


def test_the_knowledge_layer_imports_no_stage():
    graph = import_graph()
    users = (*STAGES, "mscc.lint")
    wrong = [f"{module} → {dep}" for module, imports in graph.items() if _within(module, KNOWLEDGE)
             for dep in imports if any(_within(dep, s) for s in users)]
    assert graph["mscc.knowledge.names"], "the graph sees the knowledge layer"
    assert not wrong, f"the knowledge layer imports a pipeline stage: {wrong}"


def test_only_the_entry_points_import_the_cli():
    graph = import_graph()
    wrong = [f"{m} → {dep}" for m, imports in graph.items() for dep in imports
             if _within(dep, "mscc.cli") and not _within(m, "mscc.cli") and m != "mscc.__main__"]
    assert not wrong, ("only the command line imports mscc.cli: a command lives in mscc/cli/<name>.py, listed "
                       f"in mscc.cli.main.COMMANDS, and calls the stages' functions: {wrong}")
