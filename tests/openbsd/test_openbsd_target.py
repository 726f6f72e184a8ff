"""OpenBSD 7.x output: a complete config whose every name is in names-7.json and whose every
device instance attaches to something in the config; OpenBSD-only rules; shellcheck; and a
snapshot of every example (diagnostics only where the example wants ZFS, which OpenBSD lacks)."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import EXAMPLES, ROOT, bundle_files, codes_of, compile_text, have, rel
from mscc.compiler import compile_file
from mscc.diagnostics import Severity
from mscc.emit import openbsd
from mscc.knowledge.names import base_name, openbsd_names

HW = "hardware { chip = m3-pro  memory = 36GiB }"
FIXED = ("machine", "maxusers", "makeoptions", "config")


def profile(vm: str = "cpus = 4  memory = 8GiB", kernel: str = "", extra: str = "") -> str:
    return f"profile p {{ {HW} vm {{ {vm}  os = openbsd }} kernel {{ {kernel} }} {extra} }}"


files = bundle_files


def kernel_of(result) -> str:
    (conf,) = [a.content for b in result.bundles for a in b.artifacts if a.kind == "kernel-config"]
    return conf


def statements(conf: str):
    for line in conf.splitlines():
        if line.strip() and not line.startswith("#") and line.split()[0] not in FIXED:
            yield line, openbsd.parse(line)


def lines(conf: str) -> list[str]:
    return [" ".join(line.split()) for line in conf.splitlines()]


pytestmark = pytest.mark.usefixtures("in_repo_root")


# --------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_openbsd_output_snapshot(example, snapshot):
    result = compile_file(rel(example), ["openbsd"])
    diagnostics = [f"{d.severity}[{d.code}] {d.span}: {d.message}" for d in sorted(result.diagnostics)]
    assert {"files": files(result), "diagnostics": diagnostics} == snapshot


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_fail_for_openbsd_only_where_they_want_zfs(example):
    result = compile_file(rel(example), ["openbsd"])
    if "zfs" in example.read_text() or "zfs-guest" in example.read_text():
        assert "MS406" in codes_of(result) and result.failed and not result.bundles
        assert {d.code for d in result.diagnostics if d.severity is Severity.ERROR} == {"MS406"}
    else:
        assert result.ok and result.bundles and not result.failed, result.diagnostics


# --------------------------------------------------------------------------- every emitted name

PROFILES = [
    profile(kernel="base = minimal"),
    profile("cpus = 1  memory = 8GiB", "base = minimal  debug = full  devices = [virtio-blk, nvme, ahci, usb-storage]"),
    profile(kernel="debug = on  devices = [virtio-blk, virtio-net, usb-input, virtio-gpu, virtio-console]"),
    profile("cpus = 1  memory = 8GiB", "devices = [virtio-blk, virtio-net, virtio-rng, virtio-balloon, virtio-scsi]"),
]


def emitted(text, tmp_path):
    result = compile_text(tmp_path, text, "openbsd")
    assert result.ok, result.diagnostics
    return kernel_of(result)


@pytest.mark.parametrize("text", PROFILES, ids=range(len(PROFILES)))
def test_every_emitted_name_is_in_names_7(text, tmp_path):
    check_names(emitted(text, tmp_path))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_name_an_example_emits_is_in_names_7(example):
    for bundle in compile_file(rel(example), ["openbsd"]).bundles:
        check_names(next(a.content for a in bundle.artifacts if a.kind == "kernel-config"))


def check_names(conf: str) -> None:
    names = openbsd_names("7.6")
    assert "include" not in conf and "rmoption" not in conf  # a complete config
    provided = {"root"}
    kinds = set()
    for line, st in statements(conf):
        assert st is not None, line
        kinds.add(st.kind)
        if st.kind == "option":
            assert all(names.has_option(n) for n in st.names), line
        elif st.kind == "pseudo-device":
            assert names.has_pseudo(st.names[0]), line
        else:
            device, parent = st.names[0], base_name(st.parent)
            assert names.has_device(device), line
            assert parent == "root" or names.can_attach(device, parent), line
            provided |= {device} | names.attributes_of(device)
    assert kinds == {"option", "pseudo-device", "instance"}
    for line, st in statements(conf):  # every parent is itself in the config
        if st.kind == "instance":
            assert base_name(st.parent) in provided, line


def test_the_config_has_openbsds_fixed_statements(tmp_path):
    conf = lines(emitted(profile(kernel="base = minimal"), tmp_path))
    for expected in ("machine arm64", "maxusers 80", "config bsd swap generic", "mainbus0 at root",
                     'makeoptions KERNEL_BASE_PHYS="0x00200000"'):
        assert expected in conf


# --------------------------------------------------------------------------- what the config does


def test_multiprocessor_follows_cpus(tmp_path):
    mp = lines(emitted(profile("cpus = 2  memory = 8GiB", "base = minimal"), tmp_path))
    up = lines(emitted(profile("cpus = 1  memory = 8GiB", "base = minimal"), tmp_path))
    assert "option MULTIPROCESSOR" in mp and "cpu* at mainbus?" in mp
    assert "option MULTIPROCESSOR" not in up and "cpu* at mainbus?" not in up and "cpu0 at mainbus?" in up


def test_debug_levels(tmp_path):
    off = lines(emitted(profile(kernel="debug = off"), tmp_path))
    on = lines(emitted(profile(kernel="debug = on"), tmp_path))
    full = lines(emitted(profile(kernel="debug = full"), tmp_path))
    assert "option DDB" in off and "option DIAGNOSTIC" not in off and "option POOL_DEBUG" not in off
    assert {"option DDB", "option DIAGNOSTIC"} <= set(on) and "option WITNESS" not in on
    assert "option WITNESS" in full


def test_minimal_keeps_only_the_vm_platform_and_kept_classes(tmp_path):
    conf = lines(emitted(profile(kernel="base = minimal  devices = [virtio-blk, virtio-net, virtio-console]"),
                         tmp_path))
    assert {"vioblk* at virtio?", "vio* at virtio?", "viocon* at virtio?", "virtio* at pci?", "pluart* at fdt?",
            "agintc* at fdt? early 1", "pciecam* at fdt?", "pci* at pciecam?"} <= set(conf)
    for absent in ("ukbd", "nvme", "ahci", "viornd", "bcmgpio", "aplns", "rkclock"):
        assert not any(line.startswith(absent) for line in conf), absent


def test_generic_drops_the_classes_the_vm_does_not_have(tmp_path):
    conf = lines(emitted(profile(kernel="devices = [virtio-blk, virtio-net]"), tmp_path))
    assert "bcmgpio* at fdt? early 1" in conf                       # GENERIC's SoC drivers stay
    assert not any(line.split()[0] in ("ukbd*", "ums*", "nvme*", "ahci*", "umass*") for line in conf if line)
    assert "wskbd* at ukbd? mux 1" not in conf                      # its parent is gone
    assert "viocon* at virtio?" not in conf


def test_usb_input_and_disks_when_kept(tmp_path):
    conf = lines(emitted(profile(kernel="base = minimal  devices = [virtio-blk, usb-input, nvme, ahci]"), tmp_path))
    assert {"xhci* at pci?", "usb* at xhci?", "uhub* at usb?", "uhidev* at uhub?", "ukbd* at uhidev?",
            "wskbd* at ukbd? mux 1", "ums* at uhidev?", "nvme* at pci?", "ahci* at pci? flags 0x0000"} <= set(conf)


# --------------------------------------------------------------------------- rules: fail and pass


def test_zfs_fails_and_no_zfs_passes(tmp_path):
    r = compile_text(tmp_path, profile(extra="zfs { arc_max = 2GiB }"), "openbsd")
    (d,) = [d for d in r.diagnostics if d.code == "MS406"]
    assert d.severity is Severity.ERROR and "freebsd or alpine" in d.hint and not r.bundles
    assert compile_text(tmp_path, profile(extra="zfs { enabled = no }"), "openbsd").ok
    assert compile_text(tmp_path, profile(), "openbsd").ok


def test_unknown_names_are_errors_with_did_you_mean(tmp_path):
    raw = 'raw openbsd { kernel = ["option WITNES", "vioblkk* at virtio?", "pseudo-device pff", "vioblk* at pci?"] }'
    r = compile_text(tmp_path, profile(extra=raw), "openbsd")
    assert not r.ok and not r.bundles
    found = [(d.code, d.severity, d.hint) for d in r.diagnostics if d.code in ("MS601", "MS602")]
    assert any(code == "MS601" and sev is Severity.ERROR and "'WITNESS'" in hint for code, sev, hint in found)
    assert any(code == "MS602" and "'vioblk'" in (hint or "") for code, _, hint in found)
    assert any(code == "MS602" and "'pf'" in (hint or "") for code, _, hint in found)
    assert any(code == "MS602" and hint == "vioblk attaches at virtio" for code, _, hint in found)


def test_known_raw_names_pass_and_land_in_the_config(tmp_path):
    raw = ('raw openbsd { kernel = ["option WITNESS", "rmoption DDB", "option DDB", "vmmci* at virtio?"] '
           ' sysctl = ["kern.somaxconn=1024"] }')
    r = compile_text(tmp_path, profile(extra=raw), "openbsd")
    assert r.ok, r.diagnostics
    assert {"option WITNESS", "vmmci* at virtio?"} <= set(lines(kernel_of(r)))
    assert "kern.somaxconn=1024" in files(r)["p/openbsd/etc/sysctl.conf"]


def test_an_option_selected_twice_fails(tmp_path):
    r = compile_text(tmp_path, profile(extra='raw openbsd { kernel = ["option DDB"] }'), "openbsd")
    (d,) = [d for d in r.diagnostics if d.code == "MS634"]
    assert d.severity is Severity.ERROR and "rmoption DDB" in d.hint


def test_bad_raw_lines(tmp_path):
    r = compile_text(tmp_path, profile(extra='raw openbsd { kernel = ["device vio", "option 9FOO"] '
                                             ' sysctl = ["oops"] }'), "openbsd")
    assert codes_of(r).count("MS603") == 3


def test_16k_pages_fail_and_auto_passes(tmp_path):
    assert "MS302" in codes_of(compile_text(tmp_path, profile(kernel="page_size = 16K"), "openbsd"))
    r = compile_text(tmp_path, profile(kernel="page_size = auto"), "openbsd")
    assert r.ok and "MS302" not in codes_of(r)


def test_vz_needs_7_9_and_a_framebuffer_console(tmp_path):
    old = compile_text(tmp_path, profile("hypervisor = vz  memory = 8GiB  version = \"7.6\""), "openbsd")
    assert "MS503" in codes_of(old) and not old.ok
    blind = compile_text(tmp_path, profile("hypervisor = vz  memory = 8GiB  version = \"7.9\""), "openbsd")
    assert blind.ok and "MS635" in codes_of(blind)
    seen = compile_text(tmp_path, profile("hypervisor = vz  memory = 8GiB  version = \"7.9\"",
                                          "devices = [virtio-blk, virtio-net, virtio-gpu, usb-input]"), "openbsd")
    assert seen.ok and not {"MS503", "MS635"} & set(codes_of(seen))
    assert "viogpu* at virtio?" in lines(kernel_of(seen))


def test_classes_without_a_driver_warn(tmp_path):
    r = compile_text(tmp_path, profile(kernel="devices = [virtio-blk, virtio-9p, virtio-fs]"), "openbsd")
    assert r.ok and codes_of(r).count("MS308") == 2


# --------------------------------------------------------------------------- scripts and files


def bundles_to_check(tmp_path):
    router = compile_file(rel(ROOT / "examples" / "openbsd-router.msk"), ["openbsd"])
    gpu = compile_text(tmp_path, profile(kernel="devices = [virtio-blk, virtio-gpu, usb-input]"), "openbsd")
    return {**files(router), **files(gpu)}


@pytest.mark.skipif(not have("shellcheck"), reason="shellcheck not installed")
def test_scripts_are_shellcheck_clean(tmp_path):
    scripts = []
    for path, text in bundles_to_check(tmp_path).items():
        if path.endswith(".sh"):
            dest = tmp_path / path.replace("/", "_")
            dest.write_text(text)
            scripts.append(str(dest))
    assert len(scripts) == 12  # build.sh, qemu.sh, verify.sh, bench.sh per bundle
    run = subprocess.run(["shellcheck", "-s", "sh", *scripts], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


def test_build_script_runs_config_and_make_on_openbsd_only(tmp_path):
    build = bundles_to_check(tmp_path)["p/openbsd/build.sh"]
    assert 'config "$kernconf"' in build and 'cd "../compile/$kernconf"' in build and 'make -j"$jobs"' in build
    assert '[ "$(uname -s)" != OpenBSD ]' in build


def test_qemu_script_presents_the_kept_devices(tmp_path):
    qemu = bundles_to_check(tmp_path)["p/openbsd/qemu.sh"]
    assert "virtio-gpu-pci" in qemu and "usb-kbd" in qemu and "-nographic" not in qemu
    router = bundles_to_check(tmp_path)["obsd-router/openbsd/qemu.sh"]
    assert "virtio-serial-pci" in router and "-nographic" in router and "virtio-scsi" not in router


def test_files_carry_the_header_and_the_manifest_is_right():
    from mscc.emit.artifacts import KINDS

    result = compile_file(rel(ROOT / "examples" / "openbsd-router.msk"), ["openbsd"])
    assert len(result.bundles) == 2
    for bundle in result.bundles:
        for path, data, _ in bundle.files():
            if path != "manifest.json":
                lines_ = data.decode().splitlines()
                assert "generated by mscc — do not edit" in lines_[1 if data.startswith(b"#!") else 0], path
        manifest = json.loads(bundle.manifest_text)
        assert manifest["target"] == "openbsd" and all(f["kind"] in KINDS for f in manifest["files"])
        assert {"kernel-config", "build-script", "sysctl", "vm-definition", "report", "verify-script",
                "bench-script"} == {
            f["kind"] for f in manifest["files"]}


def test_compiling_twice_gives_identical_bytes():
    example = ROOT / "examples" / "openbsd-router.msk"
    first, second = (files(compile_file(rel(example), ["openbsd"])) for _ in range(2))
    assert first == second
