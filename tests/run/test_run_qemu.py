"""The qemu backend with a real aarch64 guest assembled from Debian's arm64 packages
(mscc/run/guest.py: Debian's kernel, busybox-static, dropbear; cached under ~/.cache/mscc),
booted under TCG with -cpu max,pauth-impdef=on, running the pass/fail/hang/silent fixtures.

Slow (a boot is 5-30 s, the first assembly downloads ~60 MB): runs with MSCC_BOOT_TEST=1, like
the kernel boot test; .ci/run sets it. The fast tests check the QEMU command line."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from runfixtures import FAIL, HANG, PASS, REPO, SILENT, write_job

from mscc.cli import main as compile_main
from mscc.run import report as reports
from mscc.run.backends.qemu import QemuBackend
from mscc.cli.run import run
from mscc.run.guest import machine_archive

BOOT = os.environ.get("MSCC_BOOT_TEST") == "1"


def test_qemu_command_line(tmp_path):
    kernel, key = tmp_path / "Image", tmp_path / "key"
    kernel.write_bytes(b"kernel")
    key.write_text("key")
    backend = QemuBackend(tmp_path, {"kernel": str(kernel), "identity": str(key), "disk": None, "initrd": None})
    argv = backend.qemu_argv(2222, tmp_path / "console.log")
    assert argv[:3] == ["qemu-system-aarch64", "-M", "virt"]
    if backend.accel == "tcg":
        assert argv[argv.index("-cpu") + 1] == "max,pauth-impdef=on"
    assert "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22" in argv
    assert "virtio-net-pci,netdev=net0,romfile=" in argv
    assert f"file:{tmp_path / 'console.log'}" in argv
    assert backend.identity()["kernel"] == reports.cache_key.__globals__["hashlib"].sha256(b"kernel").hexdigest()
    with pytest.raises(ValueError, match="--kernel"):
        QemuBackend(tmp_path, {"identity": str(key)})


@pytest.mark.parametrize(("system", "machine", "accel", "cpu"), [("Darwin", "arm64", "hvf", "host"),
                                                                ("Linux", "x86_64", "tcg", "max,pauth-impdef=on")])
def test_qemu_accelerator_on_a_mac_and_elsewhere(tmp_path, monkeypatch, system, machine, accel, cpu):
    import platform

    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    kernel, key = tmp_path / "Image", tmp_path / "key"
    kernel.write_bytes(b"kernel")
    key.write_text("key")
    backend = QemuBackend(tmp_path, {"kernel": str(kernel), "identity": str(key)})
    argv = backend.qemu_argv(2222, tmp_path / "console.log")
    assert argv[argv.index("-accel") + 1] == accel and argv[argv.index("-cpu") + 1] == cpu
    assert backend.ready_timeout == (600.0 if accel == "tcg" else 120.0)


def test_archive_is_read_from_the_machine_sources(tmp_path):
    etc = tmp_path / "apt"
    (etc / "sources.list.d").mkdir(parents=True)
    (etc / "sources.list.d" / "x.sources").write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main\nSigned-By: /usr/share/keyrings/k.gpg\n")
    archive = machine_archive(etc)
    assert (archive.uri, archive.suite, archive.signed_by) == ("http://mirror.example/debian", "bookworm",
                                                               "/usr/share/keyrings/k.gpg")
    (etc / "sources.list.d" / "x.sources").unlink()
    (etc / "sources.list").write_text("# none\ndeb [arch=amd64] http://other.example/debian trixie main\n")
    assert machine_archive(etc).uri == "http://other.example/debian"


@pytest.mark.boot
@pytest.mark.skipif(not BOOT, reason="set MSCC_BOOT_TEST=1 to boot the Debian arm64 guest")
@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None or shutil.which("apt-get") is None,
                    reason="needs qemu-system-aarch64 (qemu-system-arm) and apt-get")
def test_qemu_guest_runs_every_fixture(tmp_path):
    from mscc.run.guest import debian_arm64_guest

    guest = debian_arm64_guest()
    out, results = tmp_path / "out", tmp_path / "results"
    write_job(out, "a-pass", "alpine", PASS)
    write_job(out, "b-fail", "alpine", FAIL)
    write_job(out, "c-hang", "alpine", HANG.replace("MARK", "4242"))
    write_job(out, "d-silent", "alpine", SILENT.replace("MARK", "4243"))
    write_job(out, "e-uname", "alpine", "#!/bin/sh\nuname -m\n")
    result = CliRunner().invoke(run, [
        str(out), "--backend", "qemu", "--kernel", str(guest.kernel), "--initrd", str(guest.initrd),
        "--identity", str(guest.key), "--append", guest.cmdline, "--results", str(results), "--keep-going",
        "--timeout", "8s", "--no-output-timeout", "4s", "--boot-timeout", "5m"], catch_exceptions=False)
    doc = json.loads((results / "report.json").read_text())
    assert reports.validate(doc) == []
    statuses = {j["profile"]: j["status"] for j in doc["jobs"]}
    assert statuses == {"a-pass": "passed", "b-fail": "failed", "c-hang": "timeout", "d-silent": "timeout",
                        "e-uname": "passed"}, result.output
    assert result.exit_code == 1
    assert "[e-uname/alpine] aarch64" in result.output
    jobs = {j["profile"]: j for j in doc["jobs"]}
    assert jobs["c-hang"]["still_alive"] == "still alive: none" == jobs["d-silent"]["still_alive"]
    assert len(jobs["a-pass"]["artifacts"]) == 2 and "boot" in jobs["a-pass"]["phases"]
    console = Path(results / doc["consoles"][0]).read_text()
    assert "mscc-guest: network up" in console and "reboot: Power down" in console


@pytest.mark.boot
@pytest.mark.skipif(not BOOT, reason="set MSCC_BOOT_TEST=1 to start QEMU")
@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None, reason="needs qemu-system-aarch64")
def test_qemu_boot_failure_is_retried_once_then_infra_error(tmp_path):
    kernel, key = tmp_path / "not-a-kernel", tmp_path / "key"
    kernel.write_bytes(b"\0" * 16)
    key.write_text("key")
    out, results = tmp_path / "out", tmp_path / "results"
    write_job(out, "p", "alpine", PASS)
    result = CliRunner().invoke(run, [str(out), "--backend", "qemu", "--kernel", str(kernel), "--identity", str(key),
                                      "--results", str(results), "--boot-timeout", "2s"], catch_exceptions=False)
    assert result.exit_code == 3, result.output
    assert "boot attempt 1 failed" in result.output
    doc = json.loads((results / "report.json").read_text())
    assert doc["jobs"][0]["status"] == "infra-error" and "did not come up" in doc["jobs"][0]["reason"]
    assert doc["consoles"] == ["logs/console-qemu-1.log", "logs/console-qemu-2.log"]


def _load_boot_test():
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("mscc_boot_test_script", str(REPO / "scripts" / "boot-test"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def mscc_16k_kernel(tmp_path: Path) -> Path:
    """mscc's own minimal 16K kernel for tests/boot/boot16k.msk (the boot test's profile, so one
    kernel build serves both tests): tinyconfig + the fragment mscc emits, cross-built with
    scripts/boot-test's steps and cache (~/.cache/mscc/boot-test/KEY, seeded from the nearest
    build)."""
    import fcntl
    import subprocess

    boot_test = _load_boot_test()
    out = tmp_path / "kernel-out"
    done = CliRunner().invoke(compile_main, ["compile", str(REPO / "tests" / "boot" / "boot16k.msk"),
                                             "--target", "alpine", "-o", str(out)])
    assert done.exit_code == 0, done.output
    fragment = out / "boot16k" / "alpine" / "kernel" / "minimal.fragment.config"
    requested = boot_test.read_fragment(fragment)
    tree_out = subprocess.run([str(REPO / "scripts" / "linux-tree")], stdout=subprocess.PIPE, text=True, check=True)
    tree = Path(tree_out.stdout.strip().splitlines()[-1])
    toolchain = boot_test.toolchain_id(boot_test.kernel_version(tree))
    build = boot_test.cache_root() / boot_test.cache_key(requested, toolchain)
    build.mkdir(parents=True, exist_ok=True)
    with open(build / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (build / "fragment.config").write_text(fragment.read_text())
        (build / ".last-used").touch()
        boot_test.seed_from_nearest(build, toolchain)
        (build / ".mscc-toolchain").write_text(toolchain)
        final = boot_test.configure(tree, build, fragment, requested, boot_test.Timer())
        boot_test.check_page_size(final, "16K")
        return boot_test.build_image(tree, build, os.cpu_count() or 2)


@pytest.mark.boot
@pytest.mark.skipif(not BOOT, reason="set MSCC_BOOT_TEST=1 to build and boot mscc's 16K kernel")
@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None
                    or not Path("/usr/src/linux-source-6.12.tar.xz").exists(),
                    reason="needs qemu-system-arm, gcc-aarch64-linux-gnu and linux-source-6.12")
def test_guest_boots_on_mscc_16k_kernel(tmp_path):
    """The same Debian userland on the minimal 16K kernel mscc designed for an Alpine profile:
    a job run over ssh reports getconf PAGESIZE = 16384."""
    from mscc.run.guest import debian_arm64_guest

    guest = debian_arm64_guest()
    image = mscc_16k_kernel(tmp_path)
    # The kernel reaches qemu the way a job's own build leaves it: a local job puts the cached
    # Image where the Alpine build.sh does (no second kernel build), the runner collects it as a
    # declared artifact, and `--kernel-from` boots it from that report.
    built, results = tmp_path / "built", tmp_path / "results"
    write_job(tmp_path / "build-out", "boot16k", "alpine",
              "#!/bin/sh\nset -eu\nmkdir -p build-minimal/arch/arm64/boot\n"
              f"cp {shlex.quote(str(image))} build-minimal/arch/arm64/boot/Image\n")
    build = CliRunner().invoke(run, [str(tmp_path / "build-out"), "--backend", "local", "--results", str(built)],
                               catch_exceptions=False)
    assert build.exit_code == 0, build.output
    out = tmp_path / "out"
    write_job(out, "boot16k", "alpine", "#!/bin/sh\necho \"PAGESIZE=$(getconf PAGESIZE)\"\nuname -r\n")
    result = CliRunner().invoke(run, [
        str(out), "--backend", "qemu", "--kernel-from", f"{built / 'report.json'}:boot16k/alpine",
        "--initrd", str(guest.initrd),
        "--identity", str(guest.key), "--append", "console=ttyAMA0 panic=-1", "--results", str(results),
        "--boot-timeout", "5m"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "[boot16k/alpine] PAGESIZE=16384" in result.output
