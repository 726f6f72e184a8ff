"""What each target's job produces, and the files the runner copies back: only these, never
the whole tree (copying back everything is what users of vmactions' VMs asked to avoid).

Patterns are sh globs evaluated where the build ran, after it ended: relative ones in the job's
work directory, absolute ones where each OS's build.sh puts its kernel by default. The job's
log (RESULTS/logs/PROFILE-TARGET.log) is always kept and is the build log.
"""

from __future__ import annotations

import hashlib
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
