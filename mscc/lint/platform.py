"""Which architecture and which release a kernel configuration file is for.

Read from what the user stated first (`--arch`/`--release`, `arch`/`release` in [tool.mscc],
a `--profile`), then from the file itself: its `machine` and `cpu` lines, the path it sits
in (sys/amd64/conf/, arch/x86/configs/), what it includes, the Linux header, the RCS id
line (`$FreeBSD: releng/12.1/...$`) and its newest COMPAT_FREEBSDn option. Every answer
says where it came from, so that a message can name the architecture and release it was
checked against and why."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mscc.lint.context import FileContext


@dataclass(frozen=True)
class Platform:
    arch: str | None            # the architecture's name in the OS's own tree (amd64, evbarm-aarch64, x86)
    arch_from: str              # "its `cpu HAMMER` line", "--arch", ... ("" when unknown)
    release: str | None         # "12.1", "15", "6.12.43"; None when unknown
    release_from: str
    release_inferred: bool = False  # guessed (newest COMPAT_FREEBSDn), not stated by the file or the user

    def describe(self, os_title: str) -> str:
        return f"{os_title} {self.release or '(release unknown)'} {self.arch or '(any architecture)'}"


_ARCH_ALIASES = {
    "freebsd": {"x86_64": "amd64", "aarch64": "arm64", "powerpc64": "powerpc", "powerpc64le": "powerpc",
                "riscv64": "riscv", "i686": "i386", "x86": "i386"},
    "openbsd": {"x86_64": "amd64", "aarch64": "arm64", "i686": "i386"},
    "netbsd": {"aarch64": "evbarm-aarch64", "arm64": "evbarm-aarch64", "x86_64": "amd64", "evbarm64": "evbarm-aarch64"},
    "linux": {"x86_64": "x86", "amd64": "x86", "i386": "x86", "i686": "x86", "aarch64": "arm64",
              "riscv64": "riscv", "powerpc64": "powerpc", "ppc64le": "powerpc", "ppc64": "powerpc"},
}
# What mscc's own profiles build for: VMs on Apple Silicon.
PROFILE_ARCH = {"freebsd": "arm64", "openbsd": "arm64", "netbsd": "evbarm-aarch64", "linux": "arm64"}


def _where(ctx: FileContext) -> str:
    """The path that tells where a file belongs: a symlink's target (Linux's
    arch/powerpc/configs/kvm_guest.config is a link to the multi-architecture kernel/configs/ one)."""
    import os

    try:
        path = os.path.realpath(ctx.path) if os.path.islink(ctx.path) else ctx.path
    except (OSError, ValueError):
        path = ctx.path
    return path.replace("\\", "/")


def normal_arch(os_name: str, arch: str | None) -> str | None:
    if not arch:
        return None
    return _ARCH_ALIASES.get(os_name, {}).get(arch, arch)


# --- FreeBSD ------------------------------------------------------------------------------

_FREEBSD_CPU = {"HAMMER": "amd64", "I486_CPU": "i386", "I586_CPU": "i386", "I686_CPU": "i386",
                "AIM": "powerpc", "E500": "powerpc", "BOOKE": "powerpc", "BOOKE_E500": "powerpc",
                "RISCV": "riscv", "ARM64": "arm64", "CPU_CORTEXA": "arm", "ARMV6": "arm", "ARMV7": "arm"}
_FREEBSD_RCS = re.compile(r"\$FreeBSD: (?:src/sys/|head/|(?:releng|stable|release)/(\d+(?:\.\d+)?)/)?[^$]*\$")
_FREEBSD_CVS = re.compile(r"\$FreeBSD: src/sys/\S+,v [\d.]+ (\d{4})/")
_COMPAT = re.compile(r"^\s*options\s+COMPAT_FREEBSD(\d+)\b", re.MULTILINE)


def freebsd(ctx: FileContext) -> Platform:
    arch, arch_from = _stated_arch(ctx, "freebsd")
    if arch is None:
        arch, arch_from = _freebsd_arch_from_file(ctx)
    release, release_from = _stated_release(ctx, "freebsd")
    if release is None:
        release, release_from = _freebsd_release_from_file(ctx)
    return Platform(arch, arch_from, release, release_from, release_from.startswith("its newest COMPAT"))


def _freebsd_arch_from_file(ctx: FileContext) -> tuple[str | None, str]:
    for line in ctx.code_lines():
        words = line.code.split()
        if words[0] == "machine" and len(words) > 1:
            return normal_arch("freebsd", words[1].strip('"')), f"its `machine {words[1]}` line"
        if words[0] == "cpu" and len(words) > 1 and words[1] in _FREEBSD_CPU:
            return _FREEBSD_CPU[words[1]], f"its `cpu {words[1]}` line"
        if words[0] == "include" and len(words) > 1:
            m = re.search(r"(?:^|/)(amd64|arm64|i386|powerpc|riscv|arm)/conf/|std\.(amd64|arm64|i386|powerpc|riscv)\b",
                          words[1])
            if m:
                return m.group(1) or m.group(2), f"its `include {words[1]}` line"
    m = re.search(r"(?:^|/)sys/(amd64|arm64|i386|powerpc|riscv|arm)/conf/", _where(ctx))
    if m:
        return m.group(1), f"its path (sys/{m.group(1)}/conf/)"
    return _profile_arch(ctx, "freebsd")


def _freebsd_release_from_file(ctx: FileContext) -> tuple[str | None, str]:
    head = ctx.text[:4000]
    m = _FREEBSD_RCS.search(head)
    if m and m.group(1):
        return m.group(1), f"its `$FreeBSD: {m.group(0).split()[1].split('/sys/')[0]}/...$` line"
    cvs = _FREEBSD_CVS.search(head)
    if cvs:
        # The CVS era ended with FreeBSD 9 (2012); mscc has no tables that old.
        return f"<10 (CVS, {cvs.group(1)})", "its CVS `$FreeBSD: src/sys/...,v ...$` line"
    compat = [int(n) for n in _COMPAT.findall(ctx.text) if int(n) < 30]  # COMPAT_FREEBSD32 is 32-bit binaries
    if compat:
        newest = max(compat)
        return str(newest + 1), f"its newest COMPAT_FREEBSD{newest} option"
    return None, ""


# --- NetBSD and OpenBSD -------------------------------------------------------------------

# Their RCS id's date stands for the release when nothing else says it.
_RCS_DATE = {name: (re.compile(r"\$" + title + r": \S+,v [\d.]+ (\d{4})/(\d\d)/(\d\d)"), title)
             for name, title in (("netbsd", "NetBSD"), ("openbsd", "OpenBSD"))}
_BSD_PATH = re.compile(r"(?:^|/)arch/([a-z0-9]+)/conf/")


def _rcs_dated(ctx: FileContext, os_name: str) -> Platform:
    arch, arch_from = _stated_arch(ctx, os_name)
    if arch is None:
        arch, arch_from = _bsd_arch_from_file(ctx, os_name)
    release, release_from = _stated_release(ctx, os_name)
    if release is None:
        pattern, title = _RCS_DATE[os_name]
        m = pattern.search(ctx.text[:4000])
        if m:
            release, release_from = "-".join(m.groups()), f"the date of its `${title}$` line"
    return Platform(arch, arch_from, release, release_from)


def netbsd(ctx: FileContext) -> Platform:
    return _rcs_dated(ctx, "netbsd")


def openbsd(ctx: FileContext) -> Platform:
    return _rcs_dated(ctx, "openbsd")


def _bsd_arch_from_file(ctx: FileContext, os_name: str) -> tuple[str | None, str]:
    machine = None
    for line in ctx.code_lines():
        words = [w.strip('"') for w in line.code.split()]
        if words[0] == "machine" and len(words) > 1:
            machine = words[1:]
            break
        if words[0] == "include" and len(words) > 1:
            m = _BSD_PATH.search(words[1])
            if m:
                return _netbsd_arm(os_name, m.group(1), words[1], ctx.text), f"its `include {words[1]}` line"
    if machine:
        if os_name == "netbsd" and machine[0] == "evbarm":
            aarch64 = "aarch64" in machine[1:] or "aarch64" in ctx.text
            return ("evbarm-aarch64" if aarch64 else "evbarm"), f"its `machine {' '.join(machine)}` line"
        return normal_arch(os_name, machine[0]), f"its `machine {machine[0]}` line"
    m = _BSD_PATH.search(_where(ctx))
    if m:
        return _netbsd_arm(os_name, m.group(1), ctx.path, ctx.text), f"its path (arch/{m.group(1)}/conf/)"
    return _profile_arch(ctx, os_name)


def _netbsd_arm(os_name: str, arch: str, where: str, text: str) -> str:
    if os_name == "netbsd" and arch == "evbarm":
        return "evbarm-aarch64" if re.search(r"GENERIC64|aarch64|ARM64|arm64", where + text) else "evbarm"
    return normal_arch(os_name, arch) or arch


# --- Linux --------------------------------------------------------------------------------

_LINUX_HEADER = re.compile(r"^# Linux/(\S+) (\d+\.\d+(?:\.\d+)?)\S* Kernel Configuration", re.MULTILINE)
_LINUX_ARCH_SYMBOL = {"ARM64": "arm64", "X86_64": "x86", "X86_32": "x86", "X86": "x86", "RISCV": "riscv",
                      "PPC64": "powerpc", "PPC": "powerpc", "S390": "s390", "ARM": "arm", "MIPS": "mips",
                      "LOONGARCH": "loongarch"}
_LINUX_NAME_ARCH = re.compile(r"(aarch64|arm64|x86_64|amd64|x86|riscv64|ppc64le|s390x)", re.IGNORECASE)


def linux(ctx: FileContext) -> Platform:
    header = _LINUX_HEADER.search(ctx.text[:2000])
    arch, arch_from = _stated_arch(ctx, "linux")
    if arch is None and header:
        arch, arch_from = normal_arch("linux", header.group(1)), f"its header (Linux/{header.group(1)})"
    if arch is None:
        arch, arch_from = _linux_arch_from_file(ctx)
    release, release_from = _stated_release(ctx, "linux")
    if release is None and header:
        release, release_from = header.group(2), "its header"
    return Platform(arch, arch_from, release, release_from)


def _linux_arch_from_file(ctx: FileContext) -> tuple[str | None, str]:
    path = _where(ctx)
    m = re.search(r"(?:^|/)arch/([a-z0-9]+)/configs/", path)
    if m:
        return m.group(1), f"its path (arch/{m.group(1)}/configs/)"
    for symbol, arch in _LINUX_ARCH_SYMBOL.items():
        if re.search(rf"^CONFIG_{symbol}=y\s*$", ctx.text, re.MULTILINE):
            return arch, f"its CONFIG_{symbol}=y line"
    m = _LINUX_NAME_ARCH.search(path.rsplit("/", 1)[-1])
    if m:
        return normal_arch("linux", m.group(1).lower()), f"its name ({m.group(1)})"
    # Fragments kept one folder per architecture (x86_64/kvm.config, aarch64/hostname.config):
    # only a folder named exactly for an architecture, not one that merely contains the word.
    folder = path.rsplit("/", 2)[-2] if path.count("/") else ""
    if _LINUX_NAME_ARCH.fullmatch(folder):
        return normal_arch("linux", folder.lower()), f"its folder ({folder}/)"
    return _profile_arch(ctx, "linux")


# --- what the user stated -----------------------------------------------------------------

def _stated_arch(ctx: FileContext, os_name: str) -> tuple[str | None, str]:
    if ctx.intent.arch:
        return normal_arch(os_name, ctx.intent.arch), ctx.intent.arch_from or "--arch"
    return None, ""


def _stated_release(ctx: FileContext, os_name: str) -> tuple[str | None, str]:
    if ctx.intent.release:
        return ctx.intent.release, "--release"
    if ctx.intent.version and ctx.intent.os in (os_name, "alpine" if os_name == "linux" else os_name):
        if os_name == "linux":
            return None, ""  # a profile's Alpine version is not a kernel version
        return ctx.intent.version, "the profile"
    return None, ""


def _profile_arch(ctx: FileContext, os_name: str) -> tuple[str | None, str]:
    wanted = "alpine" if os_name == "linux" else os_name
    if ctx.intent.os == wanted:
        return PROFILE_ARCH[os_name], "the profile (mscc builds for Apple Silicon)"
    return None, ""
