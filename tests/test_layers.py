"""Imports point down only: every unit of the package (a subpackage, or a top-level module) sits on a
layer, may import its own layer and the ones below, never one above, and no units form a cycle.

A new subpackage or top-level module must be given its layer here: that is where its place is decided.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cli" / "tcremedy"
# Lowest first. A unit imports only units on its own layer or below (and never its neighbours in a cycle).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {"errors", "serde", "defaults", "sdk_models", "safeyaml", "ratelimits", "guest", "gcwork"}
    ),  # facts, scripts, runtime settings
    frozenset({"cloud"}),  # SDK -> plain LiveState
    frozenset({"policy"}),  # what must hold (reads LiveState types)
    frozenset({"diagnose"}),  # pure checks
    frozenset({"verify"}),  # RDP handshakes, tied to the diagnosed cause
    frozenset({"remediate", "emulator"}),  # fix plan, Pulumi; the local cloud (finding codes opaque)
    frozenset({"report"}),  # views of diagnoses and fix plans
    frozenset({"usecase", "planfile", "statefile"}),  # the flows commands run; compatibility names
    frozenset({"commands"}),
    frozenset({"main"}),
)
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__init__" else "tcremedy"


def import_edges() -> dict[str, dict[str, str]]:
    """unit -> {imported unit: one file that imports it}."""
    edges: dict[str, dict[str, str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        src = unit_of(".".join(rel.parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("tcremedy.") and (dst := unit_of(name)) != src and src != "tcremedy":
                    edges.setdefault(src, {}).setdefault(dst, str(path.relative_to(PACKAGE.parent)))
    return edges


def test_every_unit_has_a_layer() -> None:
    units = {
        unit_of(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)) for p in PACKAGE.rglob("*.py")
    }
    missing = sorted(units - set(RANK) - {"tcremedy"})
    assert not missing, f"give these units a layer in tests/test_layers.py: {missing}"


def test_imports_point_down_only() -> None:
    upward = [
        f"{where}: {src} (layer {RANK[src]}) imports {dst} (layer {RANK[dst]})"
        for src, targets in import_edges().items()
        for dst, where in targets.items()
        if src in RANK and dst in RANK and RANK[dst] > RANK[src]
    ]
    assert not upward, "\n".join(upward)


def test_no_cycles_between_units() -> None:
    edges = {src: set(targets) for src, targets in import_edges().items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    cycles = sorted(f"{a} <-> {b}" for a in edges for b in edges[a] if a < b and reaches(b, a))
    assert not cycles, cycles
