"""mypy and ruff are part of the test suite: `mypy` (configured in pyproject.toml, over mscc)
and `ruff check mscc scripts tests` must stay clean."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # No inherited PYTHONPATH games: the tools read the worktree they are run in.
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})


def test_mypy_is_clean():
    # The cache lives in .mypy_cache (git-ignored): a warm run takes a second or two.
    r = _run("mypy")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_is_clean():
    r = _run("ruff", "check", "--no-cache", "mscc", "scripts", "tests")
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_package_says_it_is_typed():
    assert (ROOT / "mscc" / "py.typed").is_file()
