from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.msk") if p.name != "common.msk")


@pytest.fixture
def run_cli():
    from mscc.cli import main

    def run(*args, **kw):
        runner = CliRunner()
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)
    return run


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path
    return write


def compile_text(tmp_path: Path, text: str, target: str | None = "freebsd", name: str = "t.msk"):
    from mscc.compiler import compile_file

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return compile_file(str(path), [target] if target else None)


def codes_of(result) -> list[str]:
    return sorted(d.code for d in result.diagnostics)


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
