"""Name databases extracted from the BSDs' own sources (targets/<os>/names-*.json)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

from mscc.knowledge.targets import load_json, target


@dataclass(frozen=True)
class _ExtractedNames:
    """A names-*.json produced by an extractor in scripts/: options and devices by name."""

    data: dict

    @property
    def options(self) -> dict:
        return self.data["options"]

    @property
    def devices(self) -> dict:
        return self.data["devices"]

    def has_option(self, name: str) -> bool:
        return name in self.options

    def has_device(self, name: str) -> bool:
        return name in self.devices


@dataclass(frozen=True)
class FreeBSDNames(_ExtractedNames):
    def has_option(self, name: str) -> bool:
        # config(8) also accepts DEV_* options (set by `device`) and compat aliases.
        return super().has_option(name) or name in self.data.get("options_compat", {}) or name.startswith("DEV_")

    def has_device(self, name: str) -> bool:
        # A word files(5) only ever negates (`!random_loadable`) is no device: config(8)
        # stops at `device random_loadable`. Names compare case-sensitively, as in config(8).
        info = self.devices.get(name)
        return info is not None and not info.get("negated_only")

    def effective_options(self, config: str) -> dict:
        return self.data["effective"][config]["options"]

    def effective_devices(self, config: str) -> set:
        return set(self.data["effective"][config]["devices"])


@cache
def freebsd_names(version: str) -> FreeBSDNames:
    info = target("freebsd").known_version(version)
    return FreeBSDNames(load_json(f"freebsd/{info['names']}"))


def base_name(word: str) -> str:
    """The device (or attribute) name of a config word: `vioblk*`, `cpu0`, `pci?` → vioblk, cpu, pci.
    BSD config(8) does not allow a device name to end in a digit, so the unit is what trails."""
    return word.rstrip("*?").rstrip("0123456789")


@dataclass(frozen=True)
class OpenBSDNames(_ExtractedNames):
    """names-7.json: what OpenBSD's config(8) knows for arm64, and GENERIC's evaluated content."""

    file: str = ""

    @property
    def release(self) -> str:
        return self.data["release"]

    @property
    def pseudo_devices(self) -> dict:
        return self.data["pseudo_devices"]

    def has_pseudo(self, name: str) -> bool:
        return name in self.pseudo_devices

    def generic(self, mp: bool) -> dict:
        return self.data["generic_mp" if mp else "generic"]

    @cached_property
    def _attach(self) -> dict:
        out: dict = {}
        for a in self.data["attachments"]:
            out.setdefault(a["device"], set()).add(a["at"])
        return out

    def attributes_of(self, device: str) -> set:
        return set(self.devices.get(device, {}).get("attributes", ()))

    def can_attach(self, device: str, parent: str) -> bool:
        """`device at parent`: parent is a device or an interface attribute that the device's
        `attach ... at` declarations name, directly or through the parent device's attributes."""
        ats = self._attach.get(device, set())
        return parent in ats or bool(ats & self.attributes_of(parent))


@cache
def openbsd_names(version: str) -> OpenBSDNames:
    info = target("openbsd").known_version(version)
    return OpenBSDNames(load_json(f"openbsd/{info['names']}"), f"targets/openbsd/{info['names']}")


SELECTED, NOT_SELECTED, UNCONFIRMED = "selected", "not-selected", "unconfirmed"


