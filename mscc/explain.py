"""`mscc explain CODE`: a code's rationale, a failing and a passing example, for every
registered code, from one lookup.

Examples live beside what reports the code: a rule carries its own (mscc/check/rules), the
checkers of `mscc lint` theirs (mscc/lint/examples.py), and the codes the pipeline stages
report themselves — reading and parsing, includes, the resolver, raw lines, writing output,
the kernel-tree audit — have theirs in STAGE_EXAMPLES below. `example()` turns each into the
same shape: a scenario of files and the mscc command run on them, failing and passing.
Every example is run, so what `mscc explain` shows is what mscc does: the scenarios below
through the real command line (tests/test_explain.py), the rules' and lint's through
compile_file and lint_paths (tests/test_rules.py, tests/lint/test_lint_examples.py).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field

from mscc import codes
from mscc.diagnostics import Code


@dataclass(frozen=True)
class Repeat:
    """File content too long to show: `head`, then `line` repeated `times` times."""

    head: str
    line: str
    times: int

    def render(self) -> str:
        return self.head + self.line * self.times


DIRECTORY = None  # a `files` value: this name is an (empty) directory
Content = str | bytes | Repeat | None


@dataclass(frozen=True)
class Scenario:
    """Files written in an empty directory, then mscc commands run there; the last command is
    the one the example is about. `before` commands run first (to produce output that the
    last one checks), and `edits` are written after them."""

    files: Mapping[str, Content]
    args: tuple[str, ...]
    before: tuple[tuple[str, ...], ...] = ()
    edits: Mapping[str, Content] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    code: Code
    rationale: str
    fails: Scenario
    passes: Scenario
    needs: str = ""  # "linux-tree": a Linux 6.12 source tree in MSCC_LINUX_TREE; else a lint database


def example(code: str) -> Example | None:
    """The example of a registered code, wherever it is defined."""
    from mscc.check.rules import RULES

    rule = next((r for r in RULES if r.code.code == code), None)
    if rule is not None:
        args: tuple[str, ...] = ("compile", "vm.msk", "--target", rule.example_target)
        return Example(rule.code, rule.rationale, Scenario({"vm.msk": rule.fail}, args),
                       Scenario({"vm.msk": rule.passes}, args))
    from mscc.lint.examples import EXAMPLES
    from mscc.units import format_size

    lint = EXAMPLES.get(code)
    if lint is not None:
        args = ("lint", lint.file) + (("--memory", format_size(lint.memory)) if lint.memory else ())
        return Example(lint.code, lint.rationale, Scenario({lint.file: lint.fail}, args),
                       Scenario({lint.file: lint.passes}, args), lint.needs)
    return STAGE_EXAMPLES.get(code)


def render(ex: Example) -> str:
    """The text `mscc explain` prints after the code's name and summary."""
    out = [ex.rationale, ""]
    if ex.needs == "linux-tree":
        out += ["(MSCC_LINUX_TREE names a Linux 6.12 source tree: `mscc audit` merges in it.)", ""]
    for title, scenario in (("Fails", ex.fails), ("Passes", ex.passes)):
        out += [f"{title}:", ""] + ["    " + line if line else "" for line in _scenario_lines(scenario)] + [""]
    return "\n".join(out)


def _scenario_lines(s: Scenario) -> list[str]:
    """The files (each under a `==> name <==` header when there are several), then the
    commands in the order they run, blocks separated by blank lines."""
    blocks = _file_blocks(s.files, shown_names=len(s.files) > 1 or bool(s.before))
    blocks += [[f"$ mscc {' '.join(args)}"] for args in s.before]
    if s.edits:
        edited = _file_blocks(s.edits, shown_names=True)
        blocks += [["# then the files change:"] + edited[0]] + edited[1:]
    blocks.append([f"$ mscc {' '.join(s.args)}"])
    lines: list[str] = []
    for block in blocks:
        lines += ([""] if lines else []) + block
    return lines


def _file_blocks(files: Mapping[str, Content], shown_names: bool) -> list[list[str]]:
    blocks = []
    for name, content in files.items():
        lines = [f"==> {name} <=="] if shown_names else []
        if content is DIRECTORY:
            lines = [f"==> {name}/ <== (a directory)"]
        elif isinstance(content, Repeat):
            size = len(content.render().encode())
            lines += content.head.splitlines() + [content.line.rstrip("\n"),
                                                  f"... the line above {content.times:,} times ({size:,} bytes)"]
        elif isinstance(content, bytes):
            lines += content.decode("utf-8", "backslashreplace").splitlines()
        else:
            lines += str(content).splitlines()
        blocks.append(lines)
    return blocks


