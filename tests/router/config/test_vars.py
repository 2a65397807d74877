"""``$VAR`` references: one pattern, found, checked and expanded."""

from __future__ import annotations

from ccrouter.config.vars import interpolate, is_reference, referenced_vars, unset_vars


def test_references_are_found_in_both_spellings() -> None:
    assert referenced_vars("$A and ${B-C} but not $1") == ["A", "B-C"]
    assert is_reference("$OPENROUTER_API_KEY") and is_reference("${X}")
    assert not is_reference("sk-$X") and not is_reference("plain")


def test_unset_vars_names_only_the_missing_ones() -> None:
    assert unset_vars("$SET-$UNSET", {"SET": "1"}) == ["UNSET"]


def test_interpolate_expands_known_and_keeps_unknown() -> None:
    value = {"a": ["$A", "${B}x"], "n": 3, "c": "$C"}
    assert interpolate(value, {"A": "1", "B": "2"}) == {"a": ["1", "2x"], "n": 3, "c": "$C"}
