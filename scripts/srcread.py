"""Shared by the name extractors in scripts/: read files at one revision of a git repository
(or from a plain tree), hash them, write deterministic JSON. Standard library only."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import subprocess
import sys
from typing import Any


class Source:
    """Reads files at one revision of a git repository, or from a tree."""

    def __init__(self, git_dir: str | None, rev: str | None, tree: str | None = None) -> None:
        self.git_dir = git_dir
        self.tree = tree
        self.rev = rev
        self._cache: dict[str, str | None] = {}
        self.commit: str | None = None
        if git_dir:
            self.commit = self._git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()

    def _git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["git", "--git-dir", self.git_dir or "", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if check and proc.returncode != 0:
            raise SystemExit(f"git {' '.join(args)} failed: "
                             f"{proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout.decode("utf-8", errors="replace") if proc.returncode == 0 else ""

    def read(self, path: str) -> str | None:
        path = posixpath.normpath(path)
        if path not in self._cache:
            if self.git_dir:
                proc = subprocess.run(
                    ["git", "--git-dir", self.git_dir, "show", f"{self.commit}:{path}"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
                self._cache[path] = (proc.stdout.decode("utf-8", errors="replace")
                                     if proc.returncode == 0 else None)
            else:
                full = os.path.join(self.tree or ".", path)
                try:
                    with open(full, encoding="utf-8", errors="replace") as fh:
                        self._cache[path] = fh.read()
                except OSError:
                    self._cache[path] = None
        return self._cache[path]

    def blob(self, path: str) -> str | None:
        if not self.git_dir:
            return None
        out = self._git("rev-parse", f"{self.commit}:{path}", check=False).strip()
        return out or None

    def last_change(self, path: str) -> str | None:
        if not self.git_dir:
            return None
        out = self._git("log", "-1", "--format=%H", self.commit, "--", path,
                        check=False).strip()
        return out or None


def sha256(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


def write_json(data: dict[str, Any], output: str) -> None:
    """Sorted keys, one space indent, a final newline: the same input gives the same bytes."""
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
