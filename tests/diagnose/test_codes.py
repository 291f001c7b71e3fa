"""The code table is the one home of the finding codes: order, titles, layers, manual text, docs."""

from __future__ import annotations

from pathlib import Path

from tcremedy.diagnose import chain, findings
from tcremedy.diagnose.checks import CHECKS
from tcremedy.diagnose.codes import CAUSAL_ORDER, CODES, LAYERS, manual_text, readme_table

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_lists_exactly_the_code_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "README out of date: python -m tcremedy.diagnose.codes"


def test_every_code_has_one_row_a_check_a_title_and_a_layer() -> None:
    assert len(set(CAUSAL_ORDER)) == len(CODES)
    assert set(CHECKS.names()) == set(CAUSAL_ORDER)
    assert all(c.title and c.doc and c.layer in LAYERS for c in CODES)
    assert findings.CAUSAL_ORDER is CAUSAL_ORDER  # derived, not copied
    assert {c.code for c in CODES if c.layer == "guest"} == chain.GUEST_CODES


def test_manual_text_fills_what_it_knows_and_never_fails_on_what_it_does_not() -> None:
    assert "TCP/3390" in manual_text("ACL_BLOCKS_RDP", port=3390)
    assert "(?)" in manual_text("INSTANCE_ISOLATED")  # a value not given: a visible placeholder
    assert "No fix as code" in manual_text("SG_BLOCKS_RDP")