def _stage(code: Code, rationale: str, fails: Scenario, passes: Scenario, needs: str = "") -> Example:
    return Example(code, textwrap.fill(" ".join(rationale.split()), 92), fails, passes, needs)


def _compile(files: Mapping[str, Content], *extra: str, main: str = "vm.msk") -> Scenario:
    return Scenario(files, ("compile", main) + extra)


def _vm(body: str = "", os: str = "freebsd", head: str = "") -> str:
    """A small profile: an M1 MacBook Air with a FreeBSD VM, plus `body`."""
    return (f"{head}profile air {{\n  hardware {{ chip = m1  memory = 16GiB }}\n"
            f"  vm {{ os = {os}  memory = 8GiB }}\n{body}}}\n")


def _image(version: str, setting: str = "", raw: str = "") -> str:
    """A FreeBSD `version` profile with a minimal image, plus an image setting or raw line."""
    body = "  image {\n    minimal = yes\n" + (f"    {setting}\n" if setting else "") + "  }\n"
    body += f"  raw freebsd {{ {raw} }}\n" if raw else ""
    return _vm(body).replace("os = freebsd", f'os = freebsd  version = "{version}"')


_M3 = "  hardware { chip = m3-pro  memory = 36GiB }\n"


def _on(os: str, body: str = "", vm: str = "") -> str:
    """A profile for `os` under QEMU on an M3 Pro, plus `body`."""
    return (f"profile vm {{\n{_M3}  vm {{ os = {os}  hypervisor = qemu  cpus = 4  memory = 8GiB{vm} }}\n"
            f"{body}}}\n")


_FRAGMENT_OK = "CONFIG_MAGIC_SYSRQ=y\n"
_BASE = "CONFIG_ARM64_4K_PAGES=y\n"


def _audit(fragment: str, base: str = _BASE) -> Scenario:
    """`mscc audit` of a fragment onto a small base config, in the tree MSCC_LINUX_TREE names."""
    return Scenario({"virt.config": fragment, "base.config": base},
                    ("audit", "virt.config", "--base", "base.config"))

