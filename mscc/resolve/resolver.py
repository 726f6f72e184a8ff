"""Profiles → resolved model: validate names and value types against the language table,
apply `extends`, fill defaults, turn percentages into bytes and chip ids into chips."""

from __future__ import annotations

from dataclasses import dataclass, field

from mscc import codes
from mscc import language as lang
from mscc.diagnostics import diag
from mscc.model import Dataset, Located, Profile
from mscc.parse import ast
from mscc.knowledge import hardware
from mscc.resolve.loader import Program
from mscc.suggest import did_you_mean
from mscc.units import format_size


@dataclass(eq=False)
class _Layer:
    """What one profile body says by itself, before inheritance."""

    settings: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)  # name → Dataset
    tunables: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    raw_spans: dict = field(default_factory=dict)
    block_spans: dict = field(default_factory=dict)


def resolve(program: Program) -> tuple[list[Profile], list]:
    diagnostics: list = []
    by_name: dict[str, ast.Profile] = {}
    for module in program.modules:
        for prof in module.profiles:
            if prof.name in by_name:
                first = by_name[prof.name]
                diagnostics.append(diag(codes.DUPLICATE_PROFILE, prof.name_span,
                                        f"profile '{prof.name}' is already defined at {first.name_span}",
                                        "rename one of them"))
                continue
            by_name[prof.name] = prof
    layers = {name: _layer(prof, diagnostics) for name, prof in by_name.items()}
    merged: dict[str, _Layer] = {}
    profiles = []
    for name, prof in by_name.items():
        layer = _merged(name, by_name, layers, merged, diagnostics, stack=[])
        if prof.is_template or layer is None:
            continue
        profiles.append(_typed(prof, layer, diagnostics))
    if not by_name and program.modules and not program.diagnostics:
        from mscc.source import Span
        diagnostics.append(diag(codes.NO_PROFILES, Span.point(program.modules[-1].path),
                                "no profile in this file", "add `profile NAME { ... }`"))
    return profiles, diagnostics


# --- one profile body -------------------------------------------------------------------

def _layer(prof: ast.Profile, diagnostics: list) -> _Layer:
    layer = _Layer()
    for entry in prof.entries:
        if isinstance(entry, ast.Setting):
            diagnostics.append(diag(codes.UNKNOWN_SETTING, entry.key_span,
                                    f"'{entry.key}' must be inside a block",
                                    "settings live in blocks: " + ", ".join(lang.TOP_LEVEL)))
            continue
        _block(entry, lang.TOP_LEVEL, "", layer, diagnostics)
    return layer


def _block(block: ast.Block, allowed, prefix: str, layer: _Layer, diagnostics: list) -> None:
    section = lang.SECTIONS.get(block.kind)
    if section is None or block.kind not in allowed:
        hint = did_you_mean(block.kind, allowed) or "blocks here: " + ", ".join(allowed)
        diagnostics.append(diag(codes.UNKNOWN_SECTION, block.kind_span, f"unknown block '{block.kind}'", hint))
        return
    if section.label and block.label is None:
        diagnostics.append(diag(codes.MISSING_SETTING, block.kind_span,
                                f"'{block.kind}' needs a label: the {section.label}",
                                f'write `{block.kind} "..." {{ ... }}`'))
        return
    if not section.label and block.label is not None:
        diagnostics.append(diag(codes.BAD_VALUE, block.label_span or block.kind_span, f"'{block.kind}' takes no label"))
        return
    # A block that takes a label has one from here on (checked above).
    label, label_span = block.label or "", block.label_span or block.kind_span
    key_prefix = f"{prefix}{block.kind}."
    layer.block_spans.setdefault(block.kind, block.span)
    if block.kind == "raw" and label not in lang.TARGETS:
        diagnostics.append(diag(codes.RAW_TARGET, label_span, f"no target named '{label}'",
                                did_you_mean(label, lang.TARGETS) or "targets: " + ", ".join(lang.TARGETS)))
        return
    seen: dict[str, ast.Setting] = {}
    for entry in block.entries:
        if isinstance(entry, ast.Block):
            _block(entry, section.children, key_prefix, layer, diagnostics)
            continue
        if entry.key in seen:
            diagnostics.append(diag(codes.DUPLICATE_SETTING, entry.key_span,
                                    f"'{entry.key}' is already set at {seen[entry.key].key_span}",
                                    "keep one of them"))
            continue
        seen[entry.key] = entry
        if section.free_keys is not None:
            if _check_kind(entry, section.free_keys, diagnostics):
                layer.tunables[entry.key] = Located(_plain(entry.value), entry.span, ast.describe(entry.value))
            continue
        spec = section.settings.get(entry.key)
        if spec is None:
            hint = did_you_mean(entry.key, section.settings) or "settings here: " + ", ".join(section.settings)
            diagnostics.append(diag(codes.UNKNOWN_SETTING, entry.key_span,
                                    f"'{block.kind}' has no setting '{entry.key}'", hint))
            continue
        if not _check_kind(entry, spec.kind, diagnostics):
            continue
        located = Located(_plain(entry.value, spec.kind), entry.value.span, ast.describe(entry.value))
        if block.kind == "dataset":
            ds = layer.datasets.setdefault(label, Dataset(label, label_span))
            ds.props[entry.key] = located
        elif block.kind == "raw":
            # A second `raw TARGET` block adds its lines to the first one's.
            layer.raw.setdefault(label, {}).setdefault(entry.key, []).extend(
                Located(item.value, item.span) for item in entry.value.items)
            layer.raw_spans[label] = block.span
        else:
            layer.settings[f"{prefix}{block.kind}.{entry.key}"] = located


