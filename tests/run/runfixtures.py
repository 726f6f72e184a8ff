"""Fixtures of generated output for the runner: OUT trees whose build scripts pass, fail, hang,
or stay silent, written the way `mscc compile` writes them (PROFILE/TARGET/manifest.json)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Scripts of the fixture jobs. Each takes seconds at most, so every timeout is second-scale.
PASS = """#!/bin/sh
set -eu
echo "building ${PROFILE_NAME:-}"
mkdir -p build-virt/arch/arm64/boot
echo "CONFIG_ARM64_16K_PAGES=y" >build-virt/.config
printf 'kernel image\\n' >build-virt/arch/arm64/boot/Image
mkdir -p build-virt/scratch && echo junk >build-virt/scratch/not-an-artifact
echo done
"""
FAIL = """#!/bin/sh
i=0
while [ $i -lt 40 ]; do i=$((i + 1)); echo "line $i"; done
echo "build.sh: something broke" >&2
exit 7
"""
# MARK is replaced by a number unique to the test, so leftover processes can be found.
HANG = """#!/bin/sh
echo "starting a build that never ends"
sleep MARK &
( sleep MARK & sleep MARK ) &
while :; do echo tick; sleep 0.2; done
"""
SILENT = """#!/bin/sh
echo "printing once, then nothing"
sleep MARK
"""
SYNTAX_ERROR = """#!/bin/sh
if then fi
"""


KINDS = {"build.sh": "build-script", "lima.yaml": "vm-definition", "qemu.sh": "vm-definition",
         "verify.sh": "verify-script", "bench.sh": "bench-script"}


def write_job(out: Path, profile: str, target: str, script: str, extra: dict[str, str] | None = None) -> Path:
    """OUT/PROFILE/TARGET with build.sh and a manifest.json like the emitters write."""
    directory = out / profile / target
    directory.mkdir(parents=True, exist_ok=True)
    files = {"build.sh": script, **(extra or {})}
    entries = []
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        kind = KINDS.get(name, "zfs-setup" if name.endswith(".sh") else "report")
        entries.append({"kind": kind, "path": name, "sha256": hashlib.sha256(text.encode()).hexdigest()})
    manifest = {"files": sorted(entries, key=lambda e: e["path"]), "generator": "mscc 0.1.0",
                "profile": profile, "source": "fixture.msk", "target": target, "version": "3.22"}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return directory


def new_mark() -> str:
    """A sleep duration unique to a test: `sleep MARK` in ps output finds its leftovers."""
    return str(700000 + (os.getpid() * 7919 + int.from_bytes(os.urandom(2), "big")) % 99999)


def leftovers(mark: str) -> list[str]:
    done = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if f"sleep {mark}" in line and " Z" not in line]


def mscc(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "mscc", *args], check=False, capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)