STAGE_EXAMPLES: dict[str, Example] = {e.code.code: e for e in (
    # --- reading and parsing -----------------------------------------------------------
    _stage(codes.SYNTAX, """
        The file does not have the shape of the .msk grammar, so nothing in it is read: settings
        are `name = value`, blocks are `name { ... }`, strings are double-quoted.""",
        _compile({"vm.msk": _vm().replace("os = freebsd", "os: freebsd")}),
        _compile({"vm.msk": _vm()})),
    _stage(codes.NOT_UTF8, """
        mscc reads .msk files as UTF-8 text. A byte that is not UTF-8 (here a Latin-1 é in a
        comment) means the file was saved in another encoding, and mscc cannot tell what its names
        and strings say.""",
        _compile({"vm.msk": _vm(head="# caf\xe9 VM\n").encode("latin-1")}),
        _compile({"vm.msk": _vm(head="# caf\xe9 VM\n").encode("utf-8")})),
    _stage(codes.TOO_LARGE, """
        A profile is a page of text. mscc stops reading a file larger than 1 MiB rather than
        spend memory and time on what is almost certainly not a profile (a disk image or a log
        given by mistake).""",
        _compile({"vm.msk": Repeat(_vm(), "# padding\n", 110_000)}),
        _compile({"vm.msk": _vm()})),
    _stage(codes.TOO_DEEP, """
        Blocks and lists nest at most 32 levels deep. No profile needs more, and a limit keeps a
        hostile or generated file from exhausting the parser's stack.""",
        _compile({"vm.msk": _vm("  image { packages = " + "[" * 33 + '"zsh"' + "]" * 33 + " }\n")}),
        _compile({"vm.msk": _vm('  image { packages = ["zsh"] }\n')})),
    # --- includes ------------------------------------------------------------------------
    _stage(codes.INCLUDE_MISSING, """
        An include names a file that does not exist, relative to the including file's directory.
        The profiles and templates it was meant to bring are missing, so nothing is compiled.""",
        _compile({"vm.msk": _vm(head='include "common.msk"\n\n')}),
        _compile({"vm.msk": _vm(head='include "common.msk"\n\n'),
                  "common.msk": "template zfs-guest {\n  zfs { compression = lz4 }\n}\n"})),
    _stage(codes.INCLUDE_OUTSIDE, """
        An include may only name files in the including file's directory or below it. A profile
        that reaches out of its project (`../`, an absolute path) compiles differently depending
        on where it is checked out, and a shared or downloaded profile could read any file.""",
        _compile({"project/vm.msk": _vm(head='include "../shared/common.msk"\n\n'),
                  "shared/common.msk": "template zfs-guest {\n  zfs { compression = lz4 }\n}\n"},
                 main="project/vm.msk"),
        _compile({"project/vm.msk": _vm(head='include "shared/common.msk"\n\n'),
                  "project/shared/common.msk": "template zfs-guest {\n  zfs { compression = lz4 }\n}\n"},
                 main="project/vm.msk")),
    _stage(codes.INCLUDE_CYCLE, """
        Two files include each other, directly or through others. Each include is read once;
        a cycle means the files' order is undefined, so mscc stops and names the cycle.""",
        _compile({"vm.msk": _vm(head='include "common.msk"\n\n'),
                  "common.msk": 'include "vm.msk"\n\ntemplate zfs-guest {\n  zfs { compression = lz4 }\n}\n'}),
        _compile({"vm.msk": _vm(head='include "common.msk"\n\n'),
                  "common.msk": "template zfs-guest {\n  zfs { compression = lz4 }\n}\n"})),
    _stage(codes.UNREADABLE, """
        A file mscc was told to read cannot be read: it is a directory, it vanished, or its
        permissions forbid reading it.""",
        _compile({"vm.msk": _vm(head='include "common"\n\n'), "common": DIRECTORY}),
        _compile({"vm.msk": _vm(head='include "common/zfs.msk"\n\n'),
                  "common/zfs.msk": "template zfs-guest {\n  zfs { compression = lz4 }\n}\n"})),
    # --- the language ---------------------------------------------------------------------
    _stage(codes.UNKNOWN_SECTION, """
        A block name the language does not define is most often a typo. Ignoring it would drop
        everything inside it without a word, so it is an error with the nearest block name.""",
        _compile({"vm.msk": _vm("  zsf { compression = lz4 }\n")}),
        _compile({"vm.msk": _vm("  zfs { compression = lz4 }\n")})),
    _stage(codes.UNKNOWN_SETTING, """
        A setting the block does not define has no effect, so a misspelt name would silently
        leave the default in place. A raw block takes only the keys its target writes somewhere
        (the table in docs/language.md): `raw netbsd { loader = [...] }` would go nowhere.""",
        _compile({"vm.msk": _vm("  kernel { debugging = on }\n")}),
        _compile({"vm.msk": _vm("  kernel { debug = on }\n")})),
    _stage(codes.BAD_VALUE, """
        Each setting takes one kind of value: a size, a number in a range, one word of a list,
        yes or no. A value of another kind or out of range cannot be turned into the line the
        target needs.""",
        _compile({"vm.msk": _vm().replace("memory = 8GiB", "memory = 8GiB  cpus = many")}),
        _compile({"vm.msk": _vm().replace("memory = 8GiB", "memory = 8GiB  cpus = 4")})),
    _stage(codes.DUPLICATE_SETTING, """
        A setting given twice in one block is a contradiction or a leftover; mscc does not guess
        which one was meant. Override a setting through `extends` instead.""",
        _compile({"vm.msk": _vm().replace("memory = 8GiB", "memory = 8GiB  memory = 4GiB")}),
        _compile({"vm.msk": _vm().replace("memory = 8GiB", "memory = 4GiB")})),
    _stage(codes.UNKNOWN_PROFILE, """
        `extends` names a profile or template that no file defines (after includes), so the
        settings it should bring are missing.""",
        _compile({"vm.msk": _vm().replace("profile air {", "profile air extends zfs-gest {", 1)
                  .replace("profile", "template zfs-guest {\n  zfs { compression = lz4 }\n}\n\nprofile", 1)}),
        _compile({"vm.msk": _vm().replace("profile air {", "profile air extends zfs-guest {", 1)
                  .replace("profile", "template zfs-guest {\n  zfs { compression = lz4 }\n}\n\nprofile", 1)})),
    _stage(codes.EXTENDS_CYCLE, """
        Profiles or templates that extend each other in a cycle have no defined order in which
        their settings override one another.""",
        _compile({"vm.msk": "template a extends b {\n  zfs { compression = lz4 }\n}\n\n"
                            "template b extends a {\n  zfs { atime = no }\n}\n\n"
                            + _vm().replace("profile air {", "profile air extends a {")}),
        _compile({"vm.msk": "template a extends b {\n  zfs { compression = lz4 }\n}\n\n"
                            "template b {\n  zfs { atime = no }\n}\n\n"
                            + _vm().replace("profile air {", "profile air extends a {")})),
    _stage(codes.DUPLICATE_PROFILE, """
        Two profiles or templates with the same name, in one file or across includes: output
        directories and `extends` go by name, so one would silently replace the other.""",
        _compile({"vm.msk": _vm() + "\n" + _vm().replace("memory = 8GiB", "memory = 4GiB")}),
        _compile({"vm.msk": _vm() + "\n" + _vm().replace("memory = 8GiB", "memory = 4GiB")
                  .replace("profile air", "profile air-small")})),
    _stage(codes.MISSING_SETTING, """
        Some settings have no sensible default: the Mac's chip and memory (every limit is derived
        from them), a dataset's name, and the target OS when no --target is given.""",
        _compile({"vm.msk": _vm().replace("  memory = 16GiB", "")}),
        _compile({"vm.msk": _vm()})),
    _stage(codes.BAD_PERCENT_BASE, """
        A percentage is of a size the profile knows: `vm.memory` or `host.memory` (the Mac's
        `hardware.memory`). When that size is missing there is nothing to take the percentage of.""",
        _compile({"vm.msk": _vm("  zfs { arc_max = 25% of host.memory }\n").replace("  memory = 16GiB", "")}),
        _compile({"vm.msk": _vm("  zfs { arc_max = 25% of host.memory }\n")})),
    _stage(codes.NO_PROFILES, """
        A file given to `mscc compile` that defines no profile (and no template for other files to
        extend) produces nothing, which is never what was meant.""",
        _compile({"vm.msk": "# the M1 Air's VM: to do\n"}),
        _compile({"vm.msk": "template zfs-guest {\n  zfs { compression = lz4 }\n}\n\n"
                            + _vm().replace("profile air {", "profile air extends zfs-guest {")})),
    # --- hardware -------------------------------------------------------------------------
    _stage(codes.UNKNOWN_CHIP, """
        Every limit mscc checks comes from the chip: its cores, the memory sizes it was sold with,
        its ISA features. A chip id not in the database (`mscc hardware list`) leaves nothing to
        check against.""",
        _compile({"vm.msk": _vm().replace("chip = m1", "chip = m1x")}),
        _compile({"vm.msk": _vm().replace("chip = m1", "chip = m1-max").replace("16GiB", "32GiB")})),
    # --- kernel ---------------------------------------------------------------------------
    _stage(codes.UNKNOWN_DEVICE_CLASS, """
        `kernel.devices` names device classes, which each target maps to its own drivers
        (targets/*/devices.json). A class mscc does not know maps to no driver, so the kernel
        would silently lack what the line asked for.""",
        _compile({"vm.msk": _vm("  kernel { devices = [virtio-blk, virtio-nett] }\n")}),
        _compile({"vm.msk": _vm("  kernel { devices = [virtio-blk, virtio-net] }\n")})),
    # --- codes a rule reports beside its own (the rule's example shows its main code) ----------
    _stage(codes.ARC_TOO_SMALL, """
        OpenZFS ignores an ARC limit below its floor (arc_max under 64 MiB, arc_min under 32
        MiB) and keeps its default instead, so the limit written would not be the limit in
        force.""",
        _compile({"vm.msk": _vm("  zfs { arc_max = 32MiB }\n")}),
        _compile({"vm.msk": _vm("  zfs { arc_max = 2GiB }\n")})),
    _stage(codes.VOLATILE_SLOG_ACCEPTED, """
        With `accept = [lose-sync-writes-on-crash]` a RAM log is no longer an error: mscc emits
        `sync=disabled` instead of a RAM-backed log (the same loss, stated plainly) and warns
        once, so the acceptance stays visible in every build.""",
        _compile({"vm.msk": _vm("  zfs {\n    slog = ram\n    accept = [lose-sync-writes-on-crash]\n  }\n")}),
        _compile({"vm.msk": _vm("  zfs { slog = none }\n")})),
    _stage(codes.VZ_UNSUPPORTED, """
        Some guest OS versions do not boot under Apple's Virtualization.framework (vz): they lack
        the drivers or the console it offers. OpenBSD boots under vz from 7.9; before it, use
        qemu.""",
        _compile({"vm.msk": _on("openbsd", vm='  version = "7.6"').replace("qemu", "vz")}),
        _compile({"vm.msk": _on("openbsd", vm='  version = "7.6"')})),
    # --- raw escape hatches -----------------------------------------------------------------
    _stage(codes.UNKNOWN_OPTION, """
        config(8) stops at an option FreeBSD's sources do not declare (sys/conf/options*), and
        OpenBSD's config(8) the same; a misspelt raw option breaks the kernel build, so mscc
        checks each name against the target's name database first.""",
        _compile({"vm.msk": _vm('  raw freebsd { kernel = ["options INVARIANTZ"] }\n')}),
        _compile({"vm.msk": _vm('  raw freebsd { kernel = ["options INVARIANTS"] }\n')})),
    _stage(codes.UNKNOWN_DEVICE, """
        A raw `device` line for a device the target's sources do not declare for arm64 stops
        config(8) ('device is unknown').""",
        _compile({"vm.msk": _vm('  raw freebsd { kernel = ["device virtio_randm"] }\n')}),
        _compile({"vm.msk": _vm('  raw freebsd { kernel = ["device virtio_random"] }\n')})),
    _stage(codes.BAD_RAW_LINE, """
        Each raw key holds lines of one file format: config(8) directives, `NAME="value"` for
        loader.conf, `name=value` for sysctl.conf. A line mscc cannot read as that format would
        be rejected or misread by the tool that reads the file.""",
        _compile({"vm.msk": _vm('  raw freebsd { loader = ["kern.maxproc 1000"] }\n')}),
        _compile({"vm.msk": _vm('  raw freebsd { loader = ["kern.maxproc=\\"1000\\""] }\n')})),
    _stage(codes.UNKNOWN_SYMBOL, """
        Kconfig ignores an assignment to a symbol it does not define, without a word. mscc checks
        raw alpine kernel lines against the symbol database of the target's Linux release.""",
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["CONFIG_VIRTIO_BLKK=y"] }\n')}),
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["CONFIG_VIRTIO_BLK=y"] }\n')})),
    _stage(codes.RAW_TARGET, """
        A raw block is per target OS, and its lines are checked and written by that target only. A
        raw block for a name that is not a target would be ignored.""",
        _compile({"vm.msk": _vm('  raw linux { sysctl = ["vm.swappiness = 10"] }\n')}),
        _compile({"vm.msk": _vm('  raw alpine { sysctl = ["vm.swappiness = 10"] }\n')})),
    _stage(codes.KCONFIG_BAD_VALUE, """
        A Kconfig value of the wrong type for its symbol (a module for a bool, a word for an int)
        is dropped by Kconfig with a warning nobody reads, and the symbol keeps its default.""",
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["CONFIG_BLK_DEV_INITRD=m"] }\n')}),
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["CONFIG_BLK_DEV_INITRD=y"] }\n')})),
    _stage(codes.KCONFIG_NO_PROMPT, """
        A symbol without a prompt is set only by `select` or its default; a fragment line that sets
        it is overridden by olddefconfig. Set the symbol that selects it instead.""",
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["CONFIG_ZLIB_INFLATE=y"] }\n')}),
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["CONFIG_ZRAM=y"] }\n')})),
    _stage(codes.KCONFIG_RAW_OVERRIDES, """
        A raw Kconfig line that contradicts what the profile's intent emits wins, since raw lines
        are merged last. That is allowed, but it usually means the intent says one thing and the
        kernel does another.""",
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["# CONFIG_VIRTIO_BLK is not set"] }\n')}),
        _compile({"vm.msk": _on("alpine", '  raw alpine { kernel = ["CONFIG_VIRTIO_BLK=y"] }\n')})),
    _stage(codes.FOREIGN_DEVICE_PATH, """
        A device path in another OS's naming (FreeBSD's /dev/vtbd1 on Linux) names no device on
        the target: the ZFS setup script would fail to add the log or cache vdev.""",
        _compile({"vm.msk": _on("alpine", '  zfs { slog = "/dev/vtbd1" }\n')}),
        _compile({"vm.msk": _on("alpine", '  zfs { slog = "/dev/vdb" }\n')})),
    _stage(codes.NO_UNSELECTED, """
        NetBSD's config(1) stops at `no dev* at parent?` when the included GENERIC64 does not
        select it, and warns at `no options X` for an X nothing selected: there is nothing to
        remove.""",
        _compile({"vm.msk": _on("netbsd", '  raw netbsd { kernel = ["no options LOCKDEBUG"] }\n')}),
        _compile({"vm.msk": _on("netbsd", '  raw netbsd { kernel = ["options LOCKDEBUG"] }\n')})),
    _stage(codes.NAME_UNCONFIRMED, """
        mscc's NetBSD name data comes from the sources of one release; where it cannot confirm a
        name or whether GENERIC64 selects it, mscc warns instead of guessing, and leaves the line
        out of what it emits by itself.""",
        _compile({"vm.msk": _on("netbsd", '  raw netbsd { kernel = ["no options UFS_DIRHASH"] }\n')}),
        _compile({"vm.msk": _on("netbsd", '  raw netbsd { kernel = ["no options DDB"] }\n')})),
    _stage(codes.ZFS_TUNABLES_UNSUPPORTED, """
        NetBSD's ZFS port is old and takes no ARC limits or module tunables through a file mscc
        can write. The setting is not applied; the warning says so rather than pretend.""",
        _compile({"vm.msk": _on("netbsd", "  zfs { arc_max = 2GiB }\n")}),
        _compile({"vm.msk": _on("netbsd", "  zfs { compression = lz4 }\n")})),
    _stage(codes.DUPLICATE_OPTION, """
        OpenBSD's config(8) stops at an option the configuration already selects (GENERIC, or a
        line mscc emitted). Remove it first with `rmoption` if you mean to change its value.""",
        _compile({"vm.msk": _on("openbsd", '  raw openbsd { kernel = ["option DDB"] }\n')}),
        _compile({"vm.msk": _on("openbsd", '  raw openbsd { kernel = ["option WITNESS"] }\n')})),
    _stage(codes.NO_CONSOLE_ON_VZ, """
        Under Virtualization.framework an OpenBSD guest's only console is a virtio-gpu framebuffer
        (there is no serial port to read). A kernel that does not keep virtio-gpu boots blind.""",
        _compile({"vm.msk": _on("openbsd", vm='  version = "7.9"').replace("qemu", "vz")}),
        _compile({"vm.msk": _on("openbsd",
                                "  kernel { devices = [virtio-blk, virtio-net, virtio-gpu, usb-input] }\n",
                                vm='  version = "7.9"').replace("qemu", "vz")})),
    # --- minimal images (mscc.emit.freebsd_image) -------------------------------------------
    _stage(codes.BAD_IMAGE_PACKAGE, """
        A FreeBSD 15 image installs base-system packages by name, and pkg(8) stops at a name
        the release does not define. mscc checks `FreeBSD-` names against the package
        definitions of FreeBSD 15.0 (release/packages) before the image is built.""",
        _compile({"vm.msk": _image("15.0", 'packages = ["FreeBSD-zfs-tools"]')}),
        _compile({"vm.msk": _image("15.0", 'packages = ["FreeBSD-zfs-dev"]')})),
    _stage(codes.UNKNOWN_SRC_KNOB, """
        make ignores a src.conf knob that the release does not define, without a word, so a
        misspelt WITHOUT_ line silently keeps what it was meant to remove. mscc checks each
        knob of a FreeBSD 14 image against the knobs tools/build/options documents.""",
        _compile({"vm.msk": _image("14.3", raw='src_conf = ["WITHOUT_NTPD=yes"]')}),
        _compile({"vm.msk": _image("14.3", raw='src_conf = ["WITHOUT_NTP=yes"]')})),
    _stage(codes.IMAGE_PACKAGES_UNCHECKED, """
        Packages from the ports collection are installed by name too, but mscc has no list of
        ports to check a name against: it says which names it did not check rather than let
        them pass as checked.""",
        _compile({"vm.msk": _image("15.0", 'packages = ["tmux"]')}),
        _compile({"vm.msk": _image("15.0", 'packages = ["FreeBSD-ee"]')})),
    # --- settings and lint ------------------------------------------------------------------
    _stage(codes.BAD_SETTINGS, """
        A settings file that does not mean what it says is worse than none: a misspelt key would
        silently keep the default severity or format. mscc reports every invalid key and value in
        .mscc.toml or [tool.mscc].""",
        Scenario({".mscc.toml": 'fail-on = "warnings"\n', "vm.msk": _vm()}, ("lint", "vm.msk")),
        Scenario({".mscc.toml": 'fail-on = "warning"\n', "vm.msk": _vm()}, ("lint", "vm.msk"))),
    # --- output ---------------------------------------------------------------------------
    _stage(codes.WRITE_FAILED, """
        The output directory cannot be written (a file is in the way, no permission, a full disk).
        mscc writes each bundle completely or not at all, so nothing half-written is left.""",
        _compile({"vm.msk": _vm(), "out/air": "a file where the profile's directory goes\n"}, "-o", "out"),
        _compile({"vm.msk": _vm()}, "-o", "out")),
    _stage(codes.GENERATED_STALE, """
        Generated files committed next to their profile go stale when the profile changes and
        nobody recompiles. `mscc compile --check` (and `mscc lint` on a manifest.json) compares
        them with what the profile produces now.""",
        Scenario({"vm.msk": _vm()}, ("lint", "--generated", "out"),
                 before=(("compile", "vm.msk", "-o", "out"),),
                 edits={"vm.msk": _vm().replace("memory = 8GiB", "memory = 4GiB")}),
        Scenario({"vm.msk": _vm()}, ("lint", "--generated", "out"),
                 before=(("compile", "vm.msk", "-o", "out"),))),
    # --- mscc audit in a real kernel tree ----------------------------------------------------
    # A one-line base keeps each audit to two olddefconfig runs (tinyconfig would add a third),
    # and every passing example is the same audit, so the tests run it once.
    _stage(codes.AUDIT_DROPPED, """
        merge_config.sh and olddefconfig drop a requested value without failing: a misspelt symbol,
        an unmet dependency, a lost choice. The audit compares what was asked with the final .config
        and says why each value is missing.""",
        _audit("CONFIG_VIRTIO_FSS=y\n"),
        _audit(_FRAGMENT_OK),
        needs="linux-tree"),
    _stage(codes.AUDIT_BASE_DROPPED, """
        A value of the base config that the tree drops even without the fragment (an unknown
        symbol, a toolchain probe that fails here) is not the fragment's fault: it is a note, so
        the drops the fragment causes stand out.""",
        _audit(_FRAGMENT_OK, _BASE + "CONFIG_VIRTIO_FSS=y\n"),
        _audit(_FRAGMENT_OK),
        needs="linux-tree"),
    _stage(codes.AUDIT_BASE_CHANGED, """
        The fragment changed a value the base config chose (a choice it took over, a dependency
        it turned off). Often intended, so it is a note; it tells what else the fragment did.""",
        _audit("CONFIG_ARM64_16K_PAGES=y\n"),
        _audit(_FRAGMENT_OK),
        needs="linux-tree"),
    _stage(codes.AUDIT_TOOL_FAILED, """
        The audit could not run: the directory is not a Linux tree, `make` or the compiler
        failed, or the base config is missing. Nothing was proven, so it is an error.""",
        Scenario({"virt.config": _FRAGMENT_OK, "base.config": _BASE, "linux": DIRECTORY},
                 ("audit", "virt.config", "--base", "base.config", "--kernel-src", "linux")),
        _audit(_FRAGMENT_OK),
        needs="linux-tree"),
    _stage(codes.AUDIT_BAD_LINE, """
        A fragment line that is neither `CONFIG_X=value` nor `# CONFIG_X is not set` is ignored by
        Kconfig and merge_config.sh alike, so what it meant to set is never set.""",
        _audit("CONFIG_MAGIC_SYSRQ = y\n"),
        _audit(_FRAGMENT_OK),
        needs="linux-tree"),
)}
