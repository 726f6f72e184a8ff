"""Rationale and examples for the codes `mscc lint` reports on configuration files: one
failing and one passing file per code. `mscc explain` prints them and tests/lint lints
them, so the documentation cannot drift from what the checkers do."""

from __future__ import annotations

from dataclasses import dataclass

from mscc import codes
from mscc.diagnostics import Code


@dataclass(frozen=True)
class Example:
    code: Code
    rationale: str
    file: str                 # the name the example is linted under, which picks its kind
    fail: str
    passes: str
    memory: int | None = None  # --memory for the example, in bytes
    needs: str = ""           # the database the example needs: kconfig | freebsd | zfs

    @property
    def example_target(self) -> str:  # what `mscc explain` prints after "Fails"
        return f"file {self.file}"


def _example(code: Code, rationale: str, file: str, fail: str, passes: str, **kw) -> Example:
    import textwrap

    return Example(code, textwrap.fill(" ".join(rationale.split()), 92), file, fail.lstrip("\n"),
                   passes.lstrip("\n"), **kw)


EXAMPLES = {e.code.code: e for e in (
    _example(codes.UNUSED_IGNORE, """
        An inline ignore that covers nothing hides the next real problem that lands on its line,
        and it outlives the reason it was written for. Remove ignores that no longer match.""",
        "loader.conf", """
zfs_load="YES"  # mscc: ignore[MS705]
""", """
zfs_load="YES"
"""),
    _example(codes.CONFIG_UNKNOWN_SYMBOL, """
        Kconfig ignores an assignment to a symbol it does not define, without a word: a misspelt
        or renamed symbol silently leaves the kernel without what the line asked for.""",
        "virt.config", """
CONFIG_VIRTIO_BLKK=y
""", """
CONFIG_VIRTIO_BLK=y
""", needs="kconfig"),
    _example(codes.CONFIG_UNKNOWN_OPTION, """
        FreeBSD's config(8) stops with 'unknown option' at an option its sources do not
        declare (sys/conf/options*); a misspelt option breaks the kernel build.""",
        "MYKERNEL", """
include GENERIC
ident MYKERNEL
options INVARIANTZ
""", """
include GENERIC
ident MYKERNEL
options SCHED_ULE
""", needs="freebsd"),
    _example(codes.CONFIG_UNKNOWN_DEVICE, """
        config(8) stops with 'device is unknown' at a device no files* entry names.""",
        "MYKERNEL", """
include GENERIC
ident MYKERNEL
device vtnett
""", """
include GENERIC
ident MYKERNEL
device vtnet
""", needs="freebsd"),
    _example(codes.CONFIG_UNKNOWN_TUNABLE, """
        The zfs module refuses to load with an unknown parameter on Linux ('Unknown parameter'),
        and FreeBSD ignores an unknown loader tunable: either way the tuning is lost. Names change
        between OpenZFS releases (the arc_meta_* tunables went in 2.2).""",
        "modprobe.d/zfs.conf", """
options zfs zfs_arc_meta_limit=1073741824
""", """
options zfs zfs_arc_max=4294967296
""", needs="zfs"),
    _example(codes.CONFIG_DUPLICATE, """
        A setting given twice with the same value is harmless today and a contradiction after the
        next edit of only one of the two lines.""",
        "loader.conf", """
zfs_load="YES"
zfs_load="YES"
""", """
zfs_load="YES"
"""),
    _example(codes.CONFIG_CONTRADICTION, """
        When a later line changes or undoes an earlier one, the last one silently wins; the
        reader of the file sees two intentions and the kernel gets one.""",
        "loader.conf", """
zfs_load="YES"
zfs_load="NO"
""", """
zfs_load="YES"
"""),
    _example(codes.CONFIG_OUT_OF_RANGE, """
        A value the kernel or OpenZFS rejects is dropped for the default, with at most a
        console warning: an ARC maximum above the VM's memory (less 1 GiB for the OS), below
        64 MiB, or a Kconfig value outside its symbol's type or range.""",
        "loader.conf", """
vfs.zfs.arc.max="16G"
""", """
vfs.zfs.arc.max="8G"
""", memory=16 << 30, needs="zfs"),
    _example(codes.CONFIG_DEBUG, """
        Debugging options such as WITNESS, INVARIANTS, KASAN or PROVE_LOCKING cost a large share
        of kernel performance; they belong in debug kernels, not in one meant for production.
        Without a profile nobody has said what the kernel is for, and it is a note; with a
        --profile whose kernel.debug is off it is a warning, with one whose kernel.debug is on
        (or in a file named for debugging) it is not reported.""",
        "MYKERNEL", """
include GENERIC
ident MYKERNEL
options WITNESS
""", """
include GENERIC
ident MYKERNEL
nooptions WITNESS
""", needs="freebsd"),
    _example(codes.CONFIG_LOCKDEP_ZFS, """
        PROVE_LOCKING (and LOCK_STAT) select DEBUG_LOCK_ALLOC, which makes mutex_lock GPL-only;
        OpenZFS's configure then stops with 'Kernel built with CONFIG_DEBUG_LOCK_ALLOC which is
        incompatible with the CDDL license'.""",
        "lockdep.config", """
CONFIG_PROVE_LOCKING=y
""", """
# CONFIG_PROVE_LOCKING is not set
""", needs="kconfig"),
    _example(codes.CONFIG_VOLATILE_SLOG, """
        The ZFS intent log is only read after a crash. A log device on RAM is empty exactly
        then, so every sync write the pool acknowledged is lost: worse than no separate log.""",
        "zfs-setup.sh", """
zpool create tank /dev/vtbd1 log /dev/md1
""", """
zpool create tank /dev/vtbd1 log /dev/vtbd2
"""),
    _example(codes.CONFIG_UNSAFE_SYNC, """
        sync=disabled, zil_replay_disable and the nocacheflush tunables acknowledge writes that
        are not yet safe; the OpenZFS manual calls sync=disabled dangerous.""",
        "zfs-setup.sh", """
zfs set sync=disabled tank/db
""", """
zfs set sync=standard tank/db
"""),
    _example(codes.CONFIG_BAD_LINE, """
        Each file format has a reader that drops or rejects what it cannot read: Kconfig ignores
        '#CONFIG_X is not set' (no blank after '#') and lines with blanks around '='; config(8)
        stops at a directive it does not know.""",
        "virt.config", """
#CONFIG_MODULES is not set
""", """
# CONFIG_MODULES is not set
"""),
    _example(codes.CONFIG_LEGACY_NAME, """
        FreeBSD's legacy vfs.zfs.arc_max-style names still work through OpenZFS 2.4 but are
        deleted on master: use the dotted names (vfs.zfs.arc.max).""",
        "loader.conf", """
vfs.zfs.arc_max="4G"
""", """
vfs.zfs.arc.max="4G"
""", needs="zfs"),
    _example(codes.CONFIG_WRONG_FILE, """
        A setting in a file that cannot apply it is silently lost: Linux has no vfs.zfs sysctls
        (OpenZFS parameters are module options there), and a read-only FreeBSD tunable can only
        be set in loader.conf.""",
        "sysctl.d/90-zfs.conf", """
vfs.zfs.arc.max = 4294967296
""", """
vm.swappiness = 10
"""),
    _example(codes.CONTROL_CHARACTER, """
        Every value of a profile ends up on one line of a generated script or conf file. A
        newline, carriage return, NUL, U+2028 or a bidi override inside a value (raw, or made
        by an escape such as \\n) would end that line and start one the profile never showed;
        in a comment it makes editors and tools disagree about line numbers. mscc refuses
        them instead of escaping them.""",
        "vm.msk", """
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { os = freebsd  version = "15.0\\nreboot\\n#" }
}
""", """
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { os = freebsd  version = "15.0" }
}
"""),
    _example(codes.UNKNOWN_FILE_KIND, """
        A file named on the command line that mscc lint cannot place (by its name, then by its
        content) is not checked at all; the warning says so instead of passing it in silence.
        Files found by searching a directory are skipped without it.""",
        "notes.txt", """
remember to raise the ARC limit
""", """
vm.swappiness = 10
"""),
    _example(codes.CONFIG_UNCHECKED, """
        mscc checks names against databases of particular releases. For a file of another release
        (here a Linux 5.4 .config) it has nothing to check the names against, and says so, so a
        clean result is not mistaken for a checked one.""",
        "virt.config", """
# Linux/arm64 5.4.0 Kernel Configuration
CONFIG_VIRTIO_BLK=y
""", """
# Linux/arm64 6.12.0 Kernel Configuration
CONFIG_VIRTIO_BLK=y
""", needs="kconfig"),
)}
