"""The parts of the real-OpenZFS guest that run without a network or a VM."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mscc.verify import zfsguest


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_init_is_shellcheck_clean(tmp_path):
    init = tmp_path / "init"
    init.write_text(zfsguest.INIT)
    proc = subprocess.run(["shellcheck", "-s", "sh", str(init)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_tcg_unless_kvm_is_asked_for(monkeypatch):
    monkeypatch.delenv("MSCC_ZFS_GUEST_ACCEL", raising=False)
    assert zfsguest.accelerator() == "tcg"
    monkeypatch.setenv("MSCC_ZFS_GUEST_ACCEL", "kvm")
    assert zfsguest.accelerator() == "kvm"


def test_private_sources_add_contrib_and_backports_of_the_machines_archive(tmp_path):
    archive = zfsguest.Archive("http://archive.example/debian", "bookworm", None)
    apt = zfsguest.Apt(tmp_path, archive)
    sources = (tmp_path / "sources.list").read_text().splitlines()
    assert sources == ["deb [arch=amd64] http://archive.example/debian bookworm main contrib",
                       "deb [arch=amd64] http://archive.example/debian bookworm-backports main contrib"]
    assert f"Dir::State={tmp_path / 'state'}" in apt.options


def test_the_backports_kernel_is_picked_from_apt_cache_show(tmp_path, monkeypatch):
    apt = zfsguest.Apt(tmp_path, zfsguest.Archive("http://archive.example/debian", "bookworm", None))
    show = ("Package: linux-image-amd64\nVersion: 6.12.95-1~bpo12+1\nDepends: linux-image-6.12.95+deb12-amd64 "
            "(= 6.12.95-1~bpo12+1)\n\nPackage: linux-image-amd64\nVersion: 6.1.176-1\n"
            "Depends: linux-image-6.1.0-44-amd64 (= 6.1.176-1)\n")
    monkeypatch.setattr(apt, "run", lambda *args, **kw: show)
    assert apt.backports_depends("linux-image-amd64") == "linux-image-6.12.95+deb12-amd64"
