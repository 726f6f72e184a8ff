"""An x86_64 KVM guest with a real OpenZFS, to run zfs-setup.sh, verify.sh and bench.sh of an
Alpine-style profile against the real thing.

Debian bookworm-backports has Linux 6.12 and, in contrib, OpenZFS 2.3 (zfs-dkms and
zfsutils-linux: the release Alpine 3.22 ships). Everything is fetched from the archive this
machine's apt already uses (its address read at run time from its apt sources, as
mscc.run.guest does; no registry host is written here) with a private apt configuration (own
state, cache and sources with `contrib` and `bookworm-backports`), so the machine's apt and
dpkg are untouched:

- the guest root: zfsutils-linux, busybox-static, kmod, libc-bin and what they link, unpacked
  with dpkg-deb -x into one initramfs;
- the kernel: the backports linux-image, with the virtio modules the guest needs;
- the zfs and spl modules, built on this machine from zfs-dkms' source against the backports
  kernel headers (the headers' Makefile points at /usr/src: it is pointed at the unpacked copy).

All of it is cached in ~/.cache/mscc/zfs-guest-amd64 behind a file lock. A job is one more
gzip'd cpio archive appended to the initramfs (the kernel unpacks concatenated archives), with
a run.sh that /init runs; its output comes back on the serial console, and the guest powers
off when run.sh ends.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from mscc.run.cache import cache_root, locked
from mscc.run.guest import Archive, PrivateApt, _cpio_newc, machine_archive

SUITE = "bookworm"
BACKPORTS = f"{SUITE}-backports"
ROOT_PACKAGES = ("zfsutils-linux", "busybox-static", "kmod", "libc-bin")
# kernel modules /init loads: the virtio devices the test profile keeps (the job loads zfs
# itself, after installing the profile's modprobe.d file)
GUEST_MODULES = ("virtio_blk", "virtio_net", "virtio-rng")
LAYOUT_VERSION = "1"

INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /etc/modprobe.d /etc/sysctl.d
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox --install -s 2>/dev/null
export PATH=/sbin:/usr/sbin:/bin:/usr/bin HOME=/root
while read -r m; do modprobe "$m"; done < /etc/mscc-modules
echo "mscc-guest: userspace"
if [ -x /job/run.sh ]; then
    /job/run.sh
    echo "mscc-guest: run.sh exit $?"
fi
sync
poweroff -f
"""


@dataclass(frozen=True)
class ZfsGuest:
    kernel: Path
    initrd: Path
    release: str          # the guest kernel's uname -r
    openzfs: str


class Apt(PrivateApt):
    """The private apt of mscc.run.guest for amd64 sources: main and contrib of the suite and
    of its backports."""

    def __init__(self, root: Path, archive: Archive):
        # the private directories belong to root: no switch to the _apt user
        super().__init__(root, archive, arch="amd64", suites=(SUITE, BACKPORTS), components="main contrib",
                         extra_options=("-o", "APT::Sandbox::User=root"))

    def backports_depends(self, meta: str) -> str:
        return backports_depends(self, meta)


def backports_depends(apt: PrivateApt, meta: str) -> str:
    """The versioned package a backports metapackage (linux-image-amd64) depends on."""
    for stanza in apt.run("apt-cache", "show", meta).split("\n\n"):
        if re.search(r"^Version: .*~bpo", stanza, re.M):
            match = re.search(r"^Depends: (\S+)", stanza, re.M)
            if match:
                return match.group(1)
    raise RuntimeError(f"no {BACKPORTS} version of {meta}")


def _unpack(debs: list[Path], into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True, timeout=600)


def _download(work: Path) -> dict[str, Path]:
    apt = Apt(work / "apt", machine_archive())
    apt.run("apt-get", "update")
    image = apt.backports_depends("linux-image-amd64")        # linux-image-6.12.N+deb12-amd64
    headers = apt.backports_depends("linux-headers-amd64")
    flavour = headers.removeprefix("linux-headers-")          # 6.12.N+deb12-amd64
    common = f"linux-headers-{flavour.removesuffix('-amd64')}-common"
    kbuild = f"linux-kbuild-{flavour.removesuffix('-amd64')}"
    root_debs, kernel_debs = work / "root-debs", work / "kernel-debs"
    for d in (root_debs, kernel_debs):
        d.mkdir(exist_ok=True)
    apt.run("apt-get", "-y", "--no-install-recommends", "-t", BACKPORTS, "install", "--download-only",
            "-o", f"Dir::Cache::archives={root_debs}", *ROOT_PACKAGES)
    apt.run("apt-get", "download", image, headers, common, kbuild, f"zfs-dkms/{BACKPORTS}", cwd=kernel_debs)
    out = {"root": work / "root", "kernel": work / "kernel", "build": work / "build"}
    _unpack(sorted(root_debs.glob("*.deb")), out["root"])
    _unpack(sorted(kernel_debs.glob("linux-image-*.deb")), out["kernel"])
    _unpack(sorted(p for p in kernel_debs.glob("*.deb") if not p.name.startswith("linux-image-")), out["build"])
    return out


