"""The chain is integer-only and deterministic: no float literals, true division or float() in its source.
(Imports of clock, randomness, OS and async modules are banned by import-linter; see pyproject.toml.)"""

import ast
from pathlib import Path

import pytest

import gostaking.chain

CHAIN_FILES = sorted(Path(gostaking.chain.__file__).parent.rglob("*.py"))


def test_the_chain_has_source_files() -> None:
    assert len(CHAIN_FILES) > 30


@pytest.mark.parametrize("path", CHAIN_FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_no_floats_in_chain_code(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            problems.append(f"float literal {node.value!r} at line {node.lineno}")
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Div):
            problems.append(f"true division at line {node.lineno}")
        if isinstance(node, ast.Name) and node.id in {"float", "round"}:
            problems.append(f"{node.id}() at line {node.lineno}")
    assert problems == []
