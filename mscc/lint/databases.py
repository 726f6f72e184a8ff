"""Read-only accessors for the name databases other parts of mscc extract from the OSes'
own sources (targets/alpine/kconfig-*.json, targets/<bsd>/names-*.json,
targets/openzfs/zfs-*.json). Each returns None when its file is absent, so the checkers can
say "names not checked" instead of failing; each file is read at most once per run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from mscc.paths import targets_dir


@cache
def _json(relative: str) -> dict | None:
    path = targets_dir() / relative
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None


def _version_key(text: str) -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def _available(folder: str, pattern: str) -> list[str]:
    """The versions for which a database file exists, oldest first."""
    regex = re.compile(pattern)
    directory = targets_dir() / folder
    if not directory.is_dir():
        return []
    found = [m.group(1) for p in directory.iterdir() if (m := regex.fullmatch(p.name))]
    return sorted(found, key=_version_key)


# --- Linux Kconfig ------------------------------------------------------------------------

class Kconfig:
    """Symbol names and types of one kernel series; ranges and reverse selects are worked
    out only for the symbols a file asks about (the database has 17,000 symbols)."""

    def __init__(self, series: str, data: dict):
        self.series = series
        self.version = str(data.get("header", {}).get("kernel_version", series))
        self._symbols = data["symbols"]
        self.types = {name: raw.get("type") for name, raw in self._symbols.items()}
        self._selectors: dict[str, set] = {}

    def ranges(self, name: str) -> list[tuple[int, int]]:
        """The unconditional constant ranges of an int or hex symbol."""
        out = []
        for definition in self._symbols.get(name, {}).get("definitions", ()):
            for bounds, cond in definition.get("ranges") or ():
                parts = bounds.split()
                if cond is None and len(parts) == 2 and all(re.fullmatch(r"-?\d+|0x[0-9a-fA-F]+", p) for p in parts):
                    out.append((int(parts[0], 0), int(parts[1], 0)))
        return out

    def selectors(self, name: str) -> set:
        """Every symbol whose `select` forces `name` on."""
        if name not in self._selectors:
            self._selectors[name] = {
                symbol for symbol, raw in self._symbols.items()
                for definition in raw.get("definitions", ())
                for target, _cond in definition.get("selects") or () if target == name}
        return self._selectors[name]

    def close_matches(self, name: str) -> list[str]:
        import difflib

        from mscc.suggest import budget_left

        if not budget_left(name):
            return []
        # Compare only against names of a similar length: 17,000 names make difflib slow.
        pool = [n for n in self.types if abs(len(n) - len(name)) <= 4 and n[:1] == name[:1]]
        return difflib.get_close_matches(name, pool, n=3, cutoff=0.75)


def kconfig_series() -> list[str]:
    return _available("alpine", r"kconfig-(\d+\.\d+)\.json")


@cache
def kconfig(series: str) -> Kconfig | None:
    data = _json(f"alpine/kconfig-{series}.json")
    return None if data is None else Kconfig(series, data)


# --- BSD kernel config names --------------------------------------------------------------

@dataclass(frozen=True)
class BsdNames:
    os: str
    version: str
    file: str
    options: frozenset
    devices: frozenset
    compat: dict                # old option name -> new name (FreeBSD options-compat)
    pseudo_devices: frozenset
    file_systems: frozenset

    def knows_device(self, name: str) -> bool:
        return name in self.devices or name in self.pseudo_devices


def bsd_versions(os_name: str) -> list[str]:
    return _available(os_name, r"names-([0-9.]+)\.json")


def _names_file(os_name: str, version: str | None) -> str | None:
    """The database for `version` ("14.3" reads names-14.json), or the target's default."""
    available = bsd_versions(os_name)
    if not available:
        return None
    target = _json(f"{os_name}/target.json") or {}
    if version is None:
        version = target.get("default_version")
    if version is None:
        return f"names-{available[-1]}.json"
    for key in (version, version.split(".")[0]):
        info = (target.get("versions") or {}).get(key)
        if isinstance(info, dict) and info.get("names"):
            return info["names"]
        if key in available:
            return f"names-{key}.json"
    return None


def _names(value) -> frozenset:
    if isinstance(value, dict):
        return frozenset(value)
    if isinstance(value, list):
        return frozenset(v if isinstance(v, str) else v.get("name") for v in value)
    return frozenset()


@cache
def bsd_names(os_name: str, version: str | None) -> BsdNames | None:
    file = _names_file(os_name, version)
    data = _json(f"{os_name}/{file}") if file else None
    # A database marked blocked is an empty placeholder: reading it would call every name unknown.
    if data is None or data.get("status") == "blocked":
        return None
    return BsdNames(
        os=os_name, version=str(data.get("version", version)), file=f"targets/{os_name}/{file}",
        options=_names(data.get("options")), devices=_names(data.get("devices")),
        compat=dict(data.get("options_compat") or {}),
        pseudo_devices=_names(data.get("pseudo_devices") or data.get("pseudo-devices")),
        file_systems=_names(data.get("file_systems") or data.get("file-systems")),
    )


# --- OpenZFS module parameters ------------------------------------------------------------

@dataclass(frozen=True)
class Tunable:
    name: str                   # the C name, the key in zfs-*.json
    linux: str | None
    linux_module: str | None
    freebsd: str | None
    legacy: tuple               # FreeBSD legacy aliases
    access: str | None          # rw | rd
    loader: bool | None         # settable from loader.conf
    type: str | None


@dataclass(frozen=True)
class Zfs:
    series: str
    version: str
    by_linux: dict              # linux name -> Tunable
    by_freebsd: dict            # dotted name -> Tunable
    by_legacy: dict             # legacy dotted name -> Tunable


def zfs_series() -> list[str]:
    return _available("openzfs", r"zfs-(\d+\.\d+)\.json")


@cache
def zfs(series: str) -> Zfs | None:
    data = _json(f"openzfs/zfs-{series}.json")
    if data is None:
        return None
    by_linux, by_freebsd, by_legacy = {}, {}, {}
    for name, raw in data["tunables"].items():
        t = Tunable(name, raw.get("linux"), raw.get("linux_module"), raw.get("freebsd"),
                    tuple(raw.get("freebsd_legacy") or ()), raw.get("access"), raw.get("freebsd_loader_tunable"),
                    raw.get("type"))
        if t.linux:
            by_linux[t.linux] = t
        if t.freebsd:
            by_freebsd[t.freebsd] = t
        for alias in t.legacy:
            by_legacy[alias] = t
    for dotted, raw in (data.get("freebsd_only") or {}).items():
        t = Tunable(raw.get("variable") or dotted, None, None, dotted, (), raw.get("access"),
                    raw.get("freebsd_loader_tunable"), raw.get("type"))
        (by_legacy if raw.get("legacy") else by_freebsd)[dotted] = t
    return Zfs(series, str(data.get("openzfs_version", series)), by_linux, by_freebsd, by_legacy)


def zfs_series_for(os_name: str | None, version: str | None) -> str | None:
    """The OpenZFS series an OS version ships (targets/openzfs/platforms.json), if known."""
    if not os_name or not version:
        return None
    shipped = (_json("openzfs/platforms.json") or {}).get(os_name, {})
    for key in (version, ".".join(version.split(".")[:2]), version.split(".")[0]):
        if key in shipped:
            return shipped[key].get("openzfs")
    return None


def target_data(os_name: str) -> dict | None:
    return _json(f"{os_name}/target.json")
