"""A small aarch64 guest assembled from Debian's arm64 packages, for the qemu backend and its
tests: Debian's arm64 kernel, an initramfs of busybox-static (init, sh, tar, ps, awk) and
dropbear (an ssh server), with a key pair made for it.

The packages come from the archive this machine's apt already uses (its address is read at
run time from /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list: no registry host is
written here), fetched with `apt-get download` under a private apt configuration (its own
Dir::State, Dir::Cache and [arch=arm64] sources, so the machine's dpkg is untouched), unpacked
with dpkg-deb -x, and cached under ~/.cache/mscc/guest-arm64 behind a file lock.
"""

from __future__ import annotations

import gzip
import lzma
import os
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mscc.run.cache import cache_root, locked

# dropbear-bin and the shared libraries it links against on arm64 (its Depends in bookworm).
# libc-bin for getconf (busybox has no getconf applet).
PACKAGES = ("busybox-static", "dropbear-bin", "libc6", "libcrypt1", "zlib1g", "libtomcrypt1", "libtommath1",
            "libgmp10", "libc-bin")
# Debian's arm64 kernel has the virtio PCI transport and network driver as modules; these and
# what they depend on go into the initramfs, loaded in dependency order.
MODULES = ("virtio_pci", "virtio_net")
LAYOUT_VERSION = "3"  # bump when the initramfs layout changes: the cache key includes it


@dataclass(frozen=True)
class Guest:
    kernel: Path
    initrd: Path
    key: Path          # private key whose public half is root's authorized key
    cmdline: str = "console=ttyAMA0 panic=-1 quiet"


@dataclass(frozen=True)
class Archive:
    uri: str
    suite: str
    signed_by: str | None


def machine_archive(etc: Path = Path("/etc/apt")) -> Archive:
    """The first Debian archive of this machine's apt sources (deb822 or one-line format)."""
    for sources in sorted((etc / "sources.list.d").glob("*.sources")):
        for stanza in sources.read_text().split("\n\n"):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            if "deb" in fields.get("types", "").split() and fields.get("uris") and fields.get("suites"):
                return Archive(fields["uris"].split()[0], fields["suites"].split()[0], fields.get("signed-by"))
    listing = etc / "sources.list"
    if listing.exists():
        for line in listing.read_text().splitlines():
            match = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if match:
                return Archive(match.group(1), match.group(2), None)
    raise RuntimeError("no deb line in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list")


