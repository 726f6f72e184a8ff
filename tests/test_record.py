"""mscc.record.Record behaves like the frozen dataclass it replaces for the syntax tree (and
for the other small value types that every start-up defines)."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError

import pytest

from mscc.parse import ast
from mscc.record import Record
from mscc.source import Span

SPAN = Span("a.msk", 1, 1, 1, 2)


class Pair(Record):
    left: int
    right: str


class Triple(Pair):
    extra: float


def test_fields_are_the_annotations_in_order_with_inherited_ones_first():
    assert Pair._fields == Pair.__match_args__ == ("left", "right")
    assert Triple._fields == ("left", "right", "extra")
    assert ast.Block._fields == ("kind", "kind_span", "label", "label_span", "entries", "span")


def test_construction_positional_and_by_keyword():
    assert Pair(1, "a") == Pair(left=1, right="a") == Pair(1, right="a")
    assert Triple(1, "a", 2.0).extra == 2.0


@pytest.mark.parametrize("make", [
    lambda: Pair(1),
    lambda: Pair(1, "a", 3),
    lambda: Pair(1, "a", left=2),
    lambda: Pair(1, "a", spam=3),
    lambda: Pair(right="a"),
])
def test_wrong_arguments_are_a_type_error(make):
    with pytest.raises(TypeError):
        make()


def test_equality_and_hash_by_value_and_type():
    assert ast.Int(3, SPAN) == ast.Int(3, SPAN)
    assert hash(ast.Int(3, SPAN)) == hash(ast.Int(3, SPAN))
    assert ast.Int(3, SPAN) != ast.Int(4, SPAN)
    # same fields, another node type: never equal (a tuple-based record would say they are)
    assert ast.Str("x", SPAN) != ast.Word("x", SPAN)
    assert Pair(1, "a") != (1, "a")
    assert len({ast.Word("x", SPAN), ast.Word("x", SPAN)}) == 1


def test_immutable():
    node = ast.Word("x", SPAN)
    with pytest.raises(FrozenInstanceError):
        node.value = "y"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del node.value  # type: ignore[misc]


def test_repr_reads_like_a_dataclass():
    assert repr(Pair(1, "a")) == "Pair(left=1, right='a')"


def test_match_patterns():
    match ast.Size(1024, "1K", SPAN):
        case ast.Size(size, text, _):
            assert (size, text) == (1024, "1K")
        case _:
            pytest.fail("positional pattern did not match")
    match ast.Word("yes", SPAN):
        case ast.Word(value=value):
            assert value == "yes"


def test_copy_and_pickle_round_trip():
    node = ast.List((ast.Int(1, SPAN),), SPAN)
    assert copy.deepcopy(node) == node
    assert pickle.loads(pickle.dumps(node)) == node


class Spot(Record, order=True):
    file: str
    line: int = 1


def test_defaults_fill_what_is_not_given():
    assert Spot("a") == Spot("a", 1) == Spot(file="a")
    assert Spot("a", line=3).line == 3


def test_order_by_the_fields_in_order_only_when_asked_for():
    assert sorted([Spot("b", 1), Spot("a", 9), Spot("a", 2)]) == [Spot("a", 2), Spot("a", 9), Spot("b", 1)]
    assert Span("a", 1, 1, 1, 2) < Span("a", 2, 1, 2, 2)
    with pytest.raises(TypeError):
        _ = Pair(1, "a") < Pair(2, "a")  # type: ignore[operator]


def test_a_mutable_default_or_a_required_field_after_a_default_is_refused():
    with pytest.raises(ValueError, match="mutable default"):
        class Shared(Record):
            items: list = []  # noqa: RUF012

    with pytest.raises(TypeError, match="without a default"):
        class Backwards(Record):
            first: int = 0
            second: int