def _check_kind(entry: ast.Setting, kind: lang.Kind, diagnostics: list) -> bool:
    unknown = _unknown_device_class(entry.value, kind)
    if unknown is not None:
        diagnostics.append(diag(codes.UNKNOWN_DEVICE_CLASS, unknown.span,
                                f"{entry.key}: '{unknown.value}' is not a device class mscc knows"
                                + _hint_suffix(unknown.value, lang.DEVICE_CLASSES),
                                "device classes: " + ", ".join(lang.DEVICE_CLASSES)))
        return False
    problem = _mismatch(entry.value, kind)
    if problem:
        diagnostics.append(diag(codes.BAD_VALUE, entry.value.span, f"{entry.key}: {problem}"))
        return False
    return True


def _unknown_device_class(value: ast.Value, kind: lang.Kind) -> ast.Word | None:
    """The first word of a device-class list that names no class (MS304, not a generic MS103:
    its span is the word itself, and its hint lists the classes)."""
    if kind.item is None or kind.item.choices != lang.DEVICE_CLASSES or not isinstance(value, ast.List):
        return None
    return next((item for item in value.items
                 if isinstance(item, ast.Word) and item.value not in lang.DEVICE_CLASSES), None)


def _mismatch(value: ast.Value, kind: lang.Kind) -> str | None:
    if not isinstance(value, kind.nodes):
        return f"expected {kind.name}, got {ast.describe(value)}"
    if isinstance(value, ast.Word) and kind.choices and kind.nodes == (ast.Word,) and value.value not in kind.choices:
        return f"'{value.value}' is not {kind.name}" + _hint_suffix(value.value, kind.choices)
    if isinstance(value, ast.Word) and kind.choices and len(kind.nodes) > 1 and value.value not in kind.choices:
        return f"'{value.value}' is not {kind.name}" + _hint_suffix(value.value, kind.choices)
    if isinstance(value, ast.Int) and kind.low is not None and kind.high is not None \
            and not kind.low <= value.value <= kind.high:
        return f"{value.value} is not {kind.name}"
    if isinstance(value, ast.Size) and kind.low is not None and value.bytes < kind.low:
        return f"{value.text} is less than the {format_size(kind.low)} a VM needs at the least"
    if isinstance(value, ast.Percent):
        if value.base not in kind.bases:
            return f"a percentage of {value.base} is not allowed here; use a percentage of {' or '.join(kind.bases)}"
        if not 0 < value.value <= 100:
            return f"{value.text}: a percentage must be above 0 and at most 100"
    if isinstance(value, ast.List) and kind.item is not None:
        for item in value.items:
            problem = _mismatch(item, kind.item)
            if problem:
                return problem
    return None


def _hint_suffix(word: str, choices) -> str:
    hint = did_you_mean(word, choices)
    return f" ({hint})" if hint else ""


def _plain(value: ast.Value, kind: lang.Kind | None = None):
    match value:
        case ast.Size(bytes=b):
            return b
        case ast.Int(value=v) | ast.Str(value=v):
            return v
        case ast.Word(value=v):
            if kind is not None and kind.choices == tuple(lang.BOOL_WORDS):
                return lang.BOOL_WORDS[v]
            return v
        case ast.Percent():
            return value  # resolved to bytes once the base is known
        case ast.List(items=items):
            return tuple(_plain(i, kind.item if kind else None) for i in items)
    return None


# --- inheritance ------------------------------------------------------------------------

# `extends` chains are resolved recursively; a chain longer than this is refused.
MAX_EXTENDS_DEPTH = 32


