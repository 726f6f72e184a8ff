"""`--kernel-from REPORT[:PROFILE/TARGET]`: the qemu backend boots the kernel a finished job left
among its declared artifacts (mscc/run/artifacts.py BOOTABLE), verified by size and sha256.
A real `local` run produces the report here; booting it is test_run_qemu.py's (MSCC_BOOT_TEST=1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from runfixtures import write_job

from mscc.cli.run import run
from mscc.run.artifacts import BOOTABLE, DECLARED, kernel_from_report

# What the Alpine build.sh leaves for the minimal variant, without building a kernel.
FAKE_BUILD = """#!/bin/sh
set -eu
mkdir -p build-minimal/arch/arm64/boot
printf 'not really a kernel' > build-minimal/arch/arm64/boot/Image
printf 'CONFIG_ARM64_16K_PAGES=y\\n' > build-minimal/.config
"""


def built(tmp_path: Path, *profiles: str) -> Path:
    out, results = tmp_path / "out", tmp_path / "built"
    for profile in profiles:
        write_job(out, profile, "alpine", FAKE_BUILD)
    result = CliRunner().invoke(run, [str(out), "--backend", "local", "--results", str(results)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return results / "report.json"


def test_every_bootable_kernel_is_a_declared_artifact():
    for target, pattern in BOOTABLE.items():
        assert pattern in DECLARED[target]


def test_kernel_of_a_finished_job(tmp_path):
    report = built(tmp_path, "k")
    kernel = kernel_from_report(str(report))
    assert kernel.read_bytes() == b"not really a kernel"
    assert kernel.is_relative_to(report.parent)
    assert kernel_from_report(f"{report}:k/alpine") == kernel


def test_two_kernels_need_the_job_named(tmp_path):
    report = built(tmp_path, "a", "b")
    with pytest.raises(ValueError, match="a/alpine, b/alpine"):
        kernel_from_report(str(report))
    assert kernel_from_report(f"{report}:b/alpine").read_bytes() == b"not really a kernel"
    with pytest.raises(ValueError, match="no passed job"):
        kernel_from_report(f"{report}:c/alpine")


def test_a_changed_kernel_is_refused(tmp_path):
    report = built(tmp_path, "k")
    kernel_from_report(str(report)).write_bytes(b"swapped")
    with pytest.raises(ValueError, match="missing or changed"):
        kernel_from_report(str(report))


@pytest.mark.parametrize("text", ["", "[]", "{\"jobs\": 3}", "\u0000", "{\"jobs\": [{\"artifacts\": 5}]}"])
def test_not_a_report(tmp_path, text):
    report = tmp_path / "report.json"
    report.write_text(text)
    with pytest.raises(ValueError, match="--kernel-from"):
        kernel_from_report(str(report))


def test_cli_refuses_both_kernel_options_and_a_bad_report(tmp_path):
    report = built(tmp_path, "k")
    out = tmp_path / "out"
    both = CliRunner().invoke(run, [str(out), "--backend", "qemu", "--kernel", str(report),
                                    "--kernel-from", str(report)])
    assert both.exit_code == 2 and "exclude each other" in both.output
    missing = CliRunner().invoke(run, [str(out), "--backend", "qemu", "--kernel-from", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "--kernel-from" in missing.output


def test_cli_boots_the_kernel_from_the_report(tmp_path):
    """No VM here: qemu is asked for its identity, which names the kernel's sha256."""
    report = built(tmp_path, "k")
    doc = json.loads(report.read_text())
    (entry,) = [a for a in doc["jobs"][0]["artifacts"] if a["path"].endswith("/Image")]
    key = tmp_path / "key"
    key.write_text("key")
    from mscc.run.backends.qemu import QemuBackend
    backend = QemuBackend(tmp_path, {"kernel": str(kernel_from_report(str(report))), "identity": str(key)})
    assert backend.identity()["kernel"] == entry["sha256"]


@pytest.mark.parametrize("target, printed", [("freebsd", True), ("netbsd", True), ("openbsd", True),
                                             ("alpine", False)])
def test_bsd_jobs_print_the_running_kernel_after_the_build(tmp_path, target, printed):
    """The contract's first half (docs/run.md): a BSD job's log ends with the running kernel's
    `uname -v`, for a backend that reboots to compare with the ident build.sh installed."""
    out = tmp_path / "out"
    write_job(out, "k", target, "#!/bin/sh\nexit 3\n")
    result = CliRunner().invoke(run, [str(out), "--backend", "local", "--results", str(tmp_path / "r")],
                                catch_exceptions=False)
    assert result.exit_code == 1  # the build's own status survives the extra line
    assert ("mscc-run: running kernel (uname -v):" in result.output) is printed