def _build_zfs(build: Path) -> tuple[str, list[Path]]:
    """Build spl.ko and zfs.ko from zfs-dkms' source against the unpacked headers."""
    src = build / "usr/src"
    obj = next(src.glob("linux-headers-*-amd64"))
    common = next(src.glob("linux-headers-*-common"))
    makefile = obj / "Makefile"  # `include /usr/src/...-common/Makefile`: the unpacked copy instead
    makefile.write_text(makefile.read_text().replace("include /usr/src/", f"include {src}/"))
    zfs = next(src.glob("zfs-*"))
    jobs = str(os.cpu_count() or 1)
    subprocess.run(["./configure", "--disable-dependency-tracking", "--prefix=/usr", "--with-config=kernel",
                    f"--with-linux={common}", f"--with-linux-obj={obj}"], cwd=zfs, check=True,
                   capture_output=True, timeout=3600)
    subprocess.run(["make", "-j", jobs, "-C", "module"], cwd=zfs, check=True, capture_output=True, timeout=7200)
    return zfs.name.removeprefix("zfs-"), [zfs / "module/spl.ko", zfs / "module/zfs.ko"]


def _module_closure(kernel: Path, release: str, names: tuple[str, ...]) -> list[Path]:
    """The module files NAMES need, dependencies included, from the unpacked kernel package
    (depmod makes its modules.dep; modprobe --show-depends lists the files in load order)."""
    subprocess.run(["depmod", "-b", str(kernel), release], check=True, timeout=600)
    files: list[Path] = []
    for name in names:
        shown = subprocess.run(["modprobe", "-d", str(kernel), "-S", release, "--show-depends", name],
                               capture_output=True, text=True, check=True, timeout=60).stdout
        for line in shown.splitlines():
            if line.startswith("insmod "):
                path = Path(line.split()[1])
                if path not in files:
                    files.append(path)
    return files


def _depends(module: Path) -> list[str]:
    shown = subprocess.run(["modinfo", "-F", "depends", str(module)], capture_output=True, text=True,
                           check=True, timeout=60).stdout.strip()
    return [d for d in shown.split(",") if d]


# what the job never uses and the initramfs need not carry (zfsutils' python and perl helpers)
_PRUNE = ("usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info", "usr/share/perl",
          "usr/lib/python3", "usr/lib/python3.11", "usr/lib/x86_64-linux-gnu/perl", "usr/share/perl5")


def _assemble(parts: dict[str, Path], modules: list[Path], openzfs: str, guest_dir: Path) -> ZfsGuest:
    root, kernel = parts["root"], parts["kernel"]
    release = next((kernel / "lib/modules").iterdir()).name
    for prune in _PRUNE:
        shutil.rmtree(root / prune, ignore_errors=True)
    kmods = root / "lib/modules" / release
    shutil.rmtree(kmods, ignore_errors=True)
    source = kernel / "lib/modules" / release
    built = {m.name.removesuffix(".ko") for m in modules}
    needed = [d for m in modules for d in _depends(m) if d not in built]  # what zfs.ko links to
    for path in _module_closure(kernel, release, (*GUEST_MODULES, *needed)):
        dest = kmods / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    for index in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        if (source / index).exists():
            shutil.copy2(source / index, kmods / index)
    (kmods / "updates").mkdir(parents=True, exist_ok=True)
    for module in modules:
        shutil.copy2(module, kmods / "updates" / module.name)
        # zfs.ko carries 100 MB of debug information: the initramfs needs none of it
        subprocess.run(["strip", "--strip-debug", str(kmods / "updates" / module.name)], check=True, timeout=600)
    subprocess.run(["depmod", "-b", str(root), release], check=True, timeout=600)
    (root / "etc/mscc-modules").write_text("\n".join(GUEST_MODULES) + "\n")
    (root / "init").write_text(INIT)
    (root / "init").chmod(0o755)
    (root / "root").mkdir(exist_ok=True)
    _cpio_newc(root, guest_dir / "initrd.gz")
    shutil.copy2(next((kernel / "boot").glob("vmlinuz-*")), guest_dir / "vmlinuz")
    (guest_dir / "release").write_text(f"{release} {openzfs}")
    (guest_dir / "layout").write_text(LAYOUT_VERSION)
    return ZfsGuest(guest_dir / "vmlinuz", guest_dir / "initrd.gz", release, openzfs)


