from __future__ import annotations

import functools

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


@pytest.fixture
def in_repo_root(monkeypatch):
    """Output records the source path as given: run from the repository root like a user."""
    monkeypatch.chdir(ROOT)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def bundle_files(result) -> dict:
    """Every artifact's text by "profile/target/path", for snapshots."""
    return {f"{b.directory}/{a.path}": a.content for b in result.bundles for a in b.artifacts}


def codes_of(result) -> list[str]:
    return sorted(d.code for d in result.diagnostics)


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


# --- a real Linux 6.12 tree, for the Kconfig tests ---------------------------------------

LINUX_TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")


def locate_linux_tree() -> Path | None:
    """MSCC_LINUX_TREE, or the tree scripts/linux-tree unpacks from Debian's linux-source-6.12."""
    import os
    import subprocess

    env = os.environ.get("MSCC_LINUX_TREE")
    if env:
        return Path(env) if (Path(env) / "scripts/kconfig/merge_config.sh").is_file() else None
    if not LINUX_TARBALL.is_file():
        return None  # scripts/linux-tree would apt-get install it: not a test's job
    result = subprocess.run([str(ROOT / "scripts/linux-tree")], capture_output=True, text=True)
    path = Path(result.stdout.strip()) if result.returncode == 0 else None
    return path if path and (path / "scripts/kconfig/merge_config.sh").is_file() else None


@pytest.fixture(scope="module")
def tree() -> Path:
    path = locate_linux_tree()
    if path is None:
        pytest.skip("no Linux 6.12 tree (set MSCC_LINUX_TREE or install linux-source-6.12)")
    for tool in ("make", "gcc", "flex", "bison"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} missing: needed to build scripts/kconfig/conf")
    return path


# --- reference files kept outside the project (facts, not copies) -------------------------

def _origin_checkout() -> Path | None:
    """The local repository this checkout was cloned from (`git clone . /tmp/x`, as CI runs a
    fresh clone), whose surroundings hold the shared material; None for a remote origin."""
    import subprocess

    done = subprocess.run(["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
                          capture_output=True, text=True)
    url = done.stdout.strip().removeprefix("file://")
    return Path(url).resolve() if done.returncode == 0 and url.startswith("/") else None


@functools.cache
def shared_dir() -> Path | None:
    """The project's shared material (reference files, the lint corpus) kept outside the
    project: $MSCC_SHARED_DIR, else `shared/` beside the checkout or one of its ancestors (a
    worktree nested deeper finds it too), else beside the local repository it was cloned from."""
    import os

    env = os.environ.get("MSCC_SHARED_DIR")
    if env:
        return Path(env)
    origin = _origin_checkout()
    for start in (ROOT, origin):
        for parent in start.parents if start else ():
            if (parent / "shared").is_dir():
                return parent / "shared"
    return None


def reference_dir() -> Path | None:
    """shared/reference; $MSCC_REFERENCE_DIR overrides."""
    import os

    env = os.environ.get("MSCC_REFERENCE_DIR")
    if env:
        return Path(env)
    shared = shared_dir()
    return shared / "reference" if shared and (shared / "reference").is_dir() else None


def reference_file(relative: str) -> Path | None:
    base = reference_dir()
    path = base / relative if base else None
    return path if path is not None and path.is_file() else None


ALPINE_BASE = "alpine/virt.aarch64.config"


@pytest.fixture(scope="session")
def alpine_base_config() -> Path:
    """Alpine's virt.aarch64.config, read from ../shared/reference/alpine/ (never copied in)."""
    path = reference_file(ALPINE_BASE)
    if path is None:
        pytest.skip(f"no {ALPINE_BASE} under ../shared/reference (or $MSCC_REFERENCE_DIR): "
                    "the project keeps only facts about it (targets/alpine/base-config.json)")
    return path
