"""The benchmark's inputs: the generated tree is what `mscc lint` is timed on, so it must be
real, clean .msk (a tree full of errors would time the error path instead)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mscc.lint import lint_paths

ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_tree_lints_clean(tmp_path):
    bench = load_bench()
    files = bench.make_tree(tmp_path / "t", 8)
    assert len(files) == 8 and (tmp_path / "t" / "common.msk").exists()
    result = lint_paths([str(tmp_path / "t")])
    assert len(result.files) == 9
    assert [d for d in result.diagnostics if d.severity >= 2] == []


def test_the_child_environment_writes_bytecode(monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert "PYTHONDONTWRITEBYTECODE" not in load_bench().child_env()
