"""Helpers for the lint tests: lint a text as a named file, and skip cleanly when a name
database another part of mscc provides is not in this checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscc.lint import LintOptions, lint_paths
from mscc.lint import databases


def lint_text(tmp_path: Path, name: str, text: str, **options):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return lint_paths([str(path)], LintOptions(**options))


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def where(result, code: str) -> list[tuple[int, int]]:
    return [(d.span.line, d.span.column) for d in result.diagnostics if d.code == code]


def need(database: str) -> None:
    """Skip, saying which file is missing, when a database this test reads is absent."""
    present = {
        "": True,
        "kconfig": bool(databases.kconfig_series()),
        "freebsd": bool(databases.arch_versions("freebsd")),
        "openbsd": bool(databases.arch_versions("openbsd")),
        "netbsd": bool(databases.arch_versions("netbsd")),
        "zfs": bool(databases.zfs_series()),
    }[database]
    if not present:
        files = {"kconfig": "targets/alpine/kconfig-*.json", "freebsd": "targets/freebsd/arches-*.json",
                 "openbsd": "targets/openbsd/arches-*.json", "netbsd": "targets/netbsd/arches-*.json",
                 "zfs": "targets/openzfs/zfs-*.json"}[database]
        pytest.skip(f"name database missing: {files}")
