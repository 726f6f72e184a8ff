"""`vm { kernel = custom }`: Alpine's lima.yaml boots the Image build.sh made (Lima's
images[].kernel), valid against Lima's schema; elsewhere MS505 says why it cannot."""

from __future__ import annotations

import json

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import ROOT, codes_of, compile_text

SCHEMA = json.loads((ROOT / "targets/lima/lima-yaml.schema.json").read_text())


def profile(kernel: str = "custom", base: str = "minimal", hypervisor: str = "qemu", os: str = "alpine") -> str:
    version = '"3.22"' if os == "alpine" else '"14.3"'
    page = "16K" if os == "alpine" else "auto"
    return f"""
profile k {{
  hardware {{ chip = m3-pro  memory = 36GiB }}
  vm {{ hypervisor = {hypervisor}  memory = 4GiB  os = {os}  version = {version}  kernel = {kernel} }}
  kernel {{ base = {base}  page_size = {page} }}
}}
"""


def lima_doc(result) -> dict:
    bundle = result.bundles[0]
    text = next(a.content for a in bundle.artifacts if a.path == "lima.yaml")
    return yaml.safe_load(text)


@pytest.mark.parametrize("hypervisor,console", [("qemu", "ttyAMA0"), ("vz", "hvc0")])
def test_custom_minimal_kernel_is_booted_by_lima(tmp_path, hypervisor, console):
    result = compile_text(tmp_path, profile(hypervisor=hypervisor), target="alpine")
    assert result.ok and "MS505" not in codes_of(result), result.diagnostics
    doc = lima_doc(result)
    assert sorted(Draft202012Validator(SCHEMA).iter_errors(doc), key=str) == []
    (image,) = doc["images"]
    kernel = image["kernel"]
    # The path build.sh leaves the minimal Image at, and the one the runner declares.
    assert kernel["location"] == "build-minimal/arch/arm64/boot/Image"
    assert kernel["arch"] == image["arch"] == "aarch64"  # Lima: kernel.arch must equal the image's
    words = kernel["cmdline"].split()
    assert f"console={console}" in words and any(w.startswith("root=/dev/vda") for w in words)
    assert "initrd" not in image  # the minimal kernel needs none; build.sh makes none


def test_stock_kernel_is_the_default(tmp_path):
    result = compile_text(tmp_path, profile().replace("kernel = custom", ""), target="alpine")
    assert result.ok
    assert "kernel" not in lima_doc(result)["images"][0]


def test_virt_kernel_cannot_be_booted_without_an_initramfs(tmp_path):
    result = compile_text(tmp_path, profile(base="generic"), target="alpine")
    assert "MS505" in codes_of(result) and result.ok  # a warning: lima.yaml keeps the stock kernel
    assert "kernel" not in lima_doc(result)["images"][0]


@pytest.mark.parametrize("target", ["freebsd", "netbsd", "openbsd"])
def test_bsd_targets_say_the_kernel_is_installed_in_the_guest(tmp_path, target):
    result = compile_text(tmp_path, profile(os=target, hypervisor="qemu"), target=target)
    problems = [d for d in result.diagnostics if d.code == "MS505"]
    assert problems and "installed in the guest" in problems[0].message


def test_bad_kernel_word_is_a_bad_value(tmp_path):
    result = compile_text(tmp_path, profile(kernel="'$(reboot)'"), target="alpine")
    assert not result.ok


def test_custom_kernel_does_not_load_alpines_zfs_modules(tmp_path):
    text = profile().replace("kernel { base", "zfs { arc_max = 1GiB }\n  kernel { base")
    result = compile_text(tmp_path, text, target="alpine")
    assert result.ok, result.diagnostics
    script = lima_doc(result)["provision"][-1]["script"]
    assert "modprobe zfs" not in script.replace("then modprobe zfs", "") and "apk add" not in script
    stock = lima_doc(compile_text(tmp_path, text.replace("kernel = custom", ""), target="alpine"))
    assert "apk add --no-cache zfs" in stock["provision"][-1]["script"]
