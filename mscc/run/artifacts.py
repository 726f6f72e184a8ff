"""What each target's job produces, and the files the runner copies back: only these, never
the whole tree (copying back everything is what users of vmactions' VMs asked to avoid).

Patterns are sh globs evaluated where the build ran, after it ended: relative ones in the job's
work directory, absolute ones where each OS's build.sh puts its kernel by default. The job's
log (RESULTS/logs/PROFILE-TARGET.log) is always kept and is the build log.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

# The one registry of declared artifacts, by target. Sources: the build.sh each emitter writes
# (mscc/emit/*): alpine builds in $PWD/build-$VARIANT (O=); FreeBSD's buildkernel puts the
# kernel under MAKEOBJDIRPREFIX (default /usr/obj); NetBSD's build.sh kernel=KCONF and
# OpenBSD's config + make build in sys/arch/*/compile/KERNCONF of the source tree (default
# SRC=/usr/src; bsd-kernel-facts.md 2.6, 3.5). Where the object files go inside that directory
# (NetBSD with or without -O, OpenBSD's obj/ subdirectory) is UNCONFIRMED, so both layouts
# are listed; a pattern that matches nothing copies nothing.
DECLARED: dict[str, tuple[str, ...]] = {
    "alpine": ("build-*/.config", "build-*/arch/arm64/boot/Image"),
    "freebsd": ("/usr/obj/usr/src/arm64.aarch64/sys/MSCC_*/kernel",),
    "netbsd": ("/usr/src/sys/arch/evbarm/compile/MSCC_*/netbsd",
               "/usr/src/sys/arch/evbarm/compile/MSCC_*/netbsd.img",
               "/usr/obj/sys/arch/evbarm/compile/MSCC_*/netbsd",
               "/usr/obj/sys/arch/evbarm/compile/MSCC_*/netbsd.img"),
    "openbsd": ("/usr/src/sys/arch/arm64/compile/MSCC_*/bsd",
                "/usr/src/sys/arch/arm64/compile/MSCC_*/obj/bsd"),
}
# Which declared artifact is a kernel QEMU boots with -kernel (`--kernel-from`): Alpine's Image.
# The BSD kernels are not in this table: their loaders boot them from the guest's own disk after
# build.sh installed them (docs/run.md, "The kernel the VM boots").
BOOTABLE: dict[str, str] = {"alpine": "build-*/arch/arm64/boot/Image"}
# Targets whose build.sh installs the kernel in the guest: the VM runs it after a reboot. The
# job prints the running kernel's `uname -v` after the build, so that a backend that reboots can
# compare it with the one after (contract: docs/run.md; no backend here reboots a BSD guest).
INSTALLED_IN_GUEST = ("freebsd", "netbsd", "openbsd")
# Artifacts larger than this are not copied back (a runaway build must not fill RESULTS).
MAX_ARTIFACT_BYTES = 1 << 31


def declared(target: str) -> tuple[str, ...]:
    return DECLARED.get(target, ())


def stored_name(path: str) -> str:
    """Where a guest path lands under RESULTS/artifacts/SLUG/: absolute paths lose their '/'."""
    return path.lstrip("/")


@dataclass(frozen=True)
class Artifact:
    path: str        # as the build saw it (relative to the work directory, or absolute)
    stored: str      # relative to RESULTS
    size: int
    sha256: str

    def to_dict(self) -> dict:
        return {"path": self.path, "stored": self.stored, "size": self.size, "sha256": self.sha256}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe(results: Path, guest_path: str, stored: str) -> Artifact:
    file = results / stored
    return Artifact(guest_path, stored, file.stat().st_size, sha256_file(file))


def verify(results: Path, entry: dict) -> bool:
    """True if the artifact a report lists is still under RESULTS with its size and sha256."""
    stored = entry.get("stored")
    if not isinstance(stored, str) or stored.startswith("/") or ".." in Path(stored).parts:
        return False
    file = results / stored
    try:
        return (file.is_file() and not file.is_symlink() and file.stat().st_size == entry.get("size")
                and sha256_file(file) == entry.get("sha256"))
    except OSError:
        return False


def kernel_from_report(spec: str) -> Path:
    """The kernel a finished job left: `REPORT[:PROFILE/TARGET]` names a runner report.json and,
    when it lists more than one job with a bootable kernel, the job. The file must still verify."""
    report, job = Path(spec), None
    if not report.is_file() and ":" in spec:
        head, tail = spec.rsplit(":", 1)
        report, job = Path(head), tail
    try:
        doc = json.loads(report.read_text(encoding="utf-8"))
        entries = doc["jobs"] if isinstance(doc, dict) else None
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as err:
        raise ValueError(f"--kernel-from {report}: not a readable runner report ({err})") from None
    if not isinstance(entries, list):
        raise ValueError(f"--kernel-from {report}: not a runner report (no jobs list)")
    found: dict[str, dict] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("status") not in ("passed", "cached"):
            continue
        name = f"{entry.get('profile')}/{entry.get('target')}"
        pattern = BOOTABLE.get(str(entry.get("target")))
        kernels = [a for a in entry.get("artifacts") or () if isinstance(a, dict) and pattern
                   and isinstance(a.get("path"), str) and fnmatch.fnmatchcase(a["path"], pattern)]
        if kernels:
            found[name] = kernels[0]
    if job is not None:
        found = {job: found[job]} if job in found else {}
    if len(found) != 1:
        which = ", ".join(sorted(found)) or "none"
        raise ValueError(f"--kernel-from {spec}: {'one' if found else 'no'} passed job with a bootable kernel "
                         f"expected, found {which}" + ("; add :PROFILE/TARGET" if found else ""))
    entry = next(iter(found.values()))
    if not verify(report.parent, entry):
        raise ValueError(f"--kernel-from {spec}: {entry.get('stored')} is missing or changed since the run")
    return report.parent / entry["stored"]
