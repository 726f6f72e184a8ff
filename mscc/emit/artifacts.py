"""Artifacts, the manifest, and writing an output tree atomically."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

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


def manifest(artifacts: list[Artifact], meta: dict) -> Artifact | str:
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
    """Write every bundle or none: each lands in a staging directory first, then replaces
    its destination by rename, so a failure leaves no half-written directory behind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".mscc-staging-", dir=out_dir))
    try:
        for bundle in bundles:
            root = staging / bundle.directory
            for rel, data, executable in bundle.files():
                dest = root / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                os.chmod(dest, 0o755 if executable else 0o644)
        for bundle in bundles:
            final = out_dir / bundle.directory
            final.parent.mkdir(parents=True, exist_ok=True)
            old = None
            if final.exists():
                old = staging / (".old-" + bundle.directory.replace("/", "-"))
                os.replace(final, old)
            os.replace(staging / bundle.directory, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
