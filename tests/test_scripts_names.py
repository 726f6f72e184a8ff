"""scripts/arch_names.py and scripts/kconfig_arches.py, and the tables they made: the names
lint reads per architecture are the names compile reads for arm64 (one set of facts)."""

from __future__ import annotations

import importlib
import json

import pytest
from conftest import ROOT

from scripts import arch_names, kconfig_arches

T = ROOT / "targets"


def extraction(os_name="freebsd", commit="c1", **tables):
    return {"os": os_name, "source": {"repo": "o/r", "commit": commit, "ref": "x"},
            "inputs": [{"path": "sys/conf/files", "commit": commit, "sha256": "ab", "present": True},
                       {"path": "sys/conf/options-compat", "present": False}], **tables}


def test_freebsd_names_keep_case_and_drop_negated_words_and_non_names():
    data = extraction(
        options={"INET": {}, "ILNP6": {}},
        devices={"iwm7265Dfw": {"negated_only": False}, "random_loadable": {"negated_only": True},
                 "${.TARGET}'": {"negated_only": False}, "ilnp6": {"negated_only": False}},
        configs={"sys/conf/std.debug": {"directives": [{"directive": "options", "name": "WITNESS"},
                                                       {"directive": "options", "name": "USB_DEBUG"}]}},
        effective={"GENERIC": {"options": {"USB_DEBUG": None}}})
    out = arch_names.compact_one(data, {"ILNP6", "ilnp6"})
    assert out["devices"] == ["iwm7265Dfw"] and out["options"] == ["INET"]
    assert out["debug_options"] == ["WITNESS"]
    assert out["inputs"] == [{"path": "sys/conf/files", "commit": "c1", "sha256": "ab"}]
    assert out["source"] == {"repo": "o/r", "commit": "c1", "ref": "x"}


def test_several_root_configs_of_one_arch_are_merged():
    a = extraction("netbsd", devices={"ld": {}}, pseudo_devices={"bpf": {}}, options={"FFS": {"kind": "fs"}})
    b = extraction("netbsd", devices={"balloon": {}}, options={"XENPV": {"kind": "flag"}})
    out = arch_names.build("netbsd", "10", [("amd64", a), ("amd64", b)], set(), None)
    amd64 = out["arches"]["amd64"]
    assert amd64["devices"] == ["balloon", "ld"] and amd64["options"] == ["FFS", "XENPV"]
    assert amd64["file_systems"] == ["FFS"] and len(amd64["inputs"]) == 1
    with pytest.raises(SystemExit):
        arch_names.build("netbsd", "10", [("amd64", a), ("amd64", extraction("netbsd", commit="c2"))], set(), None)
    with pytest.raises(SystemExit):
        arch_names.build("openbsd", "7", [("amd64", a)], set(), None)