def _merged(name, by_name, layers, merged, diagnostics, stack) -> _Layer | None:
    if name in merged:
        return merged[name]
    prof = by_name[name]
    out = _Layer()
    if len(stack) >= MAX_EXTENDS_DEPTH:
        diagnostics.append(diag(codes.TOO_DEEP, prof.name_span,
                                f"profiles extend each other more than {MAX_EXTENDS_DEPTH} levels deep",
                                "flatten the chain of templates"))
        return None
    stack.append(name)
    for parent, span in prof.extends:
        if parent not in by_name:
            diagnostics.append(diag(codes.UNKNOWN_PROFILE, span, f"no profile named '{parent}'",
                                    did_you_mean(parent, by_name)))
            continue
        if parent in stack:
            chain = " → ".join(stack[stack.index(parent):] + [parent])
            diagnostics.append(diag(codes.EXTENDS_CYCLE, span, f"profiles extend each other: {chain}"))
            stack.pop()
            return None
        base = _merged(parent, by_name, layers, merged, diagnostics, stack)
        if base is not None:
            _overlay(out, base)
    stack.pop()
    _overlay(out, layers[name])
    merged[name] = out
    return out


def _overlay(into: _Layer, top: _Layer) -> None:
    into.settings.update(top.settings)
    into.tunables.update(top.tunables)
    into.block_spans.update(top.block_spans)
    into.raw_spans.update(top.raw_spans)
    for name, ds in top.datasets.items():
        have = into.datasets.setdefault(name, Dataset(name, ds.span))
        have.props.update(ds.props)
    for target, kinds in top.raw.items():
        dest = into.raw.setdefault(target, {})
        for kind, lines in kinds.items():
            dest[kind] = dest.get(kind, []) + lines


# --- typed profile ----------------------------------------------------------------------

def _typed(prof: ast.Profile, layer: _Layer, diagnostics: list) -> Profile:
    defaults = {}
    for kind in lang.TOP_LEVEL:
        for key, spec in lang.SECTIONS[kind].settings.items():
            defaults[f"{kind}.{key}"] = spec.default
    out = Profile(prof.name, prof.name_span, dict(layer.settings), defaults,
                  sorted(layer.datasets.values(), key=lambda d: d.name), dict(layer.tunables),
                  layer.raw, layer.raw_spans, layer.block_spans)
    for kind in ("hardware",):
        for key, spec in lang.SECTIONS[kind].settings.items():
            if spec.required and f"{kind}.{key}" not in out.settings:
                where = out.span_of_block(kind)
                diagnostics.append(diag(codes.MISSING_SETTING, where,
                                        f"profile '{prof.name}' does not say its {kind}.{key}",
                                        f"add `{kind} {{ {key} = ... }}`"))
    _resolve_percentages(out, diagnostics)
    _resolve_chip(out, diagnostics)
    if isinstance(out.get("kernel.page_size"), int) is False and out.get("kernel.page_size") != "auto":
        pass
    return out


def _resolve_percentages(profile: Profile, diagnostics: list) -> None:
    order = ["vm.memory", "zfs.arc_max", "zfs.arc_min"]
    bases = {"host.memory": "hardware.memory", "vm.memory": "vm.memory"}
    for key in order:
        located = profile.settings.get(key)
        if located is None or not isinstance(located.value, ast.Percent):
            continue
        pct = located.value
        base_value = profile.get(bases[pct.base])
        if not isinstance(base_value, int):
            diagnostics.append(diag(codes.BAD_PERCENT_BASE, pct.span,
                                    f"{pct.text}: {pct.base} is not known for this profile"))
            profile.settings.pop(key)
            continue
        amount = int(base_value * pct.value / 100)
        low = _setting_kind(key).low
        if low is not None and amount < low:
            diagnostics.append(diag(codes.BAD_VALUE, pct.span,
                                    f"{pct.text} is {amount} bytes, less than the {format_size(low)} a VM needs"))
            profile.settings.pop(key)
            continue
        profile.settings[key] = Located(amount, located.span, pct.text)


def _setting_kind(key: str) -> lang.Kind:
    block, name = key.split(".", 1)
    return lang.SECTIONS[block].settings[name].kind


def _resolve_chip(profile: Profile, diagnostics: list) -> None:
    located = profile.settings.get("hardware.chip")
    if located is None:
        return
    chips = hardware.chips()
    chip = chips.get(located.value)
    if chip is None:
        note = hardware.not_sold().get(located.value)
        if note:
            message = f"Apple never sold an '{located.value}'"
            hint = note.get("note") if isinstance(note, dict) else None
        else:
            message = f"unknown chip '{located.value}'"
            hint = did_you_mean(located.value, chips) or "see `mscc hardware list`"
        diagnostics.append(diag(codes.UNKNOWN_CHIP, located.span, message, hint))
        return
    profile.chip = chip
