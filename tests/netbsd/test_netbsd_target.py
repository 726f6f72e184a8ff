"""NetBSD 10 output: every name checked against the NetBSD data mscc has (the curated set while
names-10.json is blocked), config(1)'s `no options` rule, the ZFS module files, shellcheck, and
a snapshot of every example."""

from __future__ import annotations

import json
import subprocess

import jsonschema
import pytest

from conftest import EXAMPLES, ROOT, bundle_files, codes_of, compile_text, have, rel
from mscc.compiler import compile_file
from mscc.diagnostics import Severity
from mscc.emit import netbsd
from mscc.knowledge.names import SELECTED, NetBSDNames, netbsd_names

T = ROOT / "targets" / "netbsd"
HW = "hardware { chip = m3-pro  memory = 36GiB }"


def profile(vm: str = "cpus = 4  memory = 8GiB", kernel: str = "", extra: str = "") -> str:
    return f"profile p {{ {HW} vm {{ {vm}  os = netbsd }} kernel {{ {kernel} }} {extra} }}"


files = bundle_files


def kernel_of(result) -> str:
    (conf,) = [a.content for b in result.bundles for a in b.artifacts if a.kind == "kernel-config"]
    return conf


def statements(conf: str):
    for line in conf.splitlines():
        if line.strip() and not line.startswith("#"):
            yield line, netbsd.parse(line)


def by_code(result, code):
    return [d for d in result.diagnostics if d.code == code]


pytestmark = pytest.mark.usefixtures("in_repo_root")


# --------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_netbsd_output_snapshot(example, snapshot):
    result = compile_file(rel(example), ["netbsd"])
    diagnostics = [f"{d.severity}[{d.code}] {d.span}: {d.message}" for d in sorted(result.diagnostics)]
    assert {"files": files(result), "diagnostics": diagnostics} == snapshot


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_compiles_for_netbsd(example):
    result = compile_file(rel(example), ["netbsd"])
    assert result.ok and not result.failed, result.diagnostics
    assert result.bundles


# --------------------------------------------------------------------------- the data


def test_curated_names_validate_and_every_source_resolves():
    doc = json.loads((T / "curated-10.json").read_text())
    jsonschema.validate(doc, json.loads((T / "curated.schema.json").read_text()))
    used = set()
    for table in ("options", "devices", "pseudo_devices"):
        for entry in doc[table].values():
            used |= set(entry["sources"])
    for entry in doc["attachments"] + list(doc["generic64"]["instances"].values()):
        used |= set(entry["sources"])
    assert used <= set(doc["sources"])
    for key in doc["generic64"]["instances"]:
        device, parent = key.split(" at ")
        assert device.rstrip("*") in doc["devices"], key
        assert (device.rstrip("*"), parent.rstrip("?")) in {(a["device"], a["parent"]) for a in doc["attachments"]}


def test_target_data_refers_only_to_curated_names():
    data = json.loads((T / "target.json").read_text())
    names = netbsd_names("10.1")
    for cls, entry in data["devices"].items():
        if entry is None:
            continue
        for spec in entry["instances"] + entry.get("remove", []):
            device = spec.split(" at ")[0].rstrip("*")
            assert names.has_device(device), (cls, spec)
        for spec in entry.get("remove", []):
            assert names.instance_status(spec) == SELECTED, f"{cls}: GENERIC64 must select {spec} to remove it"
    for level in data["debug"].values():
        if isinstance(level, dict):
            for name in level.get("options", []) + level.get("no_options", []):
                assert names.has_option(name), name


def test_generic64_choices_the_two_extracted_commits_disagree_on_are_unconfirmed(tmp_path):
    r = compile_text(tmp_path, profile(extra='raw netbsd { kernel = ["no options UFS_DIRHASH"] }'), "netbsd")
    (w,) = by_code(r, "MS632")
    assert r.ok and "disagree" in w.hint


def test_names_come_from_the_extracted_names_10():
    names = netbsd_names("10.1")
    doc = json.loads((T / "names-10.json").read_text())
    assert doc["status"] == "complete" and doc["source"]["repo"] == "isaki68k/netbsd-src"
    assert doc["source"]["commit"].startswith("0b1d925a")
    assert names.authoritative and not names.curated and names.file == "targets/netbsd/names-10.json"


def test_the_curated_fallback_still_reads_when_an_extraction_is_blocked():
    from mscc.knowledge.names import _netbsd_from_curated

    names = _netbsd_from_curated(json.loads((T / "curated-10.json").read_text()), "targets/netbsd/curated-10.json",
                                 "targets/netbsd/names-10.json")
    assert names.curated and not names.authoritative


