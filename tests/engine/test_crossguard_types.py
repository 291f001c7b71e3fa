"""Issue 14 item 4: CrossGuard covers every resource type that can open RDP or starve it.

ONE real preview (real engine, real pulumi-tencentcloud SDK classes, the stand-in plugin for
Check, tcremedy's own dynamic resources, the pack enabled, a local cloud holding templates that
the program names by id) of the whole table in ``guard_table``: one compliant and one
non-compliant declaration per type or form; the pack must refuse exactly the non-compliant ones.
"""

from __future__ import annotations

import pytest
from guard_table import ROWS, misses, preview_table

pytestmark = pytest.mark.engine


def test_the_pack_refuses_exactly_the_non_compliant_declaration_of_every_type(tmp_path):
    violations = preview_table(tmp_path)
    assert misses(violations) == []
    assert set(violations) == {f"{row.slug}-bad" for row in ROWS}
    # what the user reads names the reason
    assert any("whole internet (::/0)" in m for m in violations["sg-rule-v6-bad"])
    assert any("cannot be resolved" in m for m in violations["sg-rule-cloud-bad"])
    assert any("below the policy minimum 5 Mbps" in m for m in violations["bwp-bad"])
    assert any("admits RDP (port 3389) from 192.0.2.1/32" in m for m in violations["sg-rule-ipmg-bad"])
