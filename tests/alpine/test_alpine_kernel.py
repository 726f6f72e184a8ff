"""The alpine fragments proven in a real Linux 6.12 tree: every example (and profiles that
exercise every table entry) merged onto Alpine's virt config and onto tinyconfig with the
tree's own merge_config.sh + olddefconfig, with zero dropped values; `mscc audit` catching and
explaining broken fragments; build.sh's own shell audit agreeing.

Skipped without a tree: set MSCC_LINUX_TREE, or have /usr/src/linux-source-6.12.tar.xz for
scripts/linux-tree (CI installs Debian's linux-source-6.12, flex, bison, bc, gcc-aarch64-linux-gnu).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import EXAMPLES, ROOT, compile_text
from mscc.compiler import compile_file
from mscc.linux.audit import Scratch, audit

pytestmark = pytest.mark.kernel

# What the Alpine base loses on the Debian 6.12 tree by itself (no GCC plugin headers, no pahole,
# a symbol gone from 6.12): notes, never the fragment's fault.
def _pahole_version() -> int:
    """pahole's version as Kconfig's scripts/pahole-version.sh gives it (1.24 -> 124; 0 without it)."""
    import re

    if shutil.which("pahole") is None:
        return 0
    done = subprocess.run(["pahole", "--version"], capture_output=True, text=True)
    match = re.search(r"(\d+)\.(\d+)", done.stdout)
    return int(match.group(1)) * 100 + int(match.group(2)) if match else 0


# Values of Alpine's config that olddefconfig drops on this host: the GCC plugins and the
# hotplug default need what the cross toolchain lacks; DEBUG_INFO_BTF needs pahole >= 1.16
# on the build host (`depends on PAHOLE_VERSION >= 116`), so it survives where dwarves is installed.
BASE_LOSSES = {"MEMORY_HOTPLUG_DEFAULT_ONLINE", "GCC_PLUGIN_LATENT_ENTROPY", "GCC_PLUGIN_STACKLEAK",
               "STACKLEAK_RUNTIME_DISABLE"} | ({"DEBUG_INFO_BTF"} if _pahole_version() < 116 else set())

PROFILES = """
profile everything {
  hardware { chip = m4-max  memory = 128GiB }
  vm { hypervisor = vz  cpus = 8  memory = 16GiB  os = alpine  version = "3.21" }
  kernel {
    page_size = 16K
    devices = [virtio-blk, virtio-net, virtio-console, virtio-rng, virtio-balloon, virtio-scsi, virtio-fs,
               virtio-9p, virtio-vsock, virtio-gpu, nvme, ahci, usb-input, usb-storage]
    debug = on
  }
  zfs { arc_max = 8GiB }
  raw alpine { kernel = ["CONFIG_IKCONFIG=y", "CONFIG_NR_CPUS=64"] }
}
profile bare {
  hardware { chip = m1  memory = 16GiB }
  vm { hypervisor = qemu  memory = 4GiB  os = alpine }
  kernel { crypto = no  debug = full  devices = [virtio-blk] }
}
profile storage16k {
  hardware { chip = m2  memory = 24GiB }
  vm { hypervisor = qemu  memory = 8GiB  os = alpine }
  kernel { page_size = 16K  devices = [virtio-blk, virtio-scsi, virtio-9p, virtio-net]  crypto = no }
  zfs { arc_max = 4GiB }
}
"""

BROKEN = {
    # VIRTIO_FS depends on FUSE_FS: =y with FUSE_FS off leaves it out entirely
    "virtio-fs-without-fuse": "CONFIG_VIRTIO_FS=y\n# CONFIG_FUSE_FS is not set\n",
    # a typo: Kconfig only warns in its log and drops it
    "misspelt": "CONFIG_VIRTIO_BLKK=y\n",
    # two members of the page-size choice: the later one wins, 16K is lost (and 64K cannot boot)
    "16k-vs-64k": "CONFIG_ARM64_16K_PAGES=y\nCONFIG_ARM64_64K_PAGES=y\n",
    # =y needs FUSE_FS=y; Alpine builds FUSE as a module, so VIRTIO_FS is capped at m
    "virtio-fs-y-on-modular-fuse": "CONFIG_VIRTIO_FS=y\n",
}


@pytest.fixture
def base(alpine_base_config, monkeypatch) -> str:
    """Alpine's virt config from ../shared/reference; also what `mscc audit` finds by default."""
    monkeypatch.setenv("MSCC_ALPINE_BASE_CONFIG", str(alpine_base_config))
    return str(alpine_base_config)