# --------------------------------------------------------------------------- every emitted name

PROFILES = [
    profile(kernel="debug = off"),
    profile("cpus = 1  memory = 8GiB", "debug = full  devices = [virtio-blk, virtio-net, virtio-balloon, nvme, ahci]"),
    profile(kernel="debug = on  base = minimal  devices = [virtio-blk, usb-input, usb-storage, virtio-scsi]"),
    profile(kernel="devices = [virtio-blk, virtio-net, virtio-rng, virtio-console, virtio-9p]"),
]


@pytest.mark.parametrize("text", PROFILES, ids=range(len(PROFILES)))
def test_every_emitted_name_is_in_the_netbsd_names(text, tmp_path):
    result = compile_text(tmp_path, text, "netbsd")
    assert result.ok, result.diagnostics
    check_names(kernel_of(result))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_name_an_example_emits_is_in_the_netbsd_names(example):
    result = compile_file(rel(example), ["netbsd"])
    for bundle in result.bundles:
        check_names(next(a.content for a in bundle.artifacts if a.kind == "kernel-config"))


def check_names(conf: str) -> None:
    names = netbsd_names("10.1")
    assert conf.split("\n\n")[1].strip() == 'include "arch/evbarm/conf/GENERIC64"'
    seen = 0
    for line, st in statements(conf):
        if line.startswith("include "):
            continue
        assert st is not None, line
        seen += 1
        if st.kind == "options":
            for name in st.names:
                assert names.has_option(name), name
                if st.no:  # config(1) stops on `no options X` for an unselected X
                    assert names.option_status(name) == SELECTED, line
                else:
                    assert names.option_status(name) != SELECTED, f"{line}: GENERIC64 already selects it"
        elif st.kind == "instance":
            assert names.has_device(st.names[0]), line
            if st.parent:
                assert names.can_attach(st.names[0], st.parent.rstrip("?")), line
            status = names.instance_status(st.spec)
            assert status == SELECTED if st.no else status not in (SELECTED, "unconfirmed"), line
        else:
            pytest.fail(f"unexpected statement {line!r}")
    assert seen


def test_report_says_which_names_data_was_used(tmp_path):
    result = compile_text(tmp_path, profile(), "netbsd")
    report = next(a.content for b in result.bundles for a in b.artifacts if a.kind == "report")
    assert "targets/netbsd/names-10.json" in report and "isaki68k/netbsd-src@0b1d925a" in report
    assert "names-10.json" in kernel_of(result)


# --------------------------------------------------------------------------- what the config does


def test_debug_levels(tmp_path):
    off = kernel_of(compile_text(tmp_path, profile(kernel="debug = off"), "netbsd"))
    on = kernel_of(compile_text(tmp_path, profile(kernel="debug = on"), "netbsd"))
    full = kernel_of(compile_text(tmp_path, profile(kernel="debug = full"), "netbsd"))
    assert "no options DIAGNOSTIC" in off.splitlines()
    assert "DIAGNOSTIC" not in on and "LOCKDEBUG" not in on  # GENERIC64 already selects DIAGNOSTIC and DDB
    assert "options LOCKDEBUG" in full.splitlines() and "no options DIAGNOSTIC" not in full


def test_one_vcpu_drops_multiprocessor(tmp_path):
    up = kernel_of(compile_text(tmp_path, profile("cpus = 1  memory = 8GiB"), "netbsd"))
    mp = kernel_of(compile_text(tmp_path, profile("cpus = 2  memory = 8GiB"), "netbsd"))
    assert "no options MULTIPROCESSOR" in up.splitlines()
    assert "MULTIPROCESSOR" not in mp


def test_device_trims_and_additions(tmp_path):
    conf = kernel_of(compile_text(tmp_path, profile(kernel="devices = [virtio-blk, virtio-net, virtio-balloon]"),
                                  "netbsd"))
    lines = conf.splitlines()
    assert "viomb* at virtio?" in lines               # GENERIC64 leaves viomb out
    assert {"no nvme*", "no ld* at nvme?", "no ukbd* at uhidev?", "no umass* at uhub?"} <= set(lines)
    assert "no ld* at virtio?" not in lines and "no vioif* at virtio?" not in lines
    kept = kernel_of(compile_text(tmp_path, profile(kernel="devices = [virtio-blk, nvme, usb-input]"), "netbsd"))
    assert "nvme" not in kept and "ukbd" not in kept


