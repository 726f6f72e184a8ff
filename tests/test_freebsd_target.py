"""FreeBSD output checked against FreeBSD's own names, OpenZFS's tunables, Lima's schema, shellcheck."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from conftest import EXAMPLES, ROOT, codes_of, compile_text, have
from mscc.compiler import compile_file
from mscc.knowledge.names import freebsd_names
from mscc.knowledge import zfsdb

DIRECTIVE = re.compile(r"^(options|nooptions|device|nodevice)\s+([A-Za-z0-9_]+)")


def bundles_for(example):
    result = compile_file(str(example), ["freebsd"])
    assert result.ok, result.diagnostics
    return result.bundles


def files(bundle):
    return {a.path: a.content for a in bundle.artifacts}


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_emitted_name_is_declared_by_freebsd(example):
    for bundle in bundles_for(example):
        version = json.loads(bundle.manifest_text)["version"]
        names = freebsd_names(version)
        conf = next(a.content for a in bundle.artifacts if a.kind == "kernel-config")
        seen = 0
        for line in conf.splitlines():
            m = DIRECTIVE.match(line)
            if not m:
                continue
            seen += 1
            kind, name = m.groups()
            if "option" in kind:
                assert names.has_option(name), f"{name} is not a FreeBSD option"
            else:
                assert names.has_device(name), f"{name} is not a FreeBSD device"
        assert seen


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_loader_tunable_exists_in_the_shipped_openzfs(example):
    for bundle in bundles_for(example):
        version = json.loads(bundle.manifest_text)["version"]
        series = zfsdb.series_for("freebsd", version)
        known = zfsdb.by_freebsd_name(series)
        canonical = {i["freebsd"] for i in zfsdb.tunables(series).values() if i.get("freebsd")}
        loader = files(bundle)["boot/loader.conf"]
        for line in loader.splitlines():
            if line.startswith("vfs.zfs."):
                name, value = line.split("=", 1)
                assert name in known, name
                assert re.fullmatch(r'"[0-9]+"', value), f"{name}: loader values are plain numbers: {value}"
                assert name in canonical, f"{name} is a legacy alias; emit the dotted name"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_lima_yaml_validates_against_lima_schema(example):
    import jsonschema

    schema = json.loads((ROOT / "targets/lima/lima-yaml.schema.json").read_text())
    for bundle in bundles_for(example):
        doc = yaml.safe_load(files(bundle)["lima.yaml"])
        jsonschema.validate(doc, schema)
        assert doc["vmType"] == "qemu"


@pytest.mark.skipif(not have("shellcheck"), reason="shellcheck not installed")
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_scripts_pass_shellcheck(example, tmp_path):
    for bundle in bundles_for(example):
        for artifact in bundle.artifacts:
            if artifact.path.endswith(".sh"):
                script = tmp_path / artifact.path.replace("/", "_")
                script.write_text(artifact.content)
                r = subprocess.run(["shellcheck", "-s", "sh", str(script)], capture_output=True, text=True)
                assert r.returncode == 0, r.stdout


def test_hostile_names_are_refused(tmp_path):
    text = """
    profile p {
      hardware { chip = m3  memory = 16GiB }
      vm { memory = 8GiB }
      zfs {
        pool = "tank; rm -rf /"
        slog = "/dev/vtbd1 $(reboot)"
        dataset "tank; rm -rf //x'y" { sync = always }
      }
    }"""
    r = compile_text(tmp_path, text)
    assert codes_of(r) == ["MS410", "MS410", "MS410"] and not r.bundles


def test_every_interpolated_value_is_quoted(tmp_path):
    """Defence in depth: even values no rule would let through come out single-quoted."""
    from mscc.emit.render import render
    from mscc.emit.zfsplan import ZfsPlan

    hostile = "x'; rm -rf / #$(reboot)"
    plan = ZfsPlan(pool=hostile, pool_props=[("sync", hostile)], datasets=[(hostile, [("atime", "off")])],
                   log_device=hostile, cache_device=hostile)
    script = render("common/templates/zfs-setup.sh.j2", zfs=plan, profile="p", target="freebsd")
    import shlex

    hits = [line for line in script.splitlines() if "rm -rf" in line]
    assert len(hits) >= 5
    for line in hits:
        words = shlex.split(line.strip().removeprefix("if ! ").removesuffix("; then"))
        assert {hostile, f"sync={hostile}", f"pool={hostile}"} & set(words), line
    if have("shellcheck"):
        path = tmp_path / "s.sh"
        path.write_text(script)
        assert subprocess.run(["shellcheck", "-s", "sh", "-e", "SC2016", str(path)]).returncode == 0


def test_raw_lines_are_validated(tmp_path):
    base = "hardware { chip = m3  memory = 16GiB } vm { memory = 8GiB }"
    raw = 'raw freebsd { kernel = ["options VIRTIO_BLKK", "device vtnett", "frob x"] }'
    r = compile_text(tmp_path, f"profile p {{ {base} {raw} }}")
    assert codes_of(r) == ["MS601", "MS602", "MS603"]
    hints = {d.code: d.hint for d in r.diagnostics}
    assert "vtnet" in hints["MS602"]
    r = compile_text(tmp_path, f'profile p {{ {base} raw freebsd {{ kernel = ["options MAC", "device virtio_random"] '
                               f'loader = ["vfs.zfs.arc.maxx=1"] }} }}')
    assert codes_of(r) == ["MS407"]
    r = compile_text(tmp_path, f'profile p {{ {base} raw freebsd {{ kernel = ["options MAC"] }} }}')
    assert codes_of(r) == []
    conf = next(a.content for a in r.bundles[0].artifacts if a.kind == "kernel-config")
    assert "options MAC" in conf


def test_minimal_base_is_a_vm_only_kernel(tmp_path):
    r = compile_text(tmp_path, "profile p { hardware { chip = m3 memory = 16GiB } vm { memory = 8GiB } "
                               "kernel { base = minimal devices = [virtio-blk, virtio-net] } }")
    conf = next(a.content for a in r.bundles[0].artifacts if a.kind == "kernel-config")
    assert 'include "std.virt"' in conf and "include GENERIC" not in conf
    assert "nodevice usb" not in conf  # only leaves are removed


def test_tunable_unknown_for_the_shipped_version(tmp_path):
    base = "hardware { chip = m3  memory = 16GiB } vm { memory = 8GiB version = \"14.4\" os = freebsd }"
    r = compile_text(tmp_path, f"profile p {{ {base} zfs {{ tunables {{ zfs_arc_meta_limit = 1G }} }} }}")
    assert codes_of(r) == ["MS407"]


def test_tunable_added_within_a_series_needs_the_right_release(tmp_path):
    from mscc.knowledge import zfsdb

    assert zfsdb.shipped_version("freebsd", "15.0") == "2.4.0-rc4"
    assert "zfs_import_defer_txgs" not in zfsdb.available("2.4", "2.4.0-rc4")
    assert "zfs_import_defer_txgs" in zfsdb.available("2.4", "2.4.2")
    base = "hardware { chip = m3  memory = 16GiB } vm { memory = 8GiB os = freebsd version = \"15.0\" }"
    r = compile_text(tmp_path, f"profile p {{ {base} zfs {{ tunables {{ zfs_import_defer_txgs = 5 }} }} }}")
    (d,) = r.diagnostics
    assert d.code == "MS407" and "arrived in OpenZFS 2.4.1" in d.message
    zfs = "zfs { tunables { zfs_import_defer_txgs = 5 } }"
    r = compile_text(tmp_path, f"profile p {{ {base.replace('15.0', '15.1')} {zfs} }}")
    assert codes_of(r) == []
