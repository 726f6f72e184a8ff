"""Property tests (issue 9): hostile strings in every string-valued setting of every target.

For each generated profile that compiles, every generated script runs under dash (or sh) with
fake `make`, `zfs`, `zpool`, `apk`, `modprobe`, `qemu-system-aarch64` ... first on PATH; the
fakes record their argv. Nothing the string asked for may run (the payloads call `pwned`,
itself a recording fake), and no recorded argument may carry a control character. Every
generated lima.yaml must load with PyYAML and keep Lima's shape, every Kconfig fragment must
read cleanly with mscc's Kconfig reader, every modprobe.d file with kmod's `modprobe -c -C`
(when kmod is installed: Debian package `kmod`), every loader.conf and sysctl file line by line.
Bounded: a few dozen examples per target, so the file runs in well under 20 s.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mscc.source import CONTROL

SHELL = shutil.which("dash") or shutil.which("sh")
FAKES = ("make", "zfs", "zpool", "apk", "modprobe", "qemu-system-aarch64", "mkfs.ext4", "truncate", "config",
         "git", "abuild", "curl", "wget", "python3", "pwned", "getconf", "mscc", "sha256sum", "uname")

PAYLOADS = [
    "\npwned\n", "$(pwned)", "`pwned`", ";pwned", "' ; pwned ; '", '"; pwned; "', "\r\npwned", "\u2028pwned",
    " # x", "\\", "\\\npwned", '" exec="pwned"', "\ninstall zfs pwned\n", "\x00", "&& pwned", "|pwned",
    "\nprovision:\n- mode: system\n  script: pwned", "${IFS}pwned", "--allow-untrusted", "-o", "\t", "\x1b[2J",
    "\u202e", "\nportForwards:\n- hostIP: 0.0.0.0", "}", '"', "\nCONFIG_MODULES=n", "\noptions INVARIANTS",
]
_CHARS = list("abcz09 ./-_=:,+'\"`$(){};&|<>#*?!~\\\n\r\t\x00\x1b\x7f\u2028\u202e") + ["\u0085"]

# Where a string goes, per target ("{S}" is replaced by the string as a .msk literal), with
# values that compile there, so that a third of the examples produce scripts to run.
_VERSION = {"alpine": ["3.22", "3.21.2"], "freebsd": ["15.0", "14.3"], "netbsd": ["10.1"], "openbsd": ["7.6"]}
_ZFS = [("zfs {{ pool = {S} }}", ["zroot", "tank.1"]),
        ("zfs {{ dataset {S} {{ atime = off }} }}", ["zroot/db", "zroot/a:b"]),
        ("zfs {{ slog = {S} }}", ["/dev/vdb", "/dev/disk/by-id/x+1"]),
        ("zfs {{ l2arc = {S} }}", ["/dev/vdc"]),
        ("zfs {{ tunables {{ zfs_fletcher_4_impl = {S} }} }}", ["scalar", "fastest"])]
SLOTS = {
    "alpine": [("vm {{ os = alpine  version = {S} }}", _VERSION["alpine"]), *_ZFS,
               ("image {{ minimal = yes  packages = [{S}] }}", ["htop", "py3-pip", "g++"]),
               ("raw alpine {{ kernel = [{S}] }}", ["CONFIG_VIRTIO_NET=y", "# CONFIG_DEBUG_FS is not set"]),
               ("raw alpine {{ sysctl = [{S}] }}", ["vm.swappiness = 10", "kernel.panic=5"]),
               ("raw alpine {{ modprobe = [{S}] }}", ["zfs_txg_timeout=5", "options zfs zfs_txg_timeout=5"])],
    "freebsd": [("vm {{ os = freebsd  version = {S} }}", _VERSION["freebsd"]), *_ZFS,
                ("raw freebsd {{ kernel = [{S}] }}", ["options INVARIANTS", "device virtio_random"]),
                ("raw freebsd {{ loader = [{S}] }}", ['vfs.zfs.txg.timeout="5"', "autoboot_delay=2"]),
                ("raw freebsd {{ sysctl = [{S}] }}", ["kern.maxfiles=1000", "vfs.zfs.txg.timeout=5"])],
    "netbsd": [("vm {{ os = netbsd  version = {S} }}", _VERSION["netbsd"]),
               ("raw netbsd {{ kernel = [{S}] }}", ["options DIAGNOSTIC"]),
               ("raw netbsd {{ sysctl = [{S}] }}", ["kern.maxfiles=1000"])],
    "openbsd": [("vm {{ os = openbsd  version = {S} }}", _VERSION["openbsd"]),
                ("raw openbsd {{ kernel = [{S}] }}", ["option DIAGNOSTIC", "rmoption DDB"]),
                ("raw openbsd {{ sysctl = [{S}] }}", ["kern.maxfiles=1000"])],
}


def hostile(target: str):
    """(slot, string): a valid value, a valid value with a payload, or random hostile text."""
    def for_slot(slot):
        template, valid = slot
        return st.tuples(st.just(template), st.one_of(
            st.sampled_from(valid),
            st.builds(lambda a, b: a + b, st.sampled_from(valid), st.sampled_from(PAYLOADS)),
            st.text(alphabet=st.sampled_from(_CHARS), max_size=24),
        ))
    return st.sampled_from(SLOTS[target]).flatmap(for_slot)


def msk_literal(value: str) -> str:
    """The value as a .msk string: backslash, quote, newline and tab escaped, the rest raw."""
    body = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{body}"'


def profile_with(target: str, slot: str, value: str) -> str:
    body = slot.format(S=msk_literal(value))
    vm = "" if body.startswith("vm ") else "vm { memory = 8GiB }\n  "
    return (f"profile p {{\n  hardware {{ chip = m3-pro  memory = 36GiB }}\n  {vm}{body}\n"
            f"  vm_placeholder\n}}\n").replace("  vm_placeholder\n", "")


@pytest.fixture(scope="module")
def fakebin(tmp_path_factory) -> Path:
    """A directory of recording fakes: each appends its name and argv, NUL-separated and
    ended by a record separator, to $FAKE_LOG."""
    bin_dir = tmp_path_factory.mktemp("fakebin")
    for name in FAKES:
        fake = bin_dir / name
        fake.write_text('#!/bin/sh\n{ printf \'%s\\0\' "${0##*/}" "$@"; printf \'\\036\'; } >>"$FAKE_LOG"\n'
                        'case ${0##*/} in uname) echo "${FAKE_UNAME:-Linux}" ;; getconf) echo 2 ;; esac\n'
                        # `zfs list DATASET` fails, so zfs-setup.sh goes on to create it
                        'case ${0##*/}:${1:-} in zfs:list) exit 1 ;; esac\n'
                        "exit 0\n")
        fake.chmod(0o755)
    return bin_dir


def _calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    data = log.read_bytes().decode("utf-8", "surrogateescape")
    return [record.split("\0")[:-1] for record in data.split("\x1e") if record]


def _run_scripts(bundle_dir: Path, fakebin: Path, work: Path, target: str) -> list[list[str]]:
    log = work / "calls.log"
    src = work / "src"
    for rel in ("sys/arm64/conf/GENERIC", "sys/arch/arm64/conf/GENERIC", "sys/arch/evbarm/conf/GENERIC64",
                "build.sh", "scripts/kconfig/merge_config.sh"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).touch()
    (src / "build.sh").write_text('#!/bin/sh\n{ printf \'%s\\0\' build.sh "$@"; printf \'\\036\'; } '
                                  '>>"$FAKE_LOG"\n')
    (src / "build.sh").chmod(0o755)
    keys = work / "keys"
    keys.mkdir(exist_ok=True)
    (keys / "a.pub").touch()
    (work / "disk").touch()
    env = {"PATH": f"{fakebin}:/usr/bin:/bin", "FAKE_LOG": str(log), "HOME": str(work), "SRC": str(src),
           "KERNEL_SRC": str(src), "KEYS_DIR": str(keys), "OUT": str(work / "image.ext4"), "DISK": str(work / "disk"),
           "FIRMWARE": str(work / "disk"), "FAKE_UNAME": "OpenBSD" if target == "openbsd" else "Linux",
           "BUILD_DIR": str(work / "build"), "AUDIT_ONLY": "1", "BASE_CONFIG": str(work / "disk")}
    for script in sorted(bundle_dir.rglob("*.sh")):
        subprocess.run([SHELL, str(script)], check=False, cwd=work, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
    return _calls(log)


LIMA_KEYS = {"minimumLimaVersion", "vmType", "os", "arch", "cpus", "memory", "disk", "nestedVirtualization",
             "images", "mounts", "containerd", "provision"}


def _check_files(bundle_dir: Path) -> None:
    import yaml

    from mscc.linux.kconfig import BadLine, parse_config_lines

    for path in bundle_dir.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert not CONTROL.search(text.replace("\n", "").replace("\t", "")), path
        if path.name == "lima.yaml":
            doc = yaml.safe_load(text)
            assert set(doc) <= LIMA_KEYS, path
            scripts = [p for p in doc.get("provision", ()) if p["mode"] != "data"]
            assert len(scripts) <= 1 and "pwned" not in str(scripts)
        elif path.name.endswith(".fragment.config"):
            assert not [i for i in parse_config_lines(text) if isinstance(i, BadLine)], path
        elif path.name == "loader.conf":
            for line in text.splitlines():
                assert line.startswith("#") or re.fullmatch(r'[A-Za-z_][A-Za-z0-9_.]*="[^"\\]*"', line), line
        elif "sysctl" in path.name or path.parent.name == "sysctl.d":
            for line in text.splitlines():
                assert line.startswith("#") or (line.count("=") >= 1 and "\\" not in line), line
        elif path.parent.name == "modprobe.d":
            for line in text.splitlines():
                assert line.startswith(("#", "options ")), line
            if shutil.which("modprobe"):
                out = subprocess.run(["modprobe", "-c", "-C", str(path.parent)], check=False,
                                     capture_output=True, text=True,
                                     timeout=20)
                assert out.returncode == 0 and "pwned" not in out.stdout


def _property(target: str, slot: str, value: str, fakebin: Path, tmp_root: Path) -> None:
    from mscc.compiler import compile_file
    from mscc.emit.artifacts import write_bundles

    work = Path(__import__("tempfile").mkdtemp(dir=tmp_root))
    try:
        source = work / "t.msk"
        source.write_text(profile_with(target, slot, value), encoding="utf-8")
        result = compile_file(str(source), [target])
        if not result.bundles:
            return
        out = work / "out"
        write_bundles(out, result.bundles)
        _check_files(out)
        for call in _run_scripts(out, fakebin, work, target):
            assert call and call[0] != "pwned", call
            assert not any(CONTROL.search(arg) for arg in call), call
    finally:
        shutil.rmtree(work, ignore_errors=True)


_SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.skipif(SHELL is None, reason="no POSIX shell")
@pytest.mark.parametrize("target", sorted(SLOTS))
def test_hostile_strings_never_run_and_never_break_a_file(target, fakebin, tmp_path):
    @_SETTINGS
    @given(case=hostile(target))
    def check(case):
        _property(target, case[0], case[1], fakebin, tmp_path)

    check()


@pytest.mark.skipif(SHELL is None, reason="no POSIX shell")
def test_the_fakes_do_record_what_runs(fakebin, tmp_path):
    """The harness itself: a benign profile's scripts do call the fakes with clean argv."""
    from mscc.compiler import compile_file
    from mscc.emit.artifacts import write_bundles

    source = tmp_path / "t.msk"
    source.write_text(profile_with("alpine", 'zfs {{ dataset {S} {{ atime = off }} }}', "zroot/db")
                      .replace("zfs {", 'image { minimal = yes  packages = ["htop"] }\n  zfs {'))
    result = compile_file(str(source), ["alpine"])
    assert result.ok, result.diagnostics
    write_bundles(tmp_path / "out", result.bundles)
    calls = _run_scripts(tmp_path / "out", fakebin, tmp_path, "alpine")
    names = {c[0] for c in calls}
    assert {"zpool", "zfs", "apk", "qemu-system-aarch64"} & names >= {"zpool", "zfs", "apk"}
    apk = next(c for c in calls if c[0] == "apk")
    assert apk[apk.index("--") + 1:][-1] == "htop"
    assert ["zfs", "create", "-p", "zroot/db"] in calls
