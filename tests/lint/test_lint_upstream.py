"""Every kernel config the BSDs ship lints with exit 0 (issue 10): a pre-commit hook must
never reject an unmodified upstream file. Read from the source mirrors when this machine has
them ($MSCC_MIRRORS, else /work/.mirror); skipped otherwise. The files are taken out of the
git objects into a temporary directory, never into the project."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from mscc.diagnostics import Severity
from mscc.lint import lint_paths

MIRRORS = Path(os.environ.get("MSCC_MIRRORS", "/work/.mirror"))
# mirror -> the directories of kernel configs in its tree (FreeBSD sys/<arch>/conf, the others sys/arch/<arch>/conf)
TREES = {
    "kactertech+Irid": r"sys/[^/]+/conf/[^/]+",               # FreeBSD 15
    "ilnp+ilnp-freebsd14": r"sys/[^/]+/conf/[^/]+",           # FreeBSD 14
    "isaki68k+netbsd-src": r"sys/arch/[^/]+/conf/[^/]+",      # NetBSD-current, every port
    "Passw+SecBSD-src": r"sys/arch/[^/]+/conf/[^/]+",         # OpenBSD (SecBSD)
}


def _git_dir(mirror: str) -> Path | None:
    for candidate in (MIRRORS / mirror / "repo", MIRRORS / mirror / "repo" / ".git"):
        if (candidate / "HEAD").is_file():
            return candidate
    return None


def _extract(git_dir: Path, pattern: str, into: Path) -> int:
    """Write every file of HEAD matching `pattern` under `into`; how many."""
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "HEAD", "sys"],
                             capture_output=True, text=True, check=True).stdout.split("\n")
    paths = [p for p in listing if re.fullmatch(pattern, p)]
    batch = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
                           input="".join(f"HEAD:{p}\n" for p in paths).encode(), capture_output=True, check=True).stdout
    at = 0
    for path in paths:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        body = batch[header_end + 1: header_end + 1 + size]
        at = header_end + 1 + size + 1
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    return len(paths)


@pytest.mark.parametrize("mirror", sorted(TREES))
def test_every_upstream_kernel_config_lints_with_exit_0(tmp_path, mirror):
    git_dir = _git_dir(mirror)
    if git_dir is None:
        pytest.skip(f"source mirror {MIRRORS / mirror} not on this machine")
    assert _extract(git_dir, TREES[mirror], tmp_path) > 0
    result = lint_paths([str(tmp_path)])
    errors = [f"{d.span.file}:{d.span.line} {d.code} {d.message}" for d in result.diagnostics
              if d.severity >= Severity.ERROR]
    assert not errors, "\n".join(errors[:40])
    kernels = [p for p, kind in result.files if kind.endswith("-kernel")]
    assert kernels, "no kernel config recognised"
    # every file the walk left out says why
    assert all(why for _path, why in result.skipped)
