"""``raise_bandwidth``: public outbound bandwidth up to the policy minimum, or above a saturated peak.

Saturation fixes never go beyond ``BANDWIDTH_CAP_MBPS`` without a human (cost; per-type caps), and
bandwidth billed in advance (BANDWIDTH_PREPAID) is left to a human: changing it needs dates and
charges the account.

Provider path: the adopted instance's ``internet_max_bandwidth_out`` (never lowered).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tcremedy.cloud.state import Instance
from tcremedy.remediate.fixes.base import (
    FIXES,
    Fix,
    FixResource,
    FixStep,
    ProviderProgram,
    StepInput,
    not_automatic,
)
from tcremedy.remediate.limits import BANDWIDTH_CAP_MBPS, Limits, whole

PREPAID_BANDWIDTH = "BANDWIDTH_PREPAID"
# The only charge types whose bandwidth the pulumi-tencentcloud provider adjusts (its Update refuses
# any other, tencentcloud/services/cvm/resource_tc_instance.go ~l.2297-2301); on both paths the
# others are a manual step, so the two backends behave the same.
ADJUSTABLE_CHARGE_TYPES = ("TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR", "BANDWIDTH_PACKAGE")


@FIXES.register
class RaiseBandwidth(Fix):
    name = "raise_bandwidth"
    closes = ("BANDWIDTH_ZERO", "BANDWIDTH_BELOW_POLICY", "BANDWIDTH_SATURATED")
    kind = "bandwidth"
    scope = "instance"
    provider_type = "tencentcloud:Instance/instance:Instance"  # the adopted instance's bandwidth input
    provider_adopts = True
    dynamic_type = "InstanceBandwidth"
    dynamic_provider = "tcremedy.remediate.sdk_instances:InstanceBandwidthProvider"
    dynamic_outputs = ("previous_mbps",)
    dynamic_order = 1
    noun = ("bandwidth limit", "bandwidth limits")
    verb = "to raise"
    stands_for_instance = True

    def steps(self, given: StepInput) -> list[FixStep]:
        policy, inst, f = given.policy, given.instance, given.finding
        iid, now = inst.instance_id, inst.internet_max_bandwidth_out
        minimum = policy.capacity.min_bandwidth_mbps
        target, why = minimum, f"raise public bandwidth from {now} to the policy minimum {minimum} Mbps"
        if f.code == "BANDWIDTH_SATURATED":
            peak = float(f.evidence.get("max_mbps", now))
            ceiling = float(f.evidence.get("ceiling_percent", policy.capacity.bandwidth_ceiling_percent))
            needed = math.floor(peak * 100 / ceiling) + 1  # smallest cap keeping the peak under the ceiling
            # Traffic never exceeds the cap, so a peak at the cap hides the real demand: at least double.
            wanted = max(minimum, needed, now * 2)
            target = min(wanted, max(BANDWIDTH_CAP_MBPS, now))
            why = (
                f"raise public bandwidth from {now} to {target} Mbps: peak {peak:g} Mbps is >= {ceiling:g}% "
                "of the "
                f"cap; {needed} Mbps keeps it under, doubled because traffic is clipped at the cap"
            )
            if target < wanted:
                why += f" (capped at {BANDWIDTH_CAP_MBPS} Mbps; raise further by hand if needed)"
        params = {"instance_id": iid, "region": inst.region, "target_mbps": target}
        res = FixResource(self.kind, f"bandwidth-{iid}", self.name, iid, params)
        step = self.auto(given, res, why[0].upper() + why[1:] + ".")
        if inst.internet_charge_type == PREPAID_BANDWIDTH and step.auto:
            return [
                not_automatic(
                    step,
                    "Bandwidth is prepaid (BANDWIDTH_PREPAID): changing it "
                    "needs a start/end date and charges the account; adjust it in the console.",
                )
            ]
        if inst.internet_charge_type not in ADJUSTABLE_CHARGE_TYPES and step.auto:
            charge = inst.internet_charge_type or "none reported"
            return [
                not_automatic(
                    step,
                    f"Bandwidth charge type {charge} cannot be raised as code (only "
                    f"{', '.join(ADJUSTABLE_CHARGE_TYPES)} can); raise it to {target} Mbps in the console "
                    "(CVM > Adjust network).",
                )
            ]
        if target <= now:
            return [
                not_automatic(
                    step,
                    f"Bandwidth is already at the {BANDWIDTH_CAP_MBPS} Mbps "
                    "cap tcremedy raises to; find the traffic over the VNC console.",
                )
            ]
        return [step]

    def violations(self, params: Mapping[str, Any], limits: Limits) -> list[str]:
        target = whole(params.get("target_mbps"))
        if target is None or not 0 < target <= limits.bandwidth_cap:
            return [f"target_mbps {params.get('target_mbps')!r} is not between 1 and {limits.bandwidth_cap}"]
        return []

    def provider_inputs(self, program: ProviderProgram, res: FixResource, inst: Instance) -> dict[str, Any]:
        target = int(res.params["target_mbps"])
        return {"internet_max_bandwidth_out": max(target, inst.internet_max_bandwidth_out)}  # never lowered
