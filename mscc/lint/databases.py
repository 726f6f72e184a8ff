"""Read-only accessors for the name databases other parts of mscc extract from the OSes'
own sources (targets/alpine/kconfig-*.json, targets/<bsd>/arches-*.json,
targets/openzfs/zfs-*.json). Each returns None when its file is absent, so the checkers can
say "names not checked" instead of failing; each file is read at most once per run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mscc.paths import targets_dir


def _json(relative: str) -> dict | None:
    """A file of targets/ through mscc.knowledge.targets, the reader `mscc compile` uses (one cache)."""
    from mscc.knowledge.targets import load_json

    try:
        return load_json(relative)
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
        return difflib.get_close_matches(name, pool, n=3, cutoff=0.85)


def kconfig_series() -> list[str]:
    return _available("alpine", r"kconfig-(\d+\.\d+)\.json")


@cache
def kconfig(series: str) -> Kconfig | None:
    data = _json(f"alpine/kconfig-{series}.json")
    return None if data is None else Kconfig(series, data)


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
def zfs(series: str, release: str | None = None) -> Zfs | None:
    """The parameters of an OpenZFS series, narrowed to one release of it when known
    (zfs_arc_shrinker_seeks arrived in 2.2.9): read through mscc.knowledge.zfsdb, the layer the
    compiler uses, so that lint and compile give one verdict."""
    from mscc.knowledge import zfsdb

    data = _json(f"openzfs/zfs-{series}.json")
    if data is None:
        return None
    by_linux, by_freebsd, by_legacy = {}, {}, {}
    for name, raw in zfsdb.available(series, release).items():
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
    version = release or str(data.get("openzfs_version", series))
    return Zfs(series, version, by_linux, by_freebsd, by_legacy)


def zfs_release_for(os_name: str | None, version: str | None) -> tuple[str | None, str | None]:
    """(series, exact release) of OpenZFS an OS version ships, as the compiler reads them."""
    if not os_name or not version:
        return None, None
    from mscc.knowledge import zfsdb

    return zfsdb.series_for(os_name, version), zfsdb.shipped_version(os_name, version)


def target_data(os_name: str) -> dict | None:
    return _json(f"{os_name}/target.json")


# --- Names per architecture ---------------------------------------------------------------

@dataclass(frozen=True)
class ArchNames:
    """targets/<os>/arches-<version>.json: the option and device names every architecture's
    config(8) inputs declare, for one release (made by scripts/arch_names.py)."""

    os: str
    version: str
    file: str
    options: dict               # arch -> frozenset
    devices: dict               # arch -> frozenset (pseudo-devices included)
    file_systems: dict          # arch -> frozenset (NetBSD)
    sources: dict               # arch -> "repo@commit"
    date: str | None = None     # of the tree (NetBSD/OpenBSD files state dates, not releases)

    @property
    def arches(self) -> list[str]:
        return sorted(self.options)

    def where(self, kind: str, name: str) -> list[str]:
        """The architectures that have `name` as an option, device or file system."""
        table = {"options": self.options, "device": self.devices, "file-system": self.file_systems}[kind]
        return [arch for arch in sorted(table) if name in table[arch]]


def arch_versions(os_name: str) -> list[str]:
    return _available(os_name, r"arches-([0-9.]+)\.json")


@cache
def built_releases(os_name: str) -> frozenset:
    """The major releases mscc builds for (targets/<os>/target.json `versions`). Name tables of
    other releases (FreeBSD 10) judge only files that state such a release."""
    data = _json(f"{os_name}/target.json") or {}
    return frozenset(data.get("versions", {}))


def arch_table_data(os_name: str, version: str) -> dict | None:
    return _json(f"{os_name}/arches-{version}.json")


@cache
def arch_names(os_name: str, version: str) -> ArchNames | None:
    data = arch_table_data(os_name, version)
    if data is None:
        return None
    arches = data["arches"]
    return ArchNames(
        os=os_name, version=version, file=f"targets/{os_name}/arches-{version}.json",
        options={a: frozenset(t["options"]) for a, t in arches.items()},
        devices={a: frozenset(t["devices"]) | frozenset(t.get("pseudo_devices", ())) for a, t in arches.items()},
        file_systems={a: frozenset(t.get("file_systems", ())) for a, t in arches.items()},
        sources={a: f"{t['source']['repo']}@{t['source']['commit'][:12]}" for a, t in arches.items()},
        date=data.get("date"),
    )


@dataclass(frozen=True)
class KconfigArches:
    """targets/alpine/kconfig-arches-<series>.json: which arch/ directories define a symbol."""

    series: str
    arch_only: dict             # symbol -> tuple of arches, for symbols defined only below arch/
    outside_arm64: frozenset    # generic symbols arm64's database lacks
    arches: tuple
    tristate_in: dict          # symbol -> arches that define it as a tristate (KVM: x86, not arm64)

    def where(self, symbol: str, arm64_has: bool) -> tuple | None:
        """The arches defining `symbol`; ("*",) for a generic one; None when none does."""
        if symbol in self.arch_only:
            return self.arch_only[symbol]
        if arm64_has or symbol in self.outside_arm64:
            return ("*",)
        return None


@cache
def kconfig_arches(series: str) -> KconfigArches | None:
    data = _json(f"alpine/kconfig-arches-{series}.json")
    if data is None:
        return None
    return KconfigArches(series, {s: tuple(a) for s, a in data["arch_only"].items()},
                         frozenset(data["outside_arm64"]), tuple(data["arches"]),
                         {s: tuple(a) for s, a in data.get("tristate_in", {}).items()})
