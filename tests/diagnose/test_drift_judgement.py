"""Drift judges the common value shapes without DeepDiff, and must say exactly what DeepDiff says."""

from __future__ import annotations

from typing import Any

import pytest
from deepdiff import DeepDiff

from tcremedy.diagnose.drift import _ConstraintOperator, _differs, at_least, one_of

CASES: list[tuple[Any, Any]] = [
    ("RUNNING", "RUNNING"),
    ("RUNNING", "STOPPED"),
    ("RUNNING", None),
    (0, 0),
    (0, False),  # a bool is not the integer the policy wants
    (3389, 3389.0),
    (True, 1),
    (["10.0.0.0/8"], ["10.0.0.0/8"]),
    (["10.0.0.0/8", "192.168.0.0/16"], ["192.168.0.0/16", "10.0.0.0/8"]),  # order is not drift
    (["10.0.0.0/8"], ["10.0.0.0/8", "10.0.0.0/8"]),  # nor a repetition
    (["10.0.0.0/8"], []),
    ([], ["sg rule 3"]),
    (at_least(5), 10),
    (at_least(5), 1),
    (at_least(5), None),
    (one_of((1, 2, None)), None),
    (one_of((1, 2, None)), 0),
]


@pytest.mark.parametrize(("want", "have"), CASES)
def test_direct_judgement_is_deepdiffs(want: Any, have: Any) -> None:
    diff = DeepDiff({"k": want}, {"k": have}, ignore_order=True, custom_operators=[_ConstraintOperator()])
    assert _differs(want, have) is bool(diff)


def test_other_shapes_are_left_to_deepdiff() -> None:
    assert _differs(["10.0.0.0/8"], ("10.0.0.0/8",)) is None
    assert _differs([1, 2], [2, 1]) is None
