"""Diagnosis results: plain frozen data that reports, the planner and CI gates consume.

Entry point (``tcremedy.diagnose.engine``)::

    diagnose(policy: Policy, state: LiveState) -> FleetDiagnosis
    diagnose_instance(policy: Policy, instance: Instance, state: LiveState) -> InstanceDiagnosis

Both are pure and deterministic (instances sorted by id, findings by causal rank).

Evidence keys that other parts rely on (all JSON-ready):

* ``SG_BLOCKS_RDP``: ``port`` (int), ``not_admitted`` (CIDRs of admin ranges that are denied;
  the sg_allow_rdp fix opens exactly these), ``verdicts`` (per admin CIDR, see ``ReachVerdict``).
* ``ACL_BLOCKS_RDP``: ``network_acl_id``, ``port``, ``inbound`` / ``outbound`` verdicts.
* ``BANDWIDTH_*``: ``internet_max_bandwidth_out``, ``min_bandwidth_mbps``; saturation adds
  ``max_mbps``, ``threshold_mbps``, ``ceiling_percent``, ``window_seconds``, ``samples``,
  ``series`` (the window's samples of the peak metric, oldest first).
* ``CPU_SATURATED`` / ``MEMORY_SATURATED``: ``metric``, ``max``, ``threshold``, ``window_seconds``,
  ``samples``, ``series``.
* ``GUEST_RDP_PORT_CHANGED``: ``rdp_port``, ``tds_port``, ``policy_port``.
* Any ``UNKNOWN`` finding: ``reason`` (why the check could not be made).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tcremedy.cloud.state import CollectionGap
from tcremedy.diagnose.findings import Finding, Status

# ---------------------------------------------------------------- reachability verdicts


class Access(StrEnum):
    """The outcome for one address (and port) range."""

    ALLOW = "allow"
    DENY = "deny"
    UNKNOWN = "unknown"  # an unresolvable rule (template, missing group) might decide it


class Coverage(StrEnum):
    """The outcome for a whole source CIDR: all of it, none of it, part of it, or not knowable."""

    ALL = "all"  # every address admitted
    NONE = "none"  # every address denied
    PARTIAL = "partial"  # some admitted, some denied, nothing unknown
    UNKNOWN = "unknown"  # some part is unknown


@dataclass(frozen=True)
class RuleRef:
    """The rule that decided a range: a security-group rule, an ACL entry, or the default deny."""

    kind: str  # "security_group" | "network_acl" | "default_deny" | "no_acl"
    resource_id: str = ""  # sg-... / acl-...
    direction: str = ""  # "ingress" | "egress"
    index: int | None = None  # PolicyIndex (security groups) / position in entry order (ACLs)
    action: str = ""  # ACCEPT | DROP | "" (default deny: DROP)
    rule: dict[str, Any] = field(default_factory=dict)  # the rule's own fields, as collected
    text: str = ""  # one-line human description

    @property
    def is_default(self) -> bool:
        return self.kind == "default_deny"


@dataclass(frozen=True)
class RangeVerdict:
    """One piece of the question's address x port space and what decided it."""

    cidrs: tuple[str, ...]  # the addresses, as a minimal list of CIDRs
    ports: str  # "3389" or "49152-65535" (possibly a sub-range)
    access: Access
    decided_by: RuleRef
    uncertain_because: tuple[RuleRef, ...] = ()  # unresolvable rules that might have matched first


@dataclass(frozen=True)
class ReachVerdict:
    """Is every address of ``source`` admitted to TCP ``ports`` through ``layer``?"""

    layer: str  # "security_groups" | "network_acl.ingress" | "network_acl.egress"
    source: str  # the admin CIDR asked about
    ports: str
    coverage: Coverage
    parts: tuple[RangeVerdict, ...]

    def cidrs_with(self, access: Access) -> tuple[str, ...]:
        return tuple(c for p in self.parts if p.access is access for c in p.cidrs)


# ---------------------------------------------------------------- per instance / fleet


@dataclass(frozen=True)
class DriftItem:
    """One attribute whose live value differs from the policy's desired value."""

    path: str  # e.g. "internet_max_bandwidth_out", "security_groups.ingress[tcp/3389]"
    desired: Any  # plain value or constraint text (">=5", "one of [1, 2, absent]")
    live: Any


@dataclass(frozen=True)
class MaskedCheck:
    """A check that could not be made because an earlier cause hides it (not a pass)."""

    code: str
    masked_by: str  # the code of the masking finding
    reason: str


@dataclass(frozen=True)
class WaivedFinding:
    """A finding the policy accepts for now (``waivers[index]``): reported, never failing, never fixed."""

    finding: Finding
    waiver: int  # index in the policy's ``waivers``
    reason: str
    expires: str  # ISO date


@dataclass(frozen=True)
class InstanceDiagnosis:
    instance_id: str
    name: str
    region: str
    root_cause: Finding | None  # lowest-rank FAIL; None when nothing FAILs (see ``unknowns``)
    findings: tuple[Finding, ...]  # root cause first, then by causal rank (FAIL before UNKNOWN)
    compliant: bool  # no FAIL and no UNKNOWN finding (an unmakeable check is not a pass)
    drift: tuple[DriftItem, ...] = ()
    masked: tuple[MaskedCheck, ...] = ()
    waived: tuple[WaivedFinding, ...] = ()  # findings a live waiver accepts (not in ``findings``)
    policy: str = ""  # name of the policy that judged it (several with ``--policy DIR``)

    @property
    def contributing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f is not self.root_cause and f.status is Status.FAIL)

    @property
    def unknowns(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.UNKNOWN)


@dataclass(frozen=True)
class FleetSummary:
    selected: int
    compliant: int
    failing: int  # at least one FAIL finding
    unknown: int  # no FAIL, at least one UNKNOWN
    by_code: dict[str, int] = field(default_factory=dict)  # every finding, by code
    root_causes: dict[str, int] = field(default_factory=dict)
    waived: int = 0  # waived findings


@dataclass(frozen=True)
class FleetGap:
    """A collection gap and the selected instances it leaves (partly) unknown (none: it belongs to
    no selected instance)."""

    gap: CollectionGap
    instance_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FleetDiagnosis:
    policy_name: str
    region: str
    instances: tuple[InstanceDiagnosis, ...]  # sorted by instance_id
    skipped: int  # instances in the state that the policy's selector did not select
    summary: FleetSummary
    unattributed_gaps: tuple[CollectionGap, ...] = ()  # gaps not tied to a selected instance's resources
    gaps: tuple[FleetGap, ...] = ()  # every gap, with the selected instances it affects
    expired_waivers: tuple[str, ...] = ()  # one message per waiver past its date: the gate fails
    # Several regions in one run (``merge_regions``): each region's own diagnosis, sorted by region;
    # empty for a one-region fleet (which is its own only part, see ``region_parts``).
    parts: tuple[FleetDiagnosis, ...] = ()

    @property
    def region_parts(self) -> tuple[FleetDiagnosis, ...]:
        """The per-region diagnoses the fleet is made of (itself alone for one region)."""
        return self.parts or (self,)

    @property
    def compliant(self) -> bool:
        return all(d.compliant for d in self.instances) and not self.expired_waivers
