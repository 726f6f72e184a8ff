"""Artifacts, the manifest, and writing an output tree atomically."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
import contextlib

KINDS = ("kernel-config", "zfs-tunables", "sysctl", "loader-conf", "zfs-setup", "build-script",
         "vm-definition", "image-script", "report")


@dataclass(frozen=True)
class Artifact:
    path: str     # relative to the profile/target directory, with forward slashes
    kind: str
    content: str
    executable: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown artifact kind {self.kind}")

    @property
    def data(self) -> bytes:
        return self.content.encode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def manifest(artifacts: list[Artifact], meta: dict) -> str:
    doc = {
        **meta,
        "files": [{"path": a.path, "kind": a.kind, "sha256": a.sha256}
                  for a in sorted(artifacts, key=lambda a: a.path)],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Bundle:
    """Everything for one profile and one target, written as one directory."""

    directory: str  # e.g. "m3/freebsd"
    artifacts: tuple
    manifest_text: str

    def files(self) -> list[tuple[str, bytes, bool]]:
        out = [(a.path, a.data, a.executable) for a in self.artifacts]
        out.append(("manifest.json", self.manifest_text.encode("utf-8"), False))
        return sorted(out)


def write_bundles(out_dir: Path, bundles: list[Bundle]) -> None:
    """Write every bundle or none: each is written into a staging directory first and then
    moved over its destination by rename; if any step fails, what was moved is moved back,
    so no half-written output directory is left behind."""
    import shutil
    import tempfile

    created = _make_dirs(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=".mscc-staging-", dir=out_dir))
    moved: list[tuple[Path, Path | None]] = []
    try:
        for bundle in bundles:
            root = staging / "new" / bundle.directory
            for rel, data, executable in bundle.files():
                dest = root / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                os.chmod(dest, 0o755 if executable else 0o644)
        for i, bundle in enumerate(bundles):
            final = out_dir / bundle.directory
            created += _make_dirs(final.parent)
            backup = None
            if final.exists():
                backup = staging / f"old-{i}"
                os.replace(final, backup)
            moved.append((final, backup))
            os.replace(staging / "new" / bundle.directory, final)
    except BaseException:
        for final, backup in reversed(moved):
            shutil.rmtree(final, ignore_errors=True)
            if backup is not None and backup.exists():
                os.replace(backup, final)
        shutil.rmtree(staging, ignore_errors=True)
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise
    shutil.rmtree(staging, ignore_errors=True)


def _make_dirs(path: Path) -> list[Path]:
    """mkdir -p that returns the directories it created, outermost first."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir()
    return list(reversed(missing))
