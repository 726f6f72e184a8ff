"""Shared by the name extractors in scripts/: read files at one revision of a git repository
(or from a plain tree), hash them, write deterministic JSON. Standard library only."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import subprocess
import sys
from typing import Any

RCS_RE = re.compile(r"\$(NetBSD|OpenBSD|Id):[^$\n]*\$")


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
                              capture_output=True, check=False)
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
                    capture_output=True, check=False)
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


def rcs_id(text: str | None) -> str | None:
    """The `$NetBSD: …$` / `$OpenBSD: …$` revision tag near the top of a file, if any."""
    if not text:
        return None
    m = RCS_RE.search(text[:2000])
    return m.group(0) if m else None


def input_record(src: Source, *, repo: str, path: str, ref: str | None, provenance: dict,
                 last_change: bool) -> dict[str, Any]:
    """What the name databases record about one input file: where it came from, exactly."""
    text = src.read(path)
    pf = provenance.get(path, {})
    item: dict[str, Any] = {
        "repo": repo, "path": path, "commit": pf.get("commit", src.commit),
        "ref": pf.get("ref", ref), "present": text is not None,
        "sha256": sha256(text), "rcs_id": rcs_id(text),
    }
    if src.git_dir:
        item["blob"] = src.blob(path)
        if not provenance and last_change:
            lc = src.last_change(path)
            if lc:
                item["last_changed_commit"] = lc
    if pf.get("note"):
        item["note"] = pf["note"]
    return item


def source_record(src: Source, *, repo: str, rev: str | None, ref: str | None, provenance: dict,
                  **extra: str | None) -> dict[str, Any]:
    """The `source` block: what was read, and whether it is a reconstruction."""
    record: dict[str, Any] = {"repo": repo, "rev": rev, "ref": ref,
                              "commit": provenance.get("commit", src.commit),
                              "mode": "git" if src.git_dir else "tree"}
    record.update({k: v for k, v in extra.items() if v})
    if provenance:
        record["reconstructed"] = True
        record["local_commit"] = src.commit
        if provenance.get("note"):
            record["note"] = provenance["note"]
    return record


def add_source_arguments(ap, *, os_title: str, example_rev: str, default_version: str,
                         example_release: str, default_repo: str) -> None:
    """The options every BSD name extractor takes to say what it reads and how to record it."""
    ap.add_argument("--git-dir", help=f"git directory of an {os_title} src repository")
    ap.add_argument("--rev", help=f"tag/branch/commit to read, e.g. {example_rev}")
    ap.add_argument("--tree", help="plain source tree instead of --git-dir")
    ap.add_argument("--ref", help="ref name to record (default: --rev)")
    ap.add_argument("--repo", help=f"repository to record (default {default_repo})")
    ap.add_argument("--version", default=default_version, help=f"{os_title} major version label")
    ap.add_argument("--release", help=f"exact release, e.g. {example_release}")
    ap.add_argument("--status", default="complete", choices=["complete", "partial", "blocked"])
    ap.add_argument("--caveat", action="append", help="caveat string to record (repeatable)")
    ap.add_argument("--sys-prefix", default="sys/")
    ap.add_argument("--provenance", help="JSON with upstream commits for a reconstructed repo")
    ap.add_argument("--no-last-change", action="store_true",
                    help="skip `git log` per input (faster on huge repos)")
    ap.add_argument("-o", "--output", required=True)


def source_from_arguments(args) -> tuple[Source, str]:
    """The tree add_source_arguments described (--git-dir with --rev, or --tree) and the
    prefix of its sys/ directory, with a trailing slash."""
    if bool(args.git_dir) == bool(args.tree):
        raise SystemExit("give exactly one of --git-dir (with --rev) or --tree")
    if args.git_dir and not args.rev:
        raise SystemExit("--git-dir needs --rev")
    sys_prefix = args.sys_prefix
    if sys_prefix and not sys_prefix.endswith("/"):
        sys_prefix += "/"
    return Source(args.git_dir, args.rev, args.tree), sys_prefix


def provenance_of(args, default_repo: str) -> tuple[dict[str, Any], dict[str, Any], str | None, str]:
    """What --provenance says of a reconstructed repository: (the whole record, its per-file
    commits, the ref to record, the repository to record)."""
    prov: dict[str, Any] = {}
    if args.provenance:
        with open(args.provenance, encoding="utf-8") as fh:
            prov = json.load(fh)
    ref = getattr(args, "ref", None) or prov.get("ref") or args.rev
    repo = getattr(args, "repo", None) or prov.get("repo", default_repo)
    return prov, prov.get("files", {}), ref, repo


def database_head(args, *, os_name: str, generated_by: str, schema_version: int,
                  status: str | None = None) -> dict[str, Any]:
    """The fields every BSD name database starts with: who wrote it, for which OS, version,
    release and architecture, its status and caveats (from add_source_arguments' options)."""
    return {
        "generated_by": generated_by,
        "schema_version": schema_version,
        "os": os_name,
        "version": str(args.version),
        "release": args.release or str(args.version),
        "arch": args.arch,
        "status": status or args.status,
        "caveats": args.caveat or [],
    }


def sorted_attachments(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`DEV at ATTR [with NAME]` records in a stable order."""
    return sorted(attachments, key=lambda a: (a["device"], a["at"], a.get("with", ""), a["declared_in"]))


class AttachChecker:
    """Whether `DEV at PARENT` is backed by an attach statement, as config(1)/config(8) of both
    NetBSD and OpenBSD decide it: PARENT is a device (attach at one of its attributes, or at the
    device itself when it is an interface) or an attribute."""

    def __init__(self, devices: dict[str, Any], pseudo: dict[str, Any], attributes: dict[str, Any],
                 attachments: list[dict[str, Any]]) -> None:
        self.pairs = {(a["device"], a["at"]) for a in attachments}
        self.attributes = attributes
        self.device_attributes: dict[str, set[str]] = {}
        for name, d in list(devices.items()) + list(pseudo.items()):
            attrs = set(d["attributes"])
            if d["interface"]:
                attrs.add(name)
            self.device_attributes[name] = attrs

    def attached(self, dev: str, parent: str) -> bool:
        at = self.device_attributes.get(parent, set()) | ({parent} if parent in self.attributes else set())
        return any((dev, a) in self.pairs for a in at)


def write_json(data: dict[str, Any], output: str) -> None:
    """Sorted keys, one space indent, a final newline: the same input gives the same bytes."""
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