def test_viocon_is_confirmed_by_the_extraction(tmp_path):
    result = compile_text(tmp_path, profile(kernel="devices = [virtio-blk, virtio-console]"), "netbsd")
    assert result.ok and not by_code(result, "MS632")


# --------------------------------------------------------------------------- rules: fail and pass


def test_no_options_of_an_unselected_option_warns(tmp_path):
    """NetBSD's config(1) warns about `no options X` for an X nothing selected, and goes on."""
    r = compile_text(tmp_path, profile(extra='raw netbsd { kernel = ["no options LOCKDEBUG"] }'), "netbsd")
    (d,) = by_code(r, "MS631")
    assert d.severity is Severity.WARNING and "LOCKDEBUG" in d.message and r.ok


def test_no_options_of_a_selected_option_passes(tmp_path):
    r = compile_text(tmp_path, profile(kernel="debug = on", extra='raw netbsd { kernel = ["no options DDB"] }'),
                     "netbsd")
    assert r.ok and not by_code(r, "MS631")
    assert "no options DDB" in kernel_of(r).splitlines()


def test_no_instance_of_an_unselected_device_fails(tmp_path):
    r = compile_text(tmp_path, profile(extra='raw netbsd { kernel = ["no viomb* at virtio?"] }'), "netbsd")
    assert "MS631" in codes_of(r) and not r.ok


def test_no_options_of_an_option_generic64_does_not_select_warns(tmp_path):
    r = compile_text(tmp_path, profile(extra='raw netbsd { kernel = ["no options KUBSAN"] }'), "netbsd")
    assert r.ok and [d.severity for d in by_code(r, "MS631")] == [Severity.WARNING]


def test_unknown_options_warn_and_unknown_devices_fail_as_in_config1(tmp_path):
    raw = 'raw netbsd { kernel = ["options DIAGNOSTC", "vioiff* at virtio?", "pseudo-device swcryptoo"] }'
    r = compile_text(tmp_path, profile(extra=raw), "netbsd")
    assert not r.ok
    found = {d.code: d for d in r.diagnostics if d.code in ("MS601", "MS602")}
    assert found["MS601"].severity is Severity.WARNING and "'DIAGNOSTIC'" in found["MS601"].hint
    assert all(d.severity is Severity.ERROR for d in r.diagnostics if d.code == "MS602")
    assert any("'vioif'" in (d.hint or "") for d in by_code(r, "MS602"))


def test_known_names_pass(tmp_path):
    raw = 'raw netbsd { kernel = ["options LOCKDEBUG", "viomb* at virtio?"]  sysctl = ["kern.maxvnodes=100000"] }'
    r = compile_text(tmp_path, profile(extra=raw), "netbsd")
    assert r.ok and not {"MS601", "MS602", "MS603", "MS631", "MS632"} & set(codes_of(r))


def test_bad_raw_lines(tmp_path):
    r = compile_text(tmp_path, profile(extra='raw netbsd { kernel = ["device virtio"]  sysctl = ["nonsense"] }'),
                     "netbsd")
    assert codes_of(r).count("MS603") == 2


def test_unknown_device_is_an_error_with_a_complete_extraction(tmp_path, monkeypatch):
    complete = NetBSDNames(file="names-10.json", curated=False, authoritative=True,
                           options={"DDB": SELECTED}, devices=frozenset({"ld", "virtio"}), pseudo_devices={},
                           attachments=frozenset({("ld", "virtio")}), instances={"ld* at virtio?": SELECTED},
                           summary="synthetic")
    monkeypatch.setattr(netbsd, "netbsd_names", lambda version: complete)
    r = compile_text(tmp_path, profile(extra='raw netbsd { kernel = ["vioiff* at virtio?", "options FROB"] }'),
                     "netbsd")
    severities = {d.code: d.severity for d in r.diagnostics if d.code in ("MS601", "MS602")}
    assert severities == {"MS602": Severity.ERROR, "MS601": Severity.WARNING}  # config(1): -D for options


def test_16k_pages_fail_and_auto_passes(tmp_path):
    assert "MS302" in codes_of(compile_text(tmp_path, profile(kernel="page_size = 16K"), "netbsd"))
    r = compile_text(tmp_path, profile(kernel="page_size = auto"), "netbsd")
    assert r.ok and "MS302" not in codes_of(r)


def test_vz_is_refused(tmp_path):
    r = compile_text(tmp_path, profile("hypervisor = vz  memory = 8GiB"), "netbsd")
    assert "MS503" in codes_of(r) and not r.bundles


