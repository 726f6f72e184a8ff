"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit (PyPI) in a temporary git
repository: `pre-commit try-repo` refuses a bad .msk, and with the hooks installed a
commit of a bad profile is refused while a good one goes through.

The hook source is a snapshot of this working tree committed to a throwaway repository
(pre-commit installs hooks from a git commit; the working tree may hold uncommitted work).
pre-commit builds the hook's environment with pip: from the snapshot, plus mscc's
dependencies from the package index. Nothing else is fetched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

GOOD = """profile p {
  hardware {
    chip = m3-pro
    memory = 36GiB
  }
  vm {
    cpus = 4
    memory = 8GiB
    os = freebsd
  }
}
"""
BAD = GOOD.replace("cpus = 4", "cpus = 400")
SNAPSHOT = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "mscc", "grammar", "targets", "hardware")


class _Env(dict):
    """The hooks' environment; its repr stays short so a failing test does not print it whole."""

    def __repr__(self) -> str:
        return "<environment for git and pre-commit>"


def _git(*args, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=check, capture_output=True, text=True)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")
    home = tmp_path_factory.mktemp("home")
    environ = _Env((k, v) for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")))
    environ.update({
        "HOME": str(home), "PRE_COMMIT_HOME": str(home / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
    })
    # pip in the hook's virtualenv must see the same package index as this interpreter's pip.
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"):
        if key in os.environ:
            environ[key] = os.environ[key]
    return environ


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("mscc-hooks")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
    for name in SNAPSHOT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, repo / name)
    _git("init", "-q", cwd=repo, env=env)
    _git("add", "-A", cwd=repo, env=env)
    _git("commit", "-q", "-m", "snapshot", cwd=repo, env=env)
    rev = _git("rev-parse", "HEAD", cwd=repo, env=env).stdout.strip()
    return repo, rev


@pytest.fixture
def user_repo(tmp_path, env) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    _git("init", "-q", cwd=repo, env=env)
    return repo


def _pre_commit(*args, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def test_try_repo_refuses_a_bad_profile_and_accepts_a_good_one(hook_repo, user_repo, env):
    repo, _ = hook_repo
    (user_repo / "vm.msk").write_text(BAD)
    _git("add", "vm.msk", cwd=user_repo, env=env)
    bad = _pre_commit("try-repo", str(repo), "mscc-lint", cwd=user_repo, env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "MS103" in bad.stdout and "vm.msk:7:12" in bad.stdout
    (user_repo / "vm.msk").write_text(GOOD)
    _git("add", "vm.msk", cwd=user_repo, env=env)
    good = _pre_commit("try-repo", str(repo), "mscc-lint", cwd=user_repo, env=env)
    assert good.returncode == 0, good.stdout + good.stderr


def test_installed_hooks_guard_commits(hook_repo, user_repo, env):
    repo, rev = hook_repo
    (user_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: mscc-lint\n      - id: mscc-fmt\n      - id: mscc-generated\n")
    installed = _pre_commit("install", cwd=user_repo, env=env)
    assert installed.returncode == 0, installed.stderr

    (user_repo / "vm.msk").write_text(BAD)
    _git("add", "-A", cwd=user_repo, env=env)
    refused = _git("commit", "-m", "bad profile", cwd=user_repo, env=env, check=False)
    assert refused.returncode != 0
    assert "MS103" in refused.stdout + refused.stderr
    assert _git("rev-list", "--all", cwd=user_repo, env=env).stdout == ""   # nothing was committed

    (user_repo / "vm.msk").write_text(GOOD)
    (user_repo / "boot").mkdir()  # a config file too: its checks read data files of the installed package
    (user_repo / "boot" / "loader.conf").write_text('zfs_load="YES"\nvfs.zfs.arc.max="4G"\n')
    _git("add", "-A", cwd=user_repo, env=env)
    passed = _git("commit", "-m", "good profile", cwd=user_repo, env=env, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    hooks = passed.stdout + passed.stderr
    assert "mscc lint" in hooks and "mscc fmt" in hooks and "mscc generated output is up to date" in hooks
