"""Is a BSD kernel-config name known, for the architecture and release a file is for?

One judge for the FreeBSD, NetBSD and OpenBSD checkers, over targets/<os>/arches-*.json.
The rules (issue 10): a file is judged against the release it states, or gets one note that
its names were not checked; when its architecture is known, a name is checked against that
architecture and a name of another architecture says where it exists; when the architecture
cannot be told, a name is unknown only when no architecture has it. "Did you mean" offers
only close names of the same architecture."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mscc.lint import databases
from mscc.lint.platform import Platform

TITLES = {"freebsd": "FreeBSD", "netbsd": "NetBSD", "openbsd": "OpenBSD"}
# difflib ratio a suggestion must reach (0.85: `virtio_blkk` -> `virtio_blk`, `GENERIC_PTDUMP` ->
# not `GENERIC_CSUM`), and the shortest name worth a guess (`rge` -> `re` helps nobody).
SIMILARITY = 0.85
SHORTEST = 4


@dataclass(frozen=True)
class Unknown:
    message: str
    hint: str | None
    elsewhere: tuple            # arches that have the name
    older: str | None = None    # an older release whose table has the name (release not stated)


@dataclass(frozen=True)
class Judge:
    os: str
    tables: tuple               # ArchNames, the releases the file may be for
    arch: str | None
    platform: Platform
    unchecked: str | None       # why names are not checked, or None
    older: tuple = ()           # ArchNames of older releases, for a file that states none

    @property
    def older_than_tables(self) -> str | None:
        """The tables' date when the file states an earlier one ($NetBSD$/$OpenBSD$ dates): a
        name it uses may have been removed since, so unknown is then a warning, not an error."""
        dates = [t.date for t in self.tables if t.date]
        stated = self.platform.release
        if dates and stated and re.fullmatch(r"\d{4}-\d\d-\d\d", stated) and stated < min(dates):
            return min(dates)
        return None

    @property
    def newer_than_tables(self) -> str | None:
        """The newest table's date when the file states a later one: a name it uses may have
        been added since, so unknown is then a warning, not an error."""
        dates = [t.date for t in self.tables if t.date]
        stated = self.platform.release
        if dates and stated and re.fullmatch(r"\d{4}-\d\d-\d\d", stated) and stated > max(dates):
            return max(dates)
        return None

    @property
    def title(self) -> str:
        versions = [t.version for t in self.tables]
        release = versions[0] if len(versions) == 1 else f"{versions[0]}–{versions[-1]}" if versions else "?"
        return f"{TITLES[self.os]} {release} {self.arch or '(any architecture)'}"

    def unknown(self, kind: str, name: str) -> Unknown | None:
        """None when the name is known for this file's platform."""
        if self.unchecked is not None:
            return None
        everywhere = sorted({a for t in self.tables for a in t.where(kind, name)})
        what = {"options": "option", "device": "device", "file-system": "file system"}[kind]
        if self.arch is None:
            if everywhere:
                return None
            old = self._older(kind, name)
            if old is not None:
                return Unknown(f"{self.title} has no {what} {name}; {TITLES[self.os]} {old} had it",
                               f"if this config is for an older {TITLES[self.os]}, state the release with --release",
                               (), old)
            return Unknown(f"{self.title} has no {what} {name} (no architecture declares it)",
                           self._suggest(kind, name, None), ())
        if self.arch in everywhere:
            return None
        old = self._older(kind, name)
        if old is not None:
            return Unknown(f"{self.title} has no {what} {name}; {TITLES[self.os]} {old} had it",
                           f"if this config is for an older {TITLES[self.os]}, state the release with --release",
                           (), old)
        if everywhere:
            return Unknown(f"{self.title} has no {what} {name}; it exists on {', '.join(everywhere)}",
                           f"the architecture is {self.arch} from {self.platform.arch_from}; "
                           "state another with --arch", tuple(everywhere))
        return Unknown(f"{self.title} has no {what} {name}", self._suggest(kind, name, self.arch), ())

    def _older(self, kind: str, name: str) -> str | None:
        """The newest older release whose table has the name (for this file's architecture)."""
        for t in reversed(self.older):
            where = t.where(kind, name)
            if where and (self.arch is None or self.arch in where):
                return t.version
        return None

    def _suggest(self, kind: str, name: str, arch: str | None) -> str | None:
        import difflib

        if len(name) < SHORTEST:
            return None
        pool: set = set()
        for t in self.tables:
            table = {"options": t.options, "device": t.devices, "file-system": t.file_systems}[kind]
            for a, names in table.items():
                if arch is None or a == arch:
                    pool |= names
        matches = difflib.get_close_matches(name, sorted(pool), n=3, cutoff=SIMILARITY)
        return ("did you mean " + " or ".join(f"'{m}'" for m in matches) + "?") if matches else None


def judge(os_name: str, platform: Platform) -> Judge:
    """The tables a file of `os_name` on `platform` is judged against."""
    versions = databases.arch_versions(os_name)
    title = TITLES[os_name]
    if not versions:
        return Judge(os_name, (), platform.arch, platform, f"mscc has no {title} name tables")
    older: list[str] = []
    if platform.release is None and os_name == "freebsd":
        # A FreeBSD file that states no release is judged against the releases mscc builds
        # for; a name only an older release's table has is then a note that says so.
        built = databases.built_releases(os_name)
        current = [v for v in versions if v.split(".")[0] in built] or versions
        older = [v for v in versions if v not in current]
        versions = current
    wanted = _tables_for(os_name, platform.release, versions)
    if isinstance(wanted, str):
        return Judge(os_name, (), platform.arch, platform, wanted)
    tables = tuple(t for v in wanted if (t := databases.arch_names(os_name, v)) is not None)
    history = tuple(t for v in older if (t := databases.arch_names(os_name, v)) is not None)
    arch = platform.arch
    if arch is not None and not any(arch in t.arches for t in tables):
        have = ", ".join(sorted({a for t in tables for a in t.arches}))
        return Judge(os_name, tables, arch, platform,
                     f"no {title} name tables for {arch} (from {platform.arch_from}); mscc has: {have}")
    return Judge(os_name, tables, arch, platform, None, history)


def _tables_for(os_name: str, release: str | None, versions: list[str]) -> list[str] | str:
    """The table versions for a stated release, or why there are none."""
    if release is None or os_name in ("netbsd", "openbsd"):
        # NetBSD and OpenBSD files state a date, not a release: judge against every table.
        return versions
    major = release.split(".")[0]
    if release in versions:
        return [release]
    if major in versions:
        return [major]
    return f"no tables for {TITLES[os_name]} {release}; names not checked (mscc has {', '.join(versions)})"
