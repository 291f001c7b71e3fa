"""Every fixable scenario on the provider path: plan -> apply -> plan clean, a second apply changes
nothing (real engine, real pulumi_tencentcloud SDK, stand-in plugin, emulator)."""

from __future__ import annotations

import pytest
from provider_harness import apply, tc

from tcremedy.emulator.testing import start_emulator

pytestmark = pytest.mark.engine

SCENARIOS = [
    "sg-missing-rdp",
    "sg-drop-before-accept",
    "acl-blocks-rdp",
    "bandwidth-zero",
    "instance-stopped",
    "guest-rdp-disabled",
    "guest-port-changed",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixable_scenario_converges_on_the_provider_path(scenario, tmp_path):
    with start_emulator(scenario=scenario, transition_seconds=0.05) as emu:
        assert tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q").returncode == 2
        first = apply(emu, tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "path: tencentcloud-provider (forced by --path provider" in first.stdout
        assert "closed" in first.stdout and "STILL OPEN" not in first.stdout
        after = tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q")
        assert after.returncode == 0, after.stdout
        again = apply(emu, tmp_path)
        assert again.returncode == 0 and "Preview: no changes." in again.stdout, again.stdout + again.stderr