# --------------------------------------------------------------------------- ZFS


def test_zfs_is_allowed_with_a_warning_and_loads_the_module(tmp_path):
    r = compile_text(tmp_path, profile(extra='zfs { compression = lz4 }'), "netbsd")
    assert r.ok and "MS409" in codes_of(r) and "MS633" not in codes_of(r)
    out = files(r)
    assert out["p/netbsd/etc/modules.conf"].splitlines()[-1] == "zfs"
    assert out["p/netbsd/etc/rc.conf.d/modules"].splitlines()[-1] == "modules=YES"
    assert "zfs set compression=lz4" in out["p/netbsd/zfs-setup.sh"]


def test_zfs_tunables_are_not_applied_and_say_so(tmp_path):
    r = compile_text(tmp_path, profile(extra='zfs { arc_max = 2GiB  tunables { zfs_txg_timeout = 5 } }'), "netbsd")
    assert r.ok and codes_of(r).count("MS633") == 2
    assert not any("arc" in text.lower() and "2147483648" in text for text in files(r).values())


def test_no_zfs_files_without_zfs(tmp_path):
    out = files(compile_text(tmp_path, profile(), "netbsd"))
    assert not any(p.endswith(("modules.conf", "zfs-setup.sh")) for p in out)


# --------------------------------------------------------------------------- scripts and files


@pytest.mark.skipif(not have("shellcheck"), reason="shellcheck not installed")
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_scripts_are_shellcheck_clean(example, tmp_path):
    result = compile_file(rel(example), ["netbsd"])
    scripts = []
    for path, text in files(result).items():
        if path.endswith(".sh"):
            dest = tmp_path / path.replace("/", "_")
            dest.write_text(text)
            scripts.append(str(dest))
    assert any(s.endswith("build.sh") for s in scripts) and any(s.endswith("qemu.sh") for s in scripts)
    run = subprocess.run(["shellcheck", "-s", "sh", *scripts], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_files_carry_the_header_and_the_manifest_is_right(example):
    from mscc.emit.artifacts import KINDS

    result = compile_file(rel(example), ["netbsd"])
    for bundle in result.bundles:
        for path, data, _ in bundle.files():
            if path != "manifest.json":
                lines = data.decode().splitlines()
                assert "generated by mscc — do not edit" in lines[1 if data.startswith(b"#!") else 0], path
        manifest = json.loads(bundle.manifest_text)
        assert manifest["target"] == "netbsd" and all(f["kind"] in KINDS for f in manifest["files"])
        assert {"kernel-config", "build-script", "sysctl", "vm-definition", "report"} <= {
            f["kind"] for f in manifest["files"]}


def test_compiling_twice_gives_identical_bytes():
    example = ROOT / "examples" / "m3.msk"
    first, second = (files(compile_file(rel(example), ["netbsd"])) for _ in range(2))
    assert first == second


def test_a_complete_extraction_replaces_the_curated_set():
    from mscc.knowledge.names import _netbsd_from_extraction

    doc = {
        "status": "complete", "source": {"repo": "NetBSD/src", "commit": "0" * 40},
        "options": {"DDB": {}, "LOCKDEBUG": {}}, "pseudo_devices": {"swcrypto": {}},
        "devices": {"virtio": {"attributes": ["virtio"]}, "ld": {"attributes": []}},
        "attachments": [{"device": "ld", "at": "virtio"}],
        "generic64": {"options": {"DDB": None, "DIAGNOSTIC": None}, "pseudo_devices": {"swcrypto": 1},
                      "instances": [{"device": "ld", "unit": "*", "at": "virtio", "parent_unit": "?"}]},
    }
    names = _netbsd_from_extraction(doc, "targets/netbsd/names-10.json")
    assert names.authoritative and not names.curated
    assert names.option_status("DIAGNOSTIC") == SELECTED          # selected though undeclared (a -D flag)
    assert names.option_status("LOCKDEBUG") == "not-selected" and names.option_status("FROB") == "not-selected"
    assert names.instance_status("ld* at virtio?") == SELECTED and names.instance_status("nvme*") == "not-selected"
    assert names.can_attach("ld", "virtio")


def test_no_pseudo_device_follows_generic64(tmp_path):
    ok = compile_text(tmp_path, profile(extra='raw netbsd { kernel = ["no pseudo-device swcrypto"] }'), "netbsd")
    assert ok.ok and not by_code(ok, "MS631")