@pytest.fixture(scope="module")
def scratch():
    with Scratch() as s:
        yield s


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every example and the synthetic profiles, compiled for alpine and written out."""
    from mscc.emit.artifacts import write_bundles

    out = tmp_path_factory.mktemp("alpine-out")
    bundles = []
    for example in EXAMPLES:
        result = compile_file(str(example), ["alpine"])
        assert result.ok, result.diagnostics
        bundles += result.bundles
    result = compile_text(tmp_path_factory.mktemp("profiles"), PROFILES, target="alpine")
    assert result.ok, result.diagnostics
    bundles += result.bundles
    write_bundles(out, bundles)
    return out, sorted(b.directory for b in bundles)


def directories():
    names = []
    for example in EXAMPLES:
        result = compile_file(str(example), ["alpine"], emit=False)
        names += [f"{p}/alpine" for p, _ in result.written]
    return names + ["everything/alpine", "bare/alpine", "storage16k/alpine"]


CASES = [(d, v) for d in directories() for v in ("virt", "minimal")]


@pytest.mark.parametrize("directory,variant", CASES, ids=[f"{d.split('/')[0]}-{v}" for d, v in CASES])
def test_no_requested_value_is_dropped(tree, scratch, outputs, base, directory, variant, record_property):
    out, _ = outputs
    fragment = out / directory / "kernel" / f"{variant}.fragment.config"
    result = audit(fragment, tree, base if variant == "virt" else "tinyconfig", scratch=scratch)
    record_property("audit_seconds", round(result.seconds, 2))
    print(f"{directory} {variant}: {len(result.requested)} values, {result.seconds:.1f}s")
    assert result.error is None, (result.error, result.error_log[-2000:])
    assert result.bad_lines == [] and result.forbidden == []
    assert [(d.assignment.symbol, d.assignment.value, d.final, d.reason) for d in result.drops] == []
    assert len(result.requested) > 20
    if variant == "virt":
        assert {lost.assignment.symbol for lost in result.base_lost} == BASE_LOSSES
    else:
        assert result.base_lost == []
    final = result.final
    if "CONFIG_MODULES=y" in fragment.read_text():  # zfs: zlib comes through CRYPTO_DEFLATE's select
        assert final.get("ZLIB_INFLATE") == "y" and final.get("ZLIB_DEFLATE") == "y"
        assert final.get("DEBUG_LOCK_ALLOC", "n") == "n" and final.get("TRIM_UNUSED_KSYMS", "n") == "n"
    if "- debug: off" in (out / directory / "report.txt").read_text():
        assert final.get("DEBUG_INFO", "n") == "n" and final.get("DEBUG_INFO_NONE") == "y"
    assert final.get("ARM64_64K_PAGES", "n") == "n"


def test_16k_profiles_get_16k_kernels(tree, scratch, outputs, base):
    out, _ = outputs
    for variant, chosen in (("virt", base), ("minimal", "tinyconfig")):
        result = audit(out / "everything/alpine/kernel" / f"{variant}.fragment.config", tree, chosen, scratch=scratch)
        assert result.ok
        assert result.final["ARM64_16K_PAGES"] == "y" and result.final["PAGE_SHIFT"] == "14"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_audit_catches_and_explains(tree, scratch, tmp_path, base, name):
    fragment = tmp_path / f"{name}.config"
    fragment.write_text(BROKEN[name])
    result = audit(fragment, tree, base, scratch=scratch)
    assert not result.ok and result.error is None
    found = {d.code: d for d in result.diagnostics() if d.code in ("MS801", "MS301")}
    drops = {lost.assignment.symbol: lost for lost in result.drops}
    if name == "virtio-fs-without-fuse":
        assert drops["VIRTIO_FS"].final is None
        assert drops["VIRTIO_FS"].reason == "VIRTIO_FS=y needs FUSE_FS=y (depends on FUSE_FS); FUSE_FS is n"
        assert (found["MS801"].span.line, found["MS801"].span.column) == (1, 1)
    elif name == "misspelt":
        assert drops["VIRTIO_BLKK"].reason.startswith("VIRTIO_BLKK: unknown symbol in 6.12 (did you mean VIRTIO_BLK")
    elif name == "16k-vs-64k":
        assert drops["ARM64_16K_PAGES"].final == "n"
        assert drops["ARM64_16K_PAGES"].reason == (
            "ARM64_16K_PAGES is in the choice 'Page size' and ARM64_64K_PAGES was chosen")
        assert found["MS301"].span.line == 2  # 64K survives Kconfig, and is refused anyway
    else:
        assert drops["VIRTIO_FS"].final == "m"
        assert "FUSE_FS" in drops["VIRTIO_FS"].reason
    # base losses stay notes, apart from the fragment's own drops
    assert {lost.assignment.symbol for lost in result.base_lost} == BASE_LOSSES
    assert all(d.severity.name == "NOTE" for d in result.diagnostics() if d.code in ("MS802", "MS803"))


def test_audit_cli(tree, tmp_path, run_cli, monkeypatch, base):
    monkeypatch.chdir(tmp_path)
    broken = tmp_path / "broken.config"
    broken.write_text(BROKEN["virtio-fs-without-fuse"] + BROKEN["misspelt"])
    r = run_cli("audit", broken, "--kernel-src", tree, "--format", "concise")
    assert r.exit_code == 1
    assert "broken.config:1:1: error[MS801]: CONFIG_VIRTIO_FS=y did not survive" in r.output
    assert "broken.config:3:1: error[MS801]: CONFIG_VIRTIO_BLKK=y" in r.output
    assert "note[MS802]" in r.output and "error[MS802]" not in r.output
    good = tmp_path / "good.config"
    good.write_text("CONFIG_VIRTIO_FS=m\nCONFIG_FUSE_FS=m\n")
    r = run_cli("audit", good, "--kernel-src", tree, "--format", "concise")
    assert r.exit_code == 0, r.output
    r = run_cli("audit", good, "--kernel-src", tree, "--base", "tinyconfig", "--format", "json")
    assert r.exit_code == 1  # =m needs loadable modules, and tinyconfig has none
    report = json.loads(r.stdout)
    hints = {d["line"]: d["hint"] for d in report["diagnostics"] if d["code"] == "MS801"}
    assert hints[1] == "VIRTIO_FS=m needs MODULES=y (loadable modules); MODULES is n"


def test_compile_audit_with(tree, tmp_path, run_cli, base):
    r = run_cli("compile", ROOT / "examples/m1-air.msk", "-o", tmp_path / "out", "--audit-with", tree,
                "--format", "concise")
    assert r.exit_code == 0, r.output
    assert r.output.count(": ok: ") == 2 and " 0 dropped" in r.output


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None and os.uname().machine != "aarch64",
                    reason="no arm64 compiler")
@pytest.mark.parametrize("variant", ["virt", "minimal"])
def test_build_sh_audit_agrees(tree, outputs, tmp_path, base, variant):
    """build.sh merges and audits in shell (AUDIT_ONLY=1 stops before compiling)."""
    out, _ = outputs
    bundle = out / "m1-air/alpine"
    env = {**os.environ, "KERNEL_SRC": str(tree), "VARIANT": variant, "BUILD_DIR": str(tmp_path / "b"),
           "AUDIT_ONLY": "1", "BASE_CONFIG": base, "PATH": os.environ["PATH"]}
    ok = subprocess.run(["sh", str(bundle / "build.sh")], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert "audit passed" in ok.stdout + ok.stderr
    assert not (tree / ".config").exists()
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken)
    with open(broken / "kernel" / f"{variant}.fragment.config", "a") as fh:
        fh.write("CONFIG_VIRTIO_FSS=y\n")
    env["PATH"] = "/usr/bin:/bin"  # no mscc: the shell audit alone must fail
    bad = subprocess.run(["sh", str(broken / "build.sh")], env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "requested 'CONFIG_VIRTIO_FSS=y', final 'absent'" in bad.stderr


FAKE_CURL = """#!/bin/sh
# stands in for curl: records the URL, writes $FAKE_BODY to the -o file
while [ $# -gt 0 ]; do
    case $1 in
    -o) out=$2; shift 2 ;;
    -*) shift ;;
    *) printf '%s\\n' "$1" >> "$FAKE_LOG"; shift ;;
    esac