class PrivateApt:
    """apt-get and apt-cache with their own state, cache and sources (the machine's apt and dpkg
    are never touched): arm64 packages of the machine's own suite by default."""

    def __init__(self, root: Path, archive: Archive, *, arch: str = "arm64",
                 suites: tuple[str, ...] = (), components: str = "main",
                 extra_options: tuple[str, ...] = ()):
        self.root = root
        for sub in ("state/lists/partial", "cache/archives/partial", "parts"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "status").touch()
        options = f"arch={arch}" + (f" signed-by={archive.signed_by}" if archive.signed_by else "")
        (root / "sources.list").write_text("".join(f"deb [{options}] {archive.uri} {suite} {components}\n"
                                                   for suite in suites or (archive.suite,)))
        self.options = [
            "-o", f"Dir::Etc::SourceList={root / 'sources.list'}", "-o", f"Dir::Etc::SourceParts={root / 'parts'}",
            "-o", f"Dir::State={root / 'state'}", "-o", f"Dir::State::status={root / 'status'}",
            "-o", f"Dir::Cache={root / 'cache'}", "-o", f"APT::Architecture={arch}",
            "-o", f"APT::Architectures::={arch}", "-o", "Debug::NoLocking=1", *extra_options,
        ]

    def run(self, tool: str, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run([tool, *self.options, *args], capture_output=True, text=True, cwd=cwd,
                              check=False, stdin=subprocess.DEVNULL, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    def kernel_package(self) -> str:
        """linux-image-arm64 is a metapackage: the versioned image it depends on."""
        show = self.run("apt-cache", "show", "linux-image-arm64")
        match = re.search(r"^Depends:.*?(linux-image-[0-9][^\s,]*-arm64)\b", show, re.MULTILINE)
        if not match:
            raise RuntimeError("apt-cache show linux-image-arm64 names no kernel package")
        return match.group(1)


def _download(work: Path) -> Path:
    """Fetch and unpack every package into work/root; return that root."""
    apt = PrivateApt(work / "apt", machine_archive())
    apt.run("apt-get", "update")
    debs = work / "debs"
    debs.mkdir(exist_ok=True)
    apt.run("apt-get", "download", *PACKAGES, apt.kernel_package(), cwd=debs)
    root = work / "root"
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, timeout=600)
    return root


INIT_RC = """#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /root /run /var/log
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
for m in /lib/modules/*.ko; do insmod "$m"; done
hostname mscc-guest
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
echo "mscc-guest: network up"
"""
INITTAB = """::sysinit:/etc/rcS
::respawn:/usr/sbin/dropbear -F -E -R -s -p 22
::ctrlaltdel:/bin/busybox poweroff -f
"""


def _cpio_newc(root: Path, out: Path) -> None:
    """Write ROOT as a gzip'd newc cpio archive (what the kernel unpacks as its initramfs)."""
    with gzip.open(out, "wb", compresslevel=6) as archive:
        inode = 1
        for path in [root, *sorted(root.rglob("*"))]:
            rel = "." if path == root else "./" + path.relative_to(root).as_posix()
            info = path.lstat()
            data = os.readlink(path).encode() if stat.S_ISLNK(info.st_mode) else (
                path.read_bytes() if stat.S_ISREG(info.st_mode) else b"")
            _cpio_entry(archive, rel, info.st_mode, data, inode)
            inode += 1
        _cpio_entry(archive, "TRAILER!!!", 0, b"", 0)


def _cpio_entry(archive, name: str, mode: int, data: bytes, inode: int) -> None:
    encoded = name.encode() + b"\0"
    fields = (inode, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0)
    header = b"070701" + b"".join(f"{value:08x}".encode() for value in fields)
    archive.write(header + encoded + b"\0" * ((4 - (110 + len(encoded)) % 4) % 4))
    archive.write(data + b"\0" * ((4 - len(data) % 4) % 4))


def module_bytes(module: Path) -> bytes:
    """A module file's contents, decompressed when it is .ko.xz (Debian's 6.12 kernels)."""
    return lzma.decompress(module.read_bytes()) if module.suffix == ".xz" else module.read_bytes()


def _module_closure(unpacked: Path, names: tuple[str, ...]) -> list[Path]:
    """The .ko files of NAMES and their dependencies, dependencies first. The package has no
    modules.dep (depmod makes it on install), so `depends=` is read from each module's
    .modinfo strings."""
    index = {m.name.split(".ko")[0].replace("-", "_"): m for m in (unpacked / "lib/modules").rglob("*.ko*")}
    ordered: list[Path] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        module = index.get(name.replace("-", "_"))
        if module is None or module in ordered or name in trail:
            return  # built in, already placed, or a cycle (modules have none)
        match = re.search(rb"\0depends=([^\0]*)\0", b"\0" + module_bytes(module))
        for dependency in (match.group(1).decode().split(",") if match and match.group(1) else []):
            visit(dependency, (*trail, name))
        ordered.append(module)

    for name in names:
        visit(name, ())
    return ordered


def _assemble(unpacked: Path, guest_dir: Path) -> Guest:
    initramfs = guest_dir / "initramfs"
    if initramfs.exists():
        shutil.rmtree(initramfs)
    for sub in ("bin", "sbin", "usr/bin", "usr/sbin", "etc/dropbear", "root/.ssh", "proc", "sys", "dev",
                "tmp", "lib/modules"):
        (initramfs / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy2(unpacked / "bin/busybox", initramfs / "bin/busybox")
    for applet in ("sh", "init"):
        (initramfs / "bin" / applet).symlink_to("busybox")
    (initramfs / "init").symlink_to("bin/busybox")
    shutil.copy2(unpacked / "usr/sbin/dropbear", initramfs / "usr/sbin/dropbear")
    shutil.copy2(unpacked / "usr/bin/getconf", initramfs / "usr/bin/getconf")
    # The shared libraries dropbear needs: everything the packages put in lib directories.
    for lib_dir in ("lib", "usr/lib"):
        for lib in (unpacked / lib_dir).rglob("*.so*"):
            if "/modules/" in lib.as_posix():
                continue
            dest = initramfs / lib.relative_to(unpacked)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if lib.is_symlink():
                dest.symlink_to(os.readlink(lib))
            else:
                shutil.copy2(lib, dest)
    (initramfs / "lib/ld-linux-aarch64.so.1").unlink(missing_ok=True)
    (initramfs / "lib/ld-linux-aarch64.so.1").symlink_to("aarch64-linux-gnu/ld-linux-aarch64.so.1")
    for index, module in enumerate(_module_closure(unpacked, MODULES)):
        shutil.copy2(module, initramfs / "lib/modules" / f"{index:02d}-{module.name}")
    etc = initramfs / "etc"
    (etc / "rcS").write_text(INIT_RC)
    (etc / "rcS").chmod(0o755)
    (etc / "inittab").write_text(INITTAB)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\n")
    (etc / "shells").write_text("/bin/sh\n")
    key = guest_dir / "id_ed25519"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mscc-guest", "-f", str(key)],
                       check=True, stdin=subprocess.DEVNULL)
    (initramfs / "root/.ssh/authorized_keys").write_text(key.with_suffix(".pub").read_text())
    # busybox --install at boot would need a writable /bin: make the applet links now.
    for applet in ("mount", "mkdir", "insmod", "hostname", "ip", "echo", "ps", "tar", "awk", "env", "rm",
                   "cat", "sleep", "kill", "uname", "ls", "cp", "mv", "chmod", "grep", "sed", "sort",
                   "head", "tail", "printf", "tr", "wc", "date", "id", "true", "false", "poweroff", "dd", "find",
                   "xargs", "cut", "uniq", "gzip", "sha256sum", "readlink", "dirname", "basename", "test",
                   "touch", "ln", "df", "du", "free", "pwd"):
        link = initramfs / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    _cpio_newc(initramfs, guest_dir / "initrd.gz")
    vmlinuz = sorted((unpacked / "boot").glob("vmlinuz-*"))
    if not vmlinuz:
        raise RuntimeError("the kernel package has no /boot/vmlinuz-*")
    shutil.copy2(vmlinuz[-1], guest_dir / "vmlinuz")
    (guest_dir / "layout").write_text(LAYOUT_VERSION)
    return Guest(guest_dir / "vmlinuz", guest_dir / "initrd.gz", key)


def debian_arm64_guest(cache: Path | None = None) -> Guest:
    """The cached guest, assembling it first if needed (under the cache's file lock)."""
    guest_dir = (cache or cache_root()) / "guest-arm64"
    with locked(guest_dir):
        layout = guest_dir / "layout"
        if layout.exists() and layout.read_text() == LAYOUT_VERSION and (guest_dir / "initrd.gz").exists():
            return Guest(guest_dir / "vmlinuz", guest_dir / "initrd.gz", guest_dir / "id_ed25519")
        guest_dir.mkdir(parents=True, exist_ok=True)
        unpacked = guest_dir / "download" / "root"
        wanted = guest_dir / "download" / "packages"
        if not wanted.exists() or wanted.read_text() != " ".join(PACKAGES):
            shutil.rmtree(guest_dir / "download", ignore_errors=True)
            (guest_dir / "download").mkdir()
            unpacked = _download(guest_dir / "download")
            wanted.write_text(" ".join(PACKAGES))
        return _assemble(unpacked, guest_dir)
