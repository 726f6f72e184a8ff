"""Intent → Kconfig for the alpine target, from the one table in targets/alpine/target.json.

The same table emits the two fragments (virt: onto Alpine's virt.aarch64.config; minimal: onto
tinyconfig) and checks the profile's raw `kernel` lines, so a value mscc would never emit (a 64K
page size, a misspelt symbol, a string for a tristate) is refused before any kernel tree is
touched. What survives `merge_config.sh` + `olddefconfig` is then proven by `mscc audit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from mscc import codes
from mscc.check.context import Context
from mscc.diagnostics import diag, registry
from mscc.linux.kconfig import Assignment, BadLine, SymbolDB, load_symbol_db, parse_config_lines
from mscc.paths import targets_dir

VARIANTS = ("virt", "minimal")
_RANK = {"n": 0, "m": 1, "y": 2}


@cache
def symbol_db(name: str) -> SymbolDB:
    return load_symbol_db(targets_dir() / "alpine" / name)


def db_for(ctx: Context) -> SymbolDB:
    return symbol_db(ctx.version["symbols"])


def line(symbol: str, value: str) -> str:
    """One fragment line in merge_config.sh conventions."""
    return f"# CONFIG_{symbol} is not set" if value == "n" else f"CONFIG_{symbol}={value}"


@dataclass
class Group:
    title: str
    values: dict  # symbol → value, in emission order


@dataclass
class Plan:
    variant: str
    groups: list = field(default_factory=list)
    raw: list = field(default_factory=list)       # [(symbol, value, Located)]
    _seen: dict = field(default_factory=dict)     # symbol → Group that emits it

    def add(self, title: str, values: dict) -> None:
        """Add a group; a symbol already requested keeps its first place and the higher value
        (two device classes may both need USB, one as m, one as y)."""
        fresh = {}
        for symbol, value in values.items():
            owner = self._seen.get(symbol)
            if owner is None:
                fresh[symbol] = value
            elif _RANK.get(value, -1) > _RANK.get(owner.values[symbol], -1):
                owner.values[symbol] = value
        if fresh:
            group = Group(title, fresh)
            self.groups.append(group)
            for symbol in fresh:
                self._seen[symbol] = group

    @property
    def requested(self) -> dict:
        out = {s: v for g in self.groups for s, v in g.values.items()}
        out.update({s: v for s, v, _ in self.raw})
        return out

    def lines(self) -> list[tuple[str, list[str]]]:
        raw_symbols = {s for s, _, _ in self.raw}
        out = []
        for group in self.groups:
            body = [line(s, v) for s, v in group.values.items() if s not in raw_symbols]
            if body:
                out.append((group.title, body))
        if self.raw:
            out.append(("raw lines from the profile (raw alpine { kernel = [...] })",
                        [line(s, v) for s, v, _ in self.raw]))
        return out


def _table(ctx: Context) -> dict:
    return ctx.target.data["kconfig"]


def kept_classes(ctx: Context) -> list[str]:
    return [c for c in ctx.devices if ctx.target.devices.get(c)]


def plan(ctx: Context, variant: str) -> Plan:
    if variant not in VARIANTS:
        raise ValueError(variant)
    table = _table(ctx)
    minimal = variant == "minimal"
    p = Plan(variant)

    def vals(values: dict) -> dict:
        # A tinyconfig kernel loads no modules of its own: every tristate is built in.
        return {s: ("y" if minimal and v == "m" else v) for s, v in values.items()}

    if minimal:
        p.add("what every VM guest needs: 64-bit console, init, devtmpfs, PCI host, root file system",
              vals(table["minimal"]["core"]))
    kib = ctx.page_size_kib
    if str(kib) in table["page_size"]:  # anything else is refused by MS301/MS302 before emitting
        p.add(f"page size {kib}K (M-series CPUs: 4K and 16K granules only, never 64K)",
              table["page_size"][str(kib)])

    kept = kept_classes(ctx)
    devices = ctx.target.devices
    if any(c.startswith("virtio-") for c in kept):
        p.add("virtio transports (PCI and MMIO)", vals(devices["_virtio"]["kconfig"]))
    for cls in sorted(kept):
        p.add(f"device class {cls}", vals(devices[cls]["kconfig"]))
    if not minimal:
        off = {}
        for cls, entry in devices.items():
            if cls.startswith("_") or not entry or cls in kept:
                continue
            off.update(entry.get("off", {}))
        # A symbol a kept class needs stays on.
        off = {s: v for s, v in off.items() if s not in p._seen}
        p.add("device classes this VM does not have", dict(sorted(off.items())))

    crypto = table["crypto"]
    features = ctx.profile.chip.features if ctx.profile.chip else frozenset()
    if ctx.profile.get("kernel.crypto"):
        have = {f: v for f, v in crypto["features"].items() if f in features}
        lacking = {f: v for f, v in crypto["features"].items() if f not in features}
        on = dict(crypto["needs"]) if minimal else {}
        for f in sorted(have):
            on.update(have[f])
        p.add(f"ARMv8 crypto extensions of the {ctx.chip.name}: {', '.join(sorted(have))}", vals(on))
        if not minimal and lacking:
            p.add(f"crypto-extension drivers for features the {ctx.chip.name} lacks: "
                  f"{', '.join(sorted(lacking))}",
                  {s: "n" for f in sorted(lacking) for s in lacking[f]})
    elif not minimal:
        keep = set(crypto.get("keep_when_off", ()))
        p.add("ARMv8 crypto-extension drivers off (kernel.crypto = no)",
              {s: "n" for f in sorted(crypto["features"]) for s in crypto["features"][f] if s not in keep})

    debug = ctx.profile.get("kernel.debug")
    p.add(f"debugging {debug}" + (": the options that cost time and memory on every call" if debug == "off" else ""),
          table["debug"][debug])

    if ctx.profile.zfs_wanted:
        p.add("what the out-of-tree OpenZFS modules need", vals(table["zfs"]["values"]))

    for located, assignment in raw_assignments(ctx):
        p.raw.append((assignment.symbol, assignment.value, located))
    return p


def raw_assignments(ctx: Context) -> list:
    out = []
    for located in ctx.profile.raw.get("alpine", {}).get("kernel", ()):
        items = parse_config_lines(str(located.value))
        if len(items) == 1 and isinstance(items[0], Assignment):
            out.append((located, items[0]))
    return out


# --- checking ----------------------------------------------------------------------------

def value_fits(symbol_type: str | None, value: str) -> bool:
    """Whether a fragment value is valid for a Kconfig type (Kconfig ignores it otherwise)."""
    import re

    if value == "n":
        return True
    if symbol_type == "bool":
        return value == "y"
    if symbol_type == "tristate":
        return value in ("y", "m")
    if symbol_type == "int":
        return re.fullmatch(r"-?[0-9]+", value) is not None
    if symbol_type == "hex":
        return re.fullmatch(r"0[xX][0-9a-fA-F]+", value) is not None
    if symbol_type == "string":
        return value.startswith('"') and value.endswith('"') and len(value) >= 2
    return False


def check_raw_kernel(ctx: Context) -> list:
    """Raw Kconfig lines: readable, a symbol of this kernel series, a value of its type, one a
    user can set, and not one the table forbids or contradicts."""
    lines = ctx.profile.raw.get("alpine", {}).get("kernel", ())
    if not lines:
        return []
    db = db_for(ctx)
    table = _table(ctx)
    out = []
    intent = {}
    for variant in VARIANTS:
        p = plan(ctx, variant)
        p.raw = []
        intent.update(p.requested)
    for located in lines:
        text = str(located.value)
        items = parse_config_lines(text)
        if len(items) != 1 or isinstance(items[0], BadLine):
            out.append(diag(codes.BAD_RAW_LINE, located.span, f"not a Kconfig fragment line: {text!r}",
                            "write one `CONFIG_NAME=y|m|<number>|\"string\"` or `# CONFIG_NAME is not set` "
                            "per string; Kconfig ignores anything else without an error"))
            continue
        a = items[0]
        info = db.lookup(a.symbol)
        if info is None:
            matches = db.close_matches(a.symbol)
            out.append(diag(codes.UNKNOWN_SYMBOL, located.span,
                            f"Linux {db.kernel_series} has no Kconfig symbol {a.symbol} for {db.header.get('arch')}",
                            ("did you mean " + " or ".join(f"CONFIG_{m}" for m in matches) + "?") if matches
                            else "olddefconfig drops unknown symbols without an error"))
            continue
        if not value_fits(info.type, a.value):
            out.append(diag(codes.KCONFIG_BAD_VALUE, located.span,
                            f"CONFIG_{a.symbol} is a {info.type}: {a.value} is not a valid value",
                            _type_hint(info.type)))
            continue
        forbidden = table.get("forbidden", {}).get(a.symbol)
        if forbidden and a.value == forbidden["value"]:
            out.append(diag(registry()[forbidden["code"]], located.span,
                            f"CONFIG_{a.symbol}={a.value}: {forbidden['why']}"))
            continue
        if not info.has_prompt and a.value != "n":
            out.append(diag(codes.KCONFIG_NO_PROMPT, located.span,
                            f"CONFIG_{a.symbol} has no prompt in {db.kernel_series}: a fragment cannot set it",
                            "its value comes from `select` or a default; set the symbol that selects it"))
            continue
        wanted = intent.get(a.symbol)
        if wanted is not None and wanted != a.value:
            out.append(diag(codes.KCONFIG_RAW_OVERRIDES, located.span,
                            f"raw line sets CONFIG_{a.symbol}={a.value}, mscc's intent is {line(a.symbol, wanted)}",
                            "the raw line wins (it is merged last); drop it if that is not what you mean"))
    return out


def _type_hint(kind: str | None) -> str:
    return {
        "bool": "a bool takes y, or `# CONFIG_X is not set`",
        "tristate": "a tristate takes y or m, or `# CONFIG_X is not set`",
        "int": "an int takes a decimal number",
        "hex": "a hex symbol takes 0x… digits",
        "string": "a string value must be in double quotes",
    }.get(kind or "", "this symbol cannot be set from a fragment")


def table_symbols(target_data: dict) -> list[tuple[str, str, str]]:
    """Every (symbol, value, where) the table can emit, for the table test."""
    k = target_data["kconfig"]
    out = []
    for size, values in k["page_size"].items():
        out += [(s, v, f"page_size.{size}") for s, v in values.items()]
    out += [(s, v, "crypto.needs") for s, v in k["crypto"]["needs"].items()]
    for f, values in k["crypto"]["features"].items():
        out += [(s, v, f"crypto.{f}") for s, v in values.items()]
        out += [(s, "n", f"crypto.{f} (off)") for s in values]
    for level, values in k["debug"].items():
        if isinstance(values, dict):
            out += [(s, v, f"debug.{level}") for s, v in values.items()]
    out += [(s, v, "zfs") for s, v in k["zfs"]["values"].items()]
    out += [(s, v, "minimal.core") for s, v in k["minimal"]["core"].items()]
    for cls, entry in target_data["devices"].items():
        if not entry:
            continue
        out += [(s, v, f"devices.{cls}") for s, v in entry.get("kconfig", {}).items()]
        out += [(s, v, f"devices.{cls}.off") for s, v in entry.get("off", {}).items()]
    # the minimal variant builds every tristate in
    out += [(s, "y", w + " (minimal)") for s, v, w in list(out) if v == "m"]
    return out