done
cp "$FAKE_BODY" "$out"
"""


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None and os.uname().machine != "aarch64",
                    reason="no arm64 compiler")
def test_build_sh_downloads_and_verifies_the_base(tree, outputs, tmp_path, alpine_base_config):
    """Without BASE_CONFIG (and off Alpine), build.sh downloads the pinned URL and checks its
    sha256 against the facts mscc keeps: the real file passes, any other file is refused."""
    from mscc.linux import alpine_base

    out, _ = outputs
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(FAKE_CURL)
    (bin_dir / "curl").chmod(0o755)
    log = tmp_path / "urls"
    env = {k: v for k, v in os.environ.items() if k != "BASE_CONFIG"}
    env.update(KERNEL_SRC=str(tree), VARIANT="virt", BUILD_DIR=str(tmp_path / "b"), AUDIT_ONLY="1",
               FAKE_LOG=str(log), FAKE_BODY=str(alpine_base_config), PATH=f"{bin_dir}:{os.environ['PATH']}")
    script = str(out / "m1-air/alpine/build.sh")
    ok = subprocess.run(["sh", script], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert "audit passed" in ok.stdout + ok.stderr
    assert log.read_text().split() == [alpine_base.facts()["url"]]
    tampered = tmp_path / "tampered.config"
    tampered.write_bytes(alpine_base_config.read_bytes() + b"CONFIG_KASAN=y\n")
    env.update(FAKE_BODY=str(tampered), BUILD_DIR=str(tmp_path / "b2"))
    bad = subprocess.run(["sh", script], env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "does not match the base config mscc checked" in bad.stderr


def test_source_tree_untouched(tree, outputs):
    assert not (tree / ".config").exists() and not (tree / "include/config").exists()
