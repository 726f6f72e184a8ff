"""Which kind of file is this? First by name (the conventions of each OS), then by content
for the names that decide nothing (kernel configs are called anything: GENERIC, MYKERNEL,
m3.conf). Knowledge about names is the tables at the top; the functions only apply them."""

from __future__ import annotations

import re
from pathlib import PurePath

# kind -> the checker module (imported only when a file of that kind is linted)
KINDS = {
    "msk": "mscc.lint.msk",
    "linux-config": "mscc.lint.linux_config",
    "freebsd-kernel": "mscc.lint.freebsd_conf",
    "netbsd-kernel": "mscc.lint.bsd_conf",
    "openbsd-kernel": "mscc.lint.bsd_conf",
    "loader-conf": "mscc.lint.loader_conf",
    "sysctl-conf": "mscc.lint.sysctl_conf",
    "modprobe-conf": "mscc.lint.modprobe_conf",
    "zfs-script": "mscc.lint.zfs_script",
    "mscc-output": "mscc.lint.generated",
}

# Exact file names, and the directories whose *.conf files are of one kind.
_BY_NAME = {
    "loader.conf": "loader-conf", "loader.conf.local": "loader-conf",
    "sysctl.conf": "sysctl-conf", "sysctl.conf.local": "sysctl-conf",
    "modprobe.conf": "modprobe-conf",
    ".config": "linux-config",
}
_BY_DIRECTORY = {
    "loader.conf.d": "loader-conf", "sysctl.d": "sysctl-conf", "modprobe.d": "modprobe-conf",
}
# Names that are probably Linux configs, confirmed by content: arch/*/configs/*_defconfig,
# /boot/config-6.12.1-0-virt, merge_config.sh fragments (*.config, *.fragment).
_LINUX_NAME = re.compile(r"(^config-\d|defconfig$|\.config$|\.fragment$|\.kconfig$)")
# Kernel configs carry no extension by convention (GENERIC, GENERIC64, VIRT); mscc writes *.conf.
_MAYBE_KERNEL = re.compile(r"^([A-Z][A-Z0-9_.-]*|.*\.(conf|kernconf))$")

_ZFS_COMMAND = re.compile(r"^[^#\n]*\b(zpool|zfs)\s+(create|add|set)\b", re.M)
_KCONFIG_LINE = re.compile(r"^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)")
_ATTACH = re.compile(r"^\S+\s+at\s+\S+")
_FREEBSD_WORDS = {"nooptions", "nooption", "nodevice", "nodevices", "nomakeoptions", "cpu", "device", "devices"}
_MODPROBE_WORDS = {"options", "install", "remove", "blacklist", "alias", "softdep"}
_SYSCTL_LINE = re.compile(r"^-?[a-z][a-z0-9_]*(\.[A-Za-z0-9_%-]+)+\s*=")


def by_name(path: str) -> str | None:
    p = PurePath(path)
    if p.suffix == ".msk":
        return "msk"
    if p.name in _BY_NAME:
        return _BY_NAME[p.name]
    if p.suffix == ".conf" and p.parent.name in _BY_DIRECTORY:
        return _BY_DIRECTORY[p.parent.name]
    return None


def ruled_out(path: str, wanted) -> bool:
    """Whether the name alone shows that the file is none of the `wanted` kinds."""
    kind = by_name(path)
    if kind is not None:
        return kind not in wanted
    if PurePath(path).name == "manifest.json":
        return "mscc-output" not in wanted
    return set(wanted) == {"mscc-output"}  # mscc's output is recognised by its manifest only


def worth_reading(path: str) -> bool:
    """For directory walks: whether a file's name makes it a candidate at all."""
    name = PurePath(path).name
    return (by_name(path) is not None or name == "manifest.json" or name.endswith(".sh")
            or bool(_LINUX_NAME.search(name)) or bool(_MAYBE_KERNEL.match(name)))


def detect(path: str, text: str) -> str | None:
    kind = by_name(path)
    if kind is not None:
        return kind
    name = PurePath(path).name
    if name == "manifest.json":
        return "mscc-output" if '"generator": "mscc' in text else None
    if name.endswith(".sh"):
        return "zfs-script" if _ZFS_COMMAND.search(text) else None
    kind = sniff(text)
    if kind is None and _LINUX_NAME.search(name) and "CONFIG_" in text:
        return "linux-config"  # e.g. a fragment of nothing but (mistyped) "is not set" lines
    return kind


def sniff(text: str) -> str | None:
    """The kind of a configuration file from its first lines."""
    lines = []
    for raw in text.splitlines()[:400]:
        if _KCONFIG_LINE.match(raw):
            lines.append(raw)
            continue
        code = raw.split("#", 1)[0].strip()
        if code:
            lines.append(code)
    if not lines:
        return None
    kconfig = sum(1 for line in lines if _KCONFIG_LINE.match(line))
    if kconfig * 2 >= len(lines):
        return "linux-config"
    firsts = [line.split()[0] for line in lines]
    words = set(firsts)
    if words & {"rmoption", "rmoptions", "option", "makeoption"}:
        return "openbsd-kernel"
    # Lines only one dialect writes, counted: a FreeBSD config with one NetBSD-ism in it is
    # still a FreeBSD config (and gets told about the NetBSD-ism).
    netbsd = sum(1 for line, first in zip(lines, firsts, strict=False)
                 if first in ("no", "file-system", "pseudo-device") or _ATTACH.match(line))
    freebsd = sum(1 for first in firsts if first in _FREEBSD_WORDS)
    if netbsd or freebsd:
        return "netbsd-kernel" if netbsd > freebsd else "freebsd-kernel"
    if words <= _MODPROBE_WORDS:
        return "modprobe-conf"
    if "options" in words or "ident" in words or "include" in words:
        return "freebsd-kernel"
    if all(_SYSCTL_LINE.match(line) or "=" in line for line in lines):
        # loader.conf loads modules and quotes its values; sysctl.conf does neither.
        if any(re.match(r'^\w+_load\s*=', line) for line in lines) or all('="' in line for line in lines):
            return "loader-conf"
        return "sysctl-conf"
    return None