def is_assembled(cache: Path | None = None) -> bool:
    """Whether the cached guest of this layout is ready (booting it then costs about a minute;
    assembling it cold, 15-25 minutes on two cores)."""
    guest_dir = (cache or cache_root()) / "zfs-guest-amd64"
    layout = guest_dir / "layout"
    return layout.exists() and layout.read_text() == LAYOUT_VERSION and (guest_dir / "initrd.gz").exists()


def zfs_guest(cache: Path | None = None) -> ZfsGuest:
    """The cached guest, assembled first if needed (under the cache's file lock)."""
    guest_dir = (cache or cache_root()) / "zfs-guest-amd64"
    with locked(guest_dir):
        layout, release = guest_dir / "layout", guest_dir / "release"
        if layout.exists() and layout.read_text() == LAYOUT_VERSION and (guest_dir / "initrd.gz").exists():
            kernel_release, openzfs = release.read_text().split()
            return ZfsGuest(guest_dir / "vmlinuz", guest_dir / "initrd.gz", kernel_release, openzfs)
        work = guest_dir / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        parts = _download(work)
        openzfs, modules = _build_zfs(parts["build"])
        guest = _assemble(parts, modules, openzfs, guest_dir)
        shutil.rmtree(work, ignore_errors=True)  # packages, unpacked trees, the module build: not needed again
        return guest


@dataclass(frozen=True)
class Run:
    console: str
    seconds: float


def accelerator() -> str:
    """MSCC_ZFS_GUEST_ACCEL (kvm or tcg), default tcg. /dev/kvm on these machines is kvm-pvm
    (a paravirtual KVM): a stock Debian kernel booted on it prints nothing and the host logs
    `kvm-pvm: INTERNAL_ERROR in batch emul`, so KVM is used only when asked for."""
    return "kvm" if os.environ.get("MSCC_ZFS_GUEST_ACCEL") == "kvm" else "tcg"


def run_job(guest: ZfsGuest, files: dict[str, bytes], workdir: Path, *, memory_mib: int = 3072,
            timeout: float = 1800) -> Run:
    """Boot the guest with FILES (path under /job → content; run.sh is run) and return its
    serial console once it powered off."""
    job = workdir / "job"
    shutil.rmtree(job, ignore_errors=True)
    for rel, data in files.items():
        dest = job / "job" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        dest.chmod(0o755)
    _cpio_newc(job, workdir / "job.gz")
    initrd = workdir / "initrd.gz"
    with open(initrd, "wb") as out:
        for part in (guest.initrd, workdir / "job.gz"):
            out.write(part.read_bytes())
    console = workdir / "console.log"
    disk = workdir / "disk.img"
    disk.write_bytes(b"\0" * (1 << 20))
    accel = ["-enable-kvm", "-cpu", "host"] if accelerator() == "kvm" else [
        "-accel", "tcg,thread=multi", "-cpu", "max"]
    command = ["qemu-system-x86_64", *accel, "-smp", "2", "-m", str(memory_mib),
               "-kernel", str(guest.kernel), "-initrd", str(initrd),
               "-append", "console=ttyS0 panic=-1 quiet rdinit=/init",
               "-display", "none", "-no-reboot", "-serial", f"file:{console}",
               "-drive", f"file={disk},format=raw,if=virtio", "-nic", "user,model=virtio-net-pci",
               "-device", "virtio-rng-pci"]
    started = time.monotonic()
    subprocess.run(command, check=True, timeout=timeout, stdin=subprocess.DEVNULL, capture_output=True)
    return Run(console.read_text(errors="replace"), time.monotonic() - started)
