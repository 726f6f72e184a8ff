"""The typed model the checker and the emitters read: one resolved profile, every value
with the span it came from (which may be in a base profile or an included file)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mscc.record import Record
from mscc.source import Span


class Located(Record):
    value: object
    span: Span
    text: str | None = None  # how the user wrote it, e.g. "50% of vm.memory"


class Chip(Record):
    id: str
    name: str
    generation: int
    variant: str
    core_counts: tuple  # total cores of each configuration sold
    memory_gb: tuple
    memory_complete: bool
    memory_min: int | None
    memory_max: int | None
    features: frozenset
    granules_kib: tuple
    nested_virt: bool
    isa: dict
    facts: dict  # the raw entry, for `mscc hardware show`


@dataclass
class Dataset:
    name: str
    span: Span
    props: dict = field(default_factory=dict)  # prop → Located


@dataclass
class Profile:
    name: str
    span: Span
    settings: dict = field(default_factory=dict)   # "vm.cpus" → Located
    defaults: dict = field(default_factory=dict)   # "vm.cpus" → default value
    datasets: list = field(default_factory=list)
    tunables: dict = field(default_factory=dict)   # name → Located
    raw: dict = field(default_factory=dict)        # target → kind → [Located]
    raw_spans: dict = field(default_factory=dict)  # target → Span of the raw block
    block_spans: dict = field(default_factory=dict)  # "zfs" → Span of the block that set it
    chip: Chip | None = None

    def get(self, key: str):
        if key in self.settings:
            return self.settings[key].value
        return self.defaults.get(key)

    def has(self, key: str) -> bool:
        return key in self.settings

    def where(self, key: str) -> Span:
        located = self.settings.get(key)
        return located.span if located else self.span_of_block(key.split(".")[0])

    def span_of_block(self, block: str) -> Span:
        return self.block_spans.get(block, self.span)

    def text(self, key: str) -> str:
        located = self.settings.get(key)
        if located is None:
            return str(self.defaults.get(key))
        return located.text or str(located.value)

    @property
    def zfs_wanted(self) -> bool:
        return self.has_block("zfs") and bool(self.get("zfs.enabled"))

    def has_block(self, block: str) -> bool:
        return block in self.block_spans