@dataclass(frozen=True)
class NetBSDNames:
    """One view over NetBSD's names, from whichever data exists: names-10.json when the extractor
    could read a netbsd-10 tree, otherwise the hand-curated curated-10.json. With curated data a
    name mscc does not list is unconfirmed, never unknown, and GENERIC64 membership can be
    `unconfirmed` too (see targets/netbsd/NAMES.md)."""

    file: str
    curated: bool
    authoritative: bool                 # only a complete extraction may turn "unknown" into an error
    options: dict                       # name -> GENERIC64 status
    devices: frozenset
    pseudo_devices: dict                # name -> GENERIC64 status
    attachments: frozenset              # (device, parent as written in a config)
    instances: dict                     # "ld* at virtio?" -> GENERIC64 status
    summary: str

    def option_status(self, name: str) -> str:
        if name in self.options:
            return self.options[name]
        return NOT_SELECTED if self.authoritative else UNCONFIRMED

    def instance_status(self, spec: str) -> str:
        """`ld* at virtio?`, or a bare `nvme*` (selected when any nvme instance is)."""
        if " at " in spec:
            return self.instances.get(spec, NOT_SELECTED if self.authoritative else UNCONFIRMED)
        device = base_name(spec)
        found = {s for k, s in self.instances.items() if base_name(k.split(" at ")[0]) == device}
        for status in (SELECTED, UNCONFIRMED):
            if status in found:
                return status
        return NOT_SELECTED if self.authoritative or found else UNCONFIRMED

    def has_option(self, name: str) -> bool:
        return name in self.options

    def has_device(self, name: str) -> bool:
        return name in self.devices

    def can_attach(self, device: str, parent: str) -> bool:
        return (device, parent) in self.attachments


def _netbsd_from_extraction(data: dict, file: str) -> NetBSDNames:
    g = data["generic64"]
    complete = data["status"] == "complete"
    other = NOT_SELECTED if complete else UNCONFIRMED
    devices = data["devices"]
    attach: set = set()
    for a in data["attachments"]:
        attach.add((a["device"], a["at"]))
        # a config names the parent device; the declaration names its attribute
        attach.update((a["device"], d) for d, info in devices.items() if a["at"] in info.get("attributes", ()))
    # Options and pseudo-devices GENERIC64 selects at one extracted commit and not at a later one:
    # the release between them may have either, so they are unconfirmed. (Device instances keep
    # the first commit's status: a `dev* at parent?` line mscc adds is accepted either way.)
    later = data.get("generic64_differs_later") or {}
    moot = {kind: set(later.get(kind, ())) for kind in ("options", "pseudo_devices")}
    instances = {f"{i['device']}{i['unit']} at {i['at']}{i['parent_unit']}": SELECTED for i in g["instances"]}
    return NetBSDNames(
        file=file, curated=False, authoritative=complete,
        options=_unless_moot({n: (SELECTED if n in g["options"] else other) for n in data["options"]}
                             | dict.fromkeys(g["options"], SELECTED), moot["options"]),
        devices=frozenset(devices),
        pseudo_devices=_unless_moot({n: (SELECTED if n in g["pseudo_devices"] else other)
                                     for n in data["pseudo_devices"]}, moot["pseudo_devices"]),
        attachments=frozenset(attach),
        instances=instances,
        summary=f"{file} (extracted from {data['source']['repo']}@{data['source']['commit']}, status {data['status']})",
    )


def _unless_moot(statuses: dict, moot: set) -> dict:
    return {n: (UNCONFIRMED if n in moot else status) for n, status in statuses.items()} | dict.fromkeys(
        moot - set(statuses), UNCONFIRMED)


def _netbsd_from_curated(data: dict, file: str, blocked: str) -> NetBSDNames:
    return NetBSDNames(
        file=file, curated=True, authoritative=False,
        options={n: o["generic64"] for n, o in data["options"].items()},
        devices=frozenset(data["devices"]),
        pseudo_devices={n: p["generic64"] for n, p in data["pseudo_devices"].items()},
        attachments=frozenset((a["device"], a["parent"]) for a in data["attachments"]),
        instances={k: v["status"] for k, v in data["generic64"]["instances"].items()},
        summary=(f"{file}: a hand-curated subset ({len(data['options'])} options, {len(data['devices'])} devices), "
                 f"each name with its sources; {blocked} is blocked (no netbsd-10 tree could be read), so names "
                 "mscc does not list are warnings, not errors"),
    )


@cache
def netbsd_names(version: str) -> NetBSDNames:
    info = target("netbsd").known_version(version)
    names_file = f"targets/netbsd/{info['names']}"
    data = load_json(f"netbsd/{info['names']}")
    if data.get("status") != "blocked" and data.get("options"):
        return _netbsd_from_extraction(data, names_file)
    return _netbsd_from_curated(load_json(f"netbsd/{info['curated']}"), f"targets/netbsd/{info['curated']}",
                                names_file)
