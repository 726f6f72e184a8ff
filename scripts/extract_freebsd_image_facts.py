#!/usr/bin/env python3
"""Extract the facts the FreeBSD minimal image is checked against, from a FreeBSD src tree.

Two kinds of input, one per way the image is built:

  packages  FreeBSD 15 base-system packages: the package definitions under
            release/packages/ (ucl/<name>[-all].ucl -> package names and the sets each
            belongs to; sets/<set>.ucl -> set names; generate-ucl.sh -> the subpackage
            suffixes), the FreeBSD-base repository of usr.sbin/pkg/FreeBSD.conf.<branch>,
            and the arm64 EFI boot facts of tools/boot/install-boot.sh.
  knobs     FreeBSD 14 src.conf knobs: the WITH_*/WITHOUT_* names documented under
            tools/build/options/ (one file per knob; a knob without one is unknown to make).

Only names and short values (facts) are written; no file is copied. Every input is recorded
with repository, path, commit and sha256. Reads `git ls-tree`/`git show REV:path`, so a run
is reproducible from (git dir, rev).

Usage:
  python3 -m scripts.extract_freebsd_image_facts packages --git-dir DIR --rev REV --repo OWNER/NAME \
      --version 15.0 [--note TEXT] -o targets/freebsd/base-packages-15.json
  python3 -m scripts.extract_freebsd_image_facts knobs --git-dir DIR --rev REV --repo OWNER/NAME \
      --version 14 [--note TEXT] -o targets/freebsd/src-knobs-14.json

Python 3.11, standard library only (a standalone module: `main(argv)` is the entry point).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from typing import Any

GENERATED_BY = "scripts/extract_freebsd_image_facts.py"

_KNOB = re.compile(r"^(WITH|WITHOUT)_[A-Z0-9_]+$")
_SET_ANNOTATION = re.compile(r"annotations\s*\{[^}]*?\bset\s*=\s*\"?([A-Za-z0-9_,-]+)\"?", re.S)
_VITAL = re.compile(r"^\s*vital\s*[:=]\s*true\b", re.M)
_SUFFIX_ARM = re.compile(r"^\s*\*(-[a-z0-9-]+)\)", re.M)
_REPO_BLOCK = re.compile(r"^([A-Za-z0-9_-]+):\s*\{(.*?)^\}", re.M | re.S)
_UCL_STRING = re.compile(r"^\s*([a-z_]+):\s*\"([^\"]*)\"", re.M)
_UEFI_ARM64 = re.compile(r"^\s*arm64\)\s*echo\s+([a-z0-9]+)\s*;;", re.M)
_FAT32_MIN = re.compile(r"^fat32min=(\d+)\s*$", re.M)


class Tree:
    """Files of one commit of a git repository."""

    def __init__(self, git_dir: str, rev: str) -> None:
        self.git_dir = git_dir
        self.commit = self._git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()
        self.read_paths: dict[str, str] = {}

    def _git(self, *args: str) -> str:
        proc = subprocess.run(["git", "--git-dir", self.git_dir, *args], capture_output=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout.decode("utf-8", errors="replace")

    def names(self, directory: str) -> list[str]:
        """The file names directly under `directory`."""
        out = self._git("ls-tree", "--name-only", f"{self.commit}:{directory}")
        return sorted(line for line in out.splitlines() if line)

    def read(self, path: str) -> str:
        text = self._git("show", f"{self.commit}:{path}")
        self.read_paths[path] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return text

    def inputs(self, repo: str, listed: list[str]) -> list[dict[str, Any]]:
        """Every file read, and every directory listed, with where it came from."""
        files = [{"repo": repo, "path": p, "commit": self.commit, "sha256": h}
                 for p, h in sorted(self.read_paths.items())]
        dirs = [{"repo": repo, "path": d + "/", "commit": self.commit, "listing": True} for d in listed]
        return dirs + files


def base_packages(tree: Tree) -> dict[str, Any]:
    """Package names of release/packages/ucl with their sets, set names, subpackage suffixes."""
    ucl_dir, sets_dir = "release/packages/ucl", "release/packages/sets"
    packages: dict[str, dict[str, Any]] = {}
    # template.ucl's own set annotation: where a package without one goes
    found = _SET_ANNOTATION.search(tree.read("release/packages/template.ucl"))
    default_set = found.group(1) if found else "base"
    for file in tree.names(ucl_dir):
        if not file.endswith(".ucl"):
            continue
        name = file[: -len(".ucl")]
        text = tree.read(f"{ucl_dir}/{file}")
        stem = name[: -len("-all")] if name.endswith("-all") else name
        entry = packages.setdefault(stem, {"sets": [default_set]})
        found = _SET_ANNOTATION.search(text)
        if found:
            entry["sets"] = sorted(set(found.group(1).split(",")) - {""})
        if _VITAL.search(text) and not name.endswith("-all"):
            entry["vital"] = True
    sets = sorted(f[: -len(".ucl")] for f in tree.names(sets_dir) if f.endswith(".ucl"))
    suffixes = sorted(set(_SUFFIX_ARM.findall(tree.read("release/packages/generate-ucl.sh"))),
                      key=lambda s: (-len(s), s))
    return {"packages": dict(sorted(packages.items())), "sets": sets, "subpackage_suffixes": suffixes}


def pkg_repositories(tree: Tree, conf: str) -> dict[str, dict[str, str]]:
    """The base and ports repositories of pkg's configuration for release branches."""
    found = {}
    for name, body in _REPO_BLOCK.findall(tree.read(conf)):
        if name in ("FreeBSD-base", "FreeBSD-ports"):
            values = dict(_UCL_STRING.findall(body))
            found[name] = {k: values[k] for k in ("url", "mirror_type", "signature_type", "fingerprints")}
    if len(found) != 2:
        raise SystemExit(f"{conf}: no FreeBSD-base or FreeBSD-ports repository")
    return found


def efi_boot(tree: Tree) -> dict[str, Any]:
    text = tree.read("tools/boot/install-boot.sh")
    arm64, fat32 = _UEFI_ARM64.search(text), _FAT32_MIN.search(text)
    if not arm64 or not fat32:
        raise SystemExit("tools/boot/install-boot.sh: arm64 UEFI boot name or fat32min not found")
    return {"arm64_boot_file": f"EFI/BOOT/{arm64.group(1)}.efi", "fat32_min_kib": int(fat32.group(1))}


def knobs(tree: Tree) -> list[str]:
    return [n for n in tree.names("tools/build/options") if _KNOB.match(n)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=("packages", "knobs"))
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--repo", required=True, help="repository to record, owner/name")
    ap.add_argument("--version", required=True, help="FreeBSD version the tree is, e.g. 15.0")
    ap.add_argument("--pkg-conf", default="usr.sbin/pkg/FreeBSD.conf.quarterly-release",
                    help="pkg configuration a release installs (packages only)")
    ap.add_argument("--note", default="", help="what the tree is, and how that was established")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)

    tree = Tree(args.git_dir, args.rev)
    data: dict[str, Any] = {"generated_by": GENERATED_BY, "version": args.version}
    if args.kind == "packages":
        data.update(base_packages(tree))
        data["repositories"] = pkg_repositories(tree, args.pkg_conf)
        data["efi"] = efi_boot(tree)
        listed = ["release/packages/ucl", "release/packages/sets"]
    else:
        data["knobs"] = knobs(tree)
        listed = ["tools/build/options"]
    data["source"] = {"repo": args.repo, "commit": tree.commit, "note": args.note,
                      "inputs": tree.inputs(args.repo, listed)}
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
