"""What the .msk language means: every block, every setting, its value type and default.

The grammar only fixes the shape (blocks, settings, values); this table gives names their
meaning, so a misspelt name gets a "did you mean" and the docs, the formatter and the
resolver all read one definition.
"""

from __future__ import annotations


from mscc.parse import ast
from mscc.record import Record

TARGETS = ("alpine", "freebsd", "netbsd", "openbsd")
BOOL_WORDS = {"yes": True, "on": True, "true": True, "no": False, "off": False, "false": False}

# Device classes a kernel can keep. Each target maps them to its own drivers (targets/*/devices.json).
DEVICE_CLASSES = (
    "virtio-blk", "virtio-net", "virtio-console", "virtio-rng", "virtio-balloon", "virtio-scsi",
    "virtio-fs", "virtio-9p", "virtio-vsock", "virtio-gpu", "nvme", "ahci", "usb-input", "usb-storage",
)
ACCEPT_LOSS = "lose-sync-writes-on-crash"  # zfs.accept: emit sync=disabled instead of a volatile SLOG
ACCEPT_WORDS = (ACCEPT_LOSS,)


class Kind(Record):
    """A value type: a name for messages and the AST node types it admits."""

    name: str
    nodes: tuple
    choices: tuple = ()
    item: Kind | None = None
    bases: tuple = ()  # for percentages: which sizes they may be a percentage of
    low: int | None = None
    high: int | None = None


def enum(*choices: str) -> Kind:
    return Kind("one of " + ", ".join(choices), (ast.Word,), choices)


def list_of(item: Kind) -> Kind:
    return Kind(f"a list of {item.name}", (ast.List,), item=item)


SIZE = Kind("a size such as 16GiB", (ast.Size,))
BOOL = Kind("yes or no", (ast.Word,), tuple(BOOL_WORDS))
STRING = Kind("a string", (ast.Str,))
WORD = Kind("a name", (ast.Word,))
ANY = Kind("a value", (ast.Size, ast.Int, ast.Str, ast.Word))


def integer(low: int, high: int) -> Kind:
    return Kind(f"a whole number from {low} to {high}", (ast.Int,), low=low, high=high)


def size_or_percent(*bases: str, low: int | None = None) -> Kind:
    return Kind(f"a size, or a percentage of {' or '.join(bases)}", (ast.Size, ast.Percent), bases=bases, low=low)


def size_at_least(low: int) -> Kind:
    return Kind("a size such as 16GiB", (ast.Size,), low=low)


MIB = 1 << 20


class Setting(Record):
    kind: Kind
    doc: str
    default: object = None
    required: bool = False


class Section(Record):
    doc: str
    settings: dict
    label: str | None = None  # what the label names, if the block takes one
    children: tuple = ()      # block kinds allowed inside
    free_keys: Kind | None = None  # blocks whose keys are not fixed (tunables)
    repeatable: bool = False


ZFS_PROPS = {
    "compression": Setting(enum("off", "on", "lz4", "zstd", "gzip", "zle", "lzjb"), "dataset compression"),
    "recordsize": Setting(SIZE, "dataset recordsize: a power of two from 512 to 16M"),
    "sync": Setting(enum("standard", "always", "disabled"), "sync policy"),
    "atime": Setting(BOOL, "update access times"),
    "checksum": Setting(enum("on", "fletcher4", "sha256", "sha512", "blake3", "skein", "edonr"), "checksum"),
}

SECTIONS: dict[str, Section] = {
    "hardware": Section("The Mac the VM runs on.", {
        "chip": Setting(WORD, "chip id from hardware/ (mscc hardware list)", required=True),
        "memory": Setting(size_at_least(MIB), "the Mac's unified memory", required=True),
        "cores": Setting(integer(1, 64), "override: CPU cores of this Mac (binned chips)"),
    }),
    "vm": Section("The virtual machine.", {
        "hypervisor": Setting(enum("vz", "qemu"), "vz = Virtualization.framework, qemu = QEMU with HVF", "qemu"),
        "cpus": Setting(integer(1, 64), "vCPUs", 4),
        "memory": Setting(size_or_percent("host.memory", low=MIB), "guest memory", 4 << 30),
        "disk": Setting(size_at_least(MIB), "root disk size", 100 << 30),
        "os": Setting(enum(*TARGETS), "the guest OS compiled when --target is not given"),
        "version": Setting(STRING, "guest OS version, e.g. \"14.3\" or \"3.22\""),
        "nested_virt": Setting(BOOL, "expose nested virtualization (M3+, macOS 15+)", False),
        "kernel": Setting(enum("stock", "custom"), "boot the OS image's own kernel, or the one build.sh made "
                          "(alpine; the BSDs install it in the guest)", "stock"),
    }),
    "kernel": Section("What the guest kernel keeps.", {
        "base": Setting(enum("generic", "minimal"), "trim the stock config, or build a VM-only kernel", "generic"),
        "page_size": Setting(Kind("4K, 16K or auto", (ast.Size, ast.Word), ("auto",)), "page size", "auto"),
        "devices": Setting(list_of(enum(*DEVICE_CLASSES)), "device classes to keep"),
        "crypto": Setting(BOOL, "use the ARMv8 crypto extensions", True),
        "debug": Setting(enum("off", "on", "full"), "off, on (assertions), full (plus lock debugging)", "off"),
    }),
    "zfs": Section("ZFS intent.", {
        "enabled": Setting(BOOL, "set up ZFS at all", True),
        "pool": Setting(STRING, "pool the properties apply to", "zroot"),
        "arc_max": Setting(size_or_percent("vm.memory", "host.memory"), "ARC ceiling"),
        "arc_min": Setting(size_or_percent("vm.memory", "host.memory"), "ARC floor"),
        "hw_checksums": Setting(BOOL, "require hardware-accelerated checksums", False),
        "slog": Setting(Kind("none, ram, or a device path string", (ast.Word, ast.Str), ("none", "ram")),
                        "separate intent log device", "none"),
        "l2arc": Setting(Kind("none, or a device path string", (ast.Word, ast.Str), ("none",)),
                         "cache (L2ARC) device", "none"),
        "accept": Setting(list_of(enum(*ACCEPT_WORDS)), "risks accepted in so many words", ()),
        **ZFS_PROPS,
    }, children=("dataset", "tunables")),
    "dataset": Section("Properties of one dataset (label: its name).", dict(ZFS_PROPS), label="dataset name",
                       repeatable=True),
    "tunables": Section("OpenZFS module parameters by their Linux name (checked per version).", {},
                        free_keys=ANY),
    "image": Section("The minimal OS image.", {
        "minimal": Setting(BOOL, "build the minimal image script", False),
        "packages": Setting(list_of(STRING), "extra packages", ()),
        "ssh": Setting(BOOL, "include OpenSSH", True),
    }),
    "raw": Section("Escape hatch: lines the language does not model, validated per target.", {
        "kernel": Setting(list_of(STRING), "kernel config lines (Kconfig for alpine)", ()),
        "loader": Setting(list_of(STRING), "loader.conf lines (freebsd)", ()),
        "sysctl": Setting(list_of(STRING), "sysctl lines", ()),
        "modprobe": Setting(list_of(STRING), "zfs module options (alpine)", ()),
        "src_conf": Setting(list_of(STRING), "src.conf knobs of a buildworld image (freebsd 14)", ()),
    }, label="target", repeatable=True),
}

TOP_LEVEL = ("hardware", "vm", "kernel", "zfs", "image", "raw")