def test_kconfig_symbols_are_tagged_with_their_arch_directories(tmp_path):
    files = {
        "arch/x86/Kconfig": "config KVM_GUEST\n\tbool\nconfig MMU\n\tdef_bool y\n",
        "arch/powerpc/Kconfig": "config KVM_GUEST\n\tbool\nmenuconfig PPC_THING\n",
        "arch/arm64/Kconfig": "config ARM64\n\tdef_bool y\nconfig MMU\n",
        "drivers/Kconfig": "config VIRTIO\n\ttristate\nconfig ISA\n",
        "scripts/kconfig/tests/Kconfig": "config TEST_ONLY\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    out = kconfig_arches.build(str(tmp_path), arm64_symbols={"ARM64", "MMU", "VIRTIO"}, version="6.12.1")
    assert out["arch_only"] == {"ARM64": ["arm64"], "KVM_GUEST": ["powerpc", "x86"], "MMU": ["arm64", "x86"],
                                "PPC_THING": ["powerpc"]}
    assert out["outside_arm64"] == ["ISA"] and out["kconfig_files"] == 4


@pytest.mark.parametrize("version", ["14", "15"])
def test_lint_and_compile_read_the_same_freebsd_arm64_names(version):
    arches = json.loads((T / f"freebsd/arches-{version}.json").read_text())["arches"]["arm64"]
    names = json.loads((T / f"freebsd/names-{version}.json").read_text())
    devices = {n for n, info in names["devices"].items() if not info["negated_only"] and arch_names.NAME.match(n)}
    assert set(arches["devices"]) == devices
    assert set(arches["options"]) == set(names["options"])
    assert arches["source"]["commit"] == names["source"]["commit"]


@pytest.mark.parametrize("path", sorted(T.glob("*/arches-*.json")), ids=lambda p: p.name)
def test_every_table_records_where_its_names_came_from(path):
    doc = json.loads(path.read_text())
    assert doc["generated_by"] == "scripts/arch_names.py" and doc["arches"]
    for arch, table in doc["arches"].items():
        assert table["source"]["repo"] and len(table["source"]["commit"]) == 40, arch
        assert table["inputs"] and all(i["path"] and i["sha256"] for i in table["inputs"]), arch
        assert table["devices"] and all(arch_names.NAME.match(n) for n in table["devices"]), arch


def _load(name: str):
    return importlib.import_module(f"scripts.{name.replace('-', '_')}")


def test_freebsd_extractor_phases_on_a_small_tree(tmp_path):
    """read_options and read_devices, the first two phases of extract_freebsd_names.py's build()."""
    fx = _load("extract_freebsd_names")
    from scripts.srcread import Source

    files = {
        "sys/conf/options": "INET\topt_inet.h\nRANDOM_LOADABLE\topt_global.h\n",
        "sys/conf/options.amd64": "INET\topt_inet.h\nHAMMER_ONLY\n",
        "sys/conf/files": "dev/iwm/fw.c\toptional iwm7265Dfw\n"
                          "dev/random/r.c\toptional random !random_loadable\n",
        "sys/conf/files.amd64": "include \"conf/files.x86\"\n",
        "sys/conf/files.x86": "dev/atkbdc/psm.c\toptional psm\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    src = Source(None, None, tree=str(tmp_path))
    options, duplicates = fx.read_options(src, ["sys/conf/options", "sys/conf/options.amd64"])
    assert sorted(options) == ["HAMMER_ONLY", "INET", "RANDOM_LOADABLE"]
    assert duplicates == [{"name": "INET", "first": "sys/conf/options", "again": "sys/conf/options.amd64"}]
    devices, _entries, seen = fx.read_devices(src, ["sys/conf/files", "sys/conf/files.amd64"], options)
    assert {"iwm7265Dfw", "psm", "random", "random_loadable"} <= set(devices)
    assert devices["random_loadable"]["negated_only"] and not devices["psm"]["negated_only"]
    assert devices["random_loadable"]["also_option"] == "RANDOM_LOADABLE"
    assert "sys/conf/files.x86" in seen


def test_netbsd_extractor_phases_on_a_small_tree(tmp_path):
    nx = _load("extract_netbsd_names")
    files = {
        "sys/conf/files": "defflag opt_foo.h FOO\ndevice virtio {}\nattach virtio at root\n"
                          "device ld: disk\nattach ld at virtio\ndefpseudo bpfilter\n",
        "sys/arch/x/conf/files.x": "",
        "sys/arch/x/conf/GENERIC64": "machine x\noptions FOO\noptions UNDECLARED\nvirtio0 at root\n"
                                     "ld* at virtio?\nnosuch* at virtio?\npseudo-device bpfilter\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    out = tmp_path / "n.json"
    assert nx.main(["--tree", str(tmp_path), "--config", "arch/x/conf/GENERIC64", "--arch", "x", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    g = doc["generic64"]
    assert set(doc["devices"]) == {"virtio", "ld"} and set(doc["pseudo_devices"]) == {"bpfilter"}
    assert g["options_undeclared"] == ["UNDECLARED"] and doc["arch"] == "x"
    assert [p["problem"] for p in g["check_problems"]] == ["unknown device"]
