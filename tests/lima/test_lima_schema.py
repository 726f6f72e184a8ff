"""Checks targets/lima/lima-yaml.schema.json, the JSON Schema for Lima instance
YAML derived from lima-vm/lima's Go types (see targets/lima/README.md).

Test dependencies: pytest, jsonschema (>= 4.0, for draft 2020-12), PyYAML.
"""

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "targets" / "lima" / "lima-yaml.schema.json"
TEMPLATES_PATH = ROOT / "targets" / "lima" / "templates.json"


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_PATH.read_text())


@pytest.fixture(scope="module")
def validator(schema):
    return Draft202012Validator(schema)


@pytest.fixture(scope="module")
def facts():
    return json.loads(TEMPLATES_PATH.read_text())


def errors(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))


def load(text):
    return yaml.safe_load(text)


# --------------------------------------------------------------------------- schema itself


def test_schema_is_valid_draft_2020_12(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_names_its_source_commit(schema):
    comment = schema["$comment"]
    assert "lima-vm/lima" in comment
    assert "pkg/limatype/lima_yaml.go" in comment
    assert "cmd/limactl/genschema.go" in comment
    # full 40-hex commit
    assert re.search(r"\b[0-9a-f]{40}\b", comment)


def test_schema_shape_mirrors_generator(schema):
    defs = schema["$defs"]
    assert schema["$ref"] == "#/$defs/LimaYAML"
    # invopop default Reflector: every struct closes additionalProperties
    for name, d in defs.items():
        if "properties" in d:
            assert d["additionalProperties"] is False, name
    top = defs["LimaYAML"]["properties"]
    assert top["vmType"]["enum"] == [None, "qemu", "vz", "wsl2"]
    assert top["os"]["enum"] == [None, "Linux", "Darwin", "FreeBSD", "Windows"]
    assert top["mountType"]["enum"] == [None, "reverse-sshfs", "9p", "virtiofs", "wsl2"]
    assert "aarch64" in top["arch"]["enum"]
    for key in ("images", "vmType", "arch", "os", "memory", "disk", "mounts",
                "mountType", "provision", "containerd", "minimumLimaVersion", "base"):
        assert key in top, key


# --------------------------------------------------------------------------- valid documents

ALPINE_VZ = """
minimumLimaVersion: 2.0.0
vmType: vz
os: Linux
arch: aarch64
images:
- location: "https://dl-cdn.alpinelinux.org/alpine/v3.23/releases/cloud/nocloud_alpine-3.23.4-aarch64-uefi-cloudinit-r0.qcow2"
  arch: "aarch64"
  digest: "sha512:737b0eb365944ffcf6da477c059c105bbde222942fd5a8380c07db088365b18dbc60a0f2824ea9a3904d57e194e0d05a7074302c3ebc104d0aecb6ddc6ffd91c"
cpus: 4
memory: 4GiB
disk: 20GiB
mounts:
- location: "~"
  writable: false
mountType: virtiofs
containerd:
  system: false
  user: false
ssh:
  localPort: 0
  overVsock: null
provision:
- mode: system
  script: |
    #!/bin/sh
    apk add zfs
"""  # noqa: E501  (a sha512 digest is one YAML token)

FREEBSD_QEMU = """
minimumLimaVersion: 2.1.0
vmType: qemu
os: FreeBSD
arch: aarch64
images:
- location: "http://ftp-archive.freebsd.org/pub/FreeBSD-Archive/old-releases/VM-IMAGES/15.1-RELEASE/aarch64/Latest/FreeBSD-15.1-RELEASE-arm64-aarch64-BASIC-CLOUDINIT-zfs.raw.xz"
  arch: "aarch64"
  digest: "sha256:907ca57e12503124cc48da5d698da139459c60afa023aa12e82729d655e8e15b"
cpus: 2
memory: "2 GiB"
disk: 30G
mountType: 9p
mounts:
- location: "~"
  9p:
    msize: 128KiB
    cache: mmap
vmOpts:
  qemu:
    cpuType:
      aarch64: host
firmware:
  legacyBIOS: false
"""

# templates/default.yaml style: every value null / empty, as Lima's own template
DEFAULT_STYLE = """
vmType: null
arch: null
images: []
cpus: null
memory: null
disk: null
mounts: []
mountTypesUnsupported: null
mountType: null
mountInotify: null
additionalDisks:
ssh:
  localPort: null
  loadDotSSHPubKeys: null
caCerts:
  removeDefaults: null
  files:
  certs:
upgradePackages: null
containerd:
  system: null
  user: null
minimumLimaVersion: 2.0.0
base:
- template:_images/ubuntu
- template:_default/mounts
user:
  name: null
  uid: null
vmOpts:
  qemu:
    minimumVersion: null
    cpuType:
  vz:
    diskImageFormat: null
os: null
cpuType:
rosetta:
  enabled: null
  binfmt: null
timezone: null
firmware:
  legacyBIOS: null
audio:
  device: null
video:
  display: null
  vnc:
    display: null
networks:
propagateProxyEnv: null
hostResolver:
  enabled: null
  hosts:
guestInstallPrefix: null
plain: null
nestedVirtualization: null
tpm: null
"""


@pytest.mark.parametrize("name,text", [
    ("alpine-vz", ALPINE_VZ),
    ("freebsd-qemu", FREEBSD_QEMU),
    ("default-style", DEFAULT_STYLE),
])
def test_valid_documents(validator, name, text):
    assert errors(validator, load(text)) == []


def test_freebsd_template_images_validate(validator, facts):
    fb = facts["freebsd"]["images_template"]
    doc = {"images": fb["images"], "os": fb["os"], "vmType": fb["vmType"]}
    assert fb["vmType"] == "qemu"
    assert errors(validator, doc) == []


def test_alpine_template_images_validate(validator, facts):
    alp = facts["alpine"]
    for version, entry in alp["images"].items():
        doc = {"images": entry["images"], "containerd": alp["template"]["containerd"],
               "minimumLimaVersion": alp["template"]["minimumLimaVersion"]}
        assert errors(validator, doc) == [], version


@pytest.mark.parametrize("doc", [
    {"base": "template:alpine"},                                   # BaseTemplates: string
    {"base": [{"url": "template:alpine", "digest": "x"}, "b.yaml"]},  # list of locators
    {"additionalDisks": ["data", {"name": "zpool", "format": False}]},  # Disk: string or object
    {"provision": [{"mode": "user", "file": "script.sh"}]},        # LocatorWithDigest: string
    {"portForwards": [{"guestPortRange": [4000, 4999], "hostIP": "0.0.0.0"}]},
])
def test_string_or_object_unions(validator, doc):
    assert errors(validator, doc) == []


# --------------------------------------------------------------------------- invalid documents


def test_typo_key_rejected(validator):
    doc = load(ALPINE_VZ.replace("vmType: vz", "vmtype: vz"))
    errs = errors(validator, doc)
    assert errs
    assert any("vmtype" in e.message for e in errs)


def test_nested_typo_key_rejected(validator):
    doc = load(FREEBSD_QEMU.replace("msize:", "msise:"))
    assert errors(validator, doc)


def test_bad_vmtype_enum_rejected(validator):
    doc = load(ALPINE_VZ.replace("vmType: vz", "vmType: kvm"))
    errs = errors(validator, doc)
    assert errs
    assert any(list(e.absolute_path) == ["vmType"] for e in errs)


@pytest.mark.parametrize("field,value", [
    ("arch", "arm64"),
    ("os", "NetBSD"),
    ("mountType", "nfs"),
])
def test_bad_enums_rejected(validator, field, value):
    doc = load(FREEBSD_QEMU)
    doc[field] = value
    assert errors(validator, doc)


@pytest.mark.parametrize("images", [
    "https://example.com/image.qcow2",
    {"location": "https://example.com/image.qcow2", "arch": "aarch64"},
    42,
])
def test_non_list_images_rejected(validator, images):
    doc = load(FREEBSD_QEMU)
    doc["images"] = images
    errs = errors(validator, doc)
    assert errs
    assert any(list(e.absolute_path) == ["images"] for e in errs)


def test_image_without_location_rejected(validator):
    doc = load(FREEBSD_QEMU)
    del doc["images"][0]["location"]
    assert errors(validator, doc)


@pytest.mark.parametrize("field,value", [
    ("cpus", "four"),
    ("memory", 4),
    ("memory", "4 gigs"),
    ("disk", "100GiBs"),
    ("containerd", {"system": "no"}),
    ("mounts", {"location": "~"}),
])
def test_bad_types_rejected(validator, field, value):
    doc = load(ALPINE_VZ)
    doc[field] = value
    assert errors(validator, doc)


@pytest.mark.parametrize("size", ["4GiB", "512M", "100 GiB", "1.5g", "128KiB", "4096", "2Tb"])
def test_go_units_sizes_accepted(validator, size):
    assert errors(validator, {"memory": size, "disk": size}) == []
