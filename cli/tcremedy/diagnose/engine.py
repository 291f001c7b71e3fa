"""Diagnosis entry points: policy + live state in, diagnosis out. Pure and deterministic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime

from tcremedy.cloud.state import CollectionGap, Instance, LiveState
from tcremedy.diagnose.chain import build_chain
from tcremedy.diagnose.checks import CHECKS
from tcremedy.diagnose.context import Context
from tcremedy.diagnose.drift import drift
from tcremedy.diagnose.findings import CAUSAL_ORDER, Finding, Status
from tcremedy.diagnose.model import (
    FleetDiagnosis,
    FleetGap,
    FleetSummary,
    InstanceDiagnosis,
    WaivedFinding,
)
from tcremedy.policy.model import Policy
from tcremedy.policy.selector import selects
from tcremedy.policy.waivers import is_expired, label, waiver_for


def collection_day(state: LiveState) -> date:
    """The day waivers are judged on: the state's collection date (UTC), so a saved state replays."""
    try:
        return datetime.fromisoformat(state.collected_at.replace("Z", "+00:00")).astimezone(UTC).date()
    except ValueError:
        return date.min  # no usable time: no waiver counts as expired


def _waive(
    policy: Policy, instance: Instance, findings: list[Finding], today: date
) -> tuple[list[Finding], tuple[WaivedFinding, ...]]:
    """Split off the findings a live waiver accepts (an expired one accepts nothing)."""
    if not policy.waivers:
        return findings, ()
    kept, waived = [], []
    for finding in findings:
        hit = waiver_for(policy, instance, finding.code, today)
        if hit is None or hit[1]:
            kept.append(finding)
            continue
        waiver = policy.waivers[hit[0]]
        waived.append(WaivedFinding(finding, hit[0], waiver.reason, waiver.expires))
    return kept, tuple(waived)


def diagnose_instance(
    policy: Policy,
    instance: Instance,
    state: LiveState,
    ctx: Context | None = None,
    today: date | None = None,
) -> InstanceDiagnosis:
    """Run every registered check on one instance and order the findings into a causal chain.

    ``ctx`` (made by ``diagnose`` for the whole fleet) shares reachability verdicts between
    instances; without one, the instance gets its own.
    """
    ctx = ctx or Context(state)
    findings = [f for check in CHECKS for f in check.assess(policy, instance, ctx)]
    findings, waived = _waive(policy, instance, findings, today or collection_day(state))
    chain = build_chain(findings)
    return InstanceDiagnosis(
        instance_id=instance.instance_id,
        name=instance.name,
        region=instance.region,
        root_cause=chain.root_cause,
        findings=chain.findings,
        compliant=not chain.findings,
        drift=drift(policy, instance, state, ctx),
        masked=chain.masked,
        waived=waived,
        policy=policy.name,
    )


def diagnose(policy: Policy, state: LiveState) -> FleetDiagnosis:
    """Diagnose every instance the policy selects; the rest are counted as skipped."""
    selected = [
        state.instances[i] for i in sorted(state.instances) if selects(policy.selector, state.instances[i])
    ]
    ctx = Context(state)
    today = collection_day(state)
    results = tuple(diagnose_instance(policy, inst, state, ctx, today) for inst in selected)
    by_code = Counter(f.code for d in results for f in d.findings)
    roots = Counter(d.root_cause.code for d in results if d.root_cause)
    failing = sum(1 for d in results if any(f.status is Status.FAIL for f in d.findings))
    summary = FleetSummary(
        selected=len(results),
        compliant=sum(1 for d in results if d.compliant),
        failing=failing,
        unknown=sum(1 for d in results if not d.compliant) - failing,
        by_code=_in_causal_order(by_code),
        root_causes=_in_causal_order(roots),
        waived=sum(len(d.waived) for d in results),
    )
    return FleetDiagnosis(
        policy_name=policy.name,
        region=state.region,
        instances=results,
        skipped=len(state.instances) - len(selected),
        summary=summary,
        unattributed_gaps=_unattributed(state, selected),
        gaps=_affected(state, selected),
        expired_waivers=tuple(
            f"{label(policy, i)} has expired: its findings fail again; renew or remove it"
            for i, w in enumerate(policy.waivers)
            if is_expired(w, today)
        ),
    )


def _in_causal_order(counts: Counter) -> dict[str, int]:
    rank = {c: i for i, c in enumerate(CAUSAL_ORDER)}
    return {k: counts[k] for k in sorted(counts, key=lambda c: (rank.get(c, len(rank)), c))}


def _related(state: LiveState, inst: Instance) -> set[str]:
    """The ids whose data an instance's checks read: itself, its subnet and ACL, its security
    groups and the templates their rules reference."""
    related = {inst.instance_id, inst.subnet_id, *inst.security_group_ids}
    subnet = state.subnets.get(inst.subnet_id)
    if subnet and subnet.network_acl_id:
        related.add(subnet.network_acl_id)
    for sg_id in inst.security_group_ids:
        sg = state.security_groups.get(sg_id)
        for rule in (*sg.ingress, *sg.egress) if sg else ():
            related |= {
                rule.address_template_id,
                rule.address_template_group_id,
                rule.service_template_id,
                rule.service_template_group_id,
            }
    return related - {""}


def _unattributed(state: LiveState, selected: list[Instance]) -> tuple[CollectionGap, ...]:
    """Gaps that no selected instance's checks could have reported."""
    related: set[str] = set()
    for inst in selected:
        related |= {inst.instance_id, inst.subnet_id, *inst.security_group_ids}
        subnet = state.subnets.get(inst.subnet_id)
        if subnet and subnet.network_acl_id:
            related.add(subnet.network_acl_id)
    return tuple(g for g in state.gaps if g.resource_id not in related)


def _affected(state: LiveState, selected: list[Instance]) -> tuple[FleetGap, ...]:
    """Every gap with the selected instances whose diagnosis it leaves unknown (issue 14: every
    instance left unknown is listed with the call and the error), in a stable order."""
    by_id: dict[str, list[str]] = {}
    for inst in selected:
        for rid in _related(state, inst):
            by_id.setdefault(rid, []).append(inst.instance_id)
    return tuple(
        FleetGap(g, tuple(sorted(by_id.get(g.resource_id, ()))))
        for g in sorted(set(state.gaps), key=_gap_order)
    )


def _gap_order(gap: CollectionGap) -> tuple[str, ...]:
    return (gap.scope, gap.resource_id, gap.call, gap.code, gap.message)


def merge(parts: Sequence[FleetDiagnosis], total: int) -> FleetDiagnosis:
    """One fleet from the diagnoses of several policies over one state (``total`` instances read)."""
    results = tuple(sorted((d for part in parts for d in part.instances), key=lambda d: d.instance_id))
    by_code: Counter[str] = Counter()
    roots: Counter[str] = Counter()
    for part in parts:
        by_code.update(part.summary.by_code)
        roots.update(part.summary.root_causes)
    unattributed = set.intersection(*(set(p.unattributed_gaps) for p in parts)) if parts else set()
    return FleetDiagnosis(
        policy_name=", ".join(p.policy_name for p in parts),
        region=parts[0].region if parts else "",
        instances=results,
        skipped=total - len(results),
        summary=FleetSummary(
            selected=len(results),
            compliant=sum(p.summary.compliant for p in parts),
            failing=sum(p.summary.failing for p in parts),
            unknown=sum(p.summary.unknown for p in parts),
            by_code=_in_causal_order(by_code),
            root_causes=_in_causal_order(roots),
            waived=sum(p.summary.waived for p in parts),
        ),
        unattributed_gaps=tuple(g for p in parts[:1] for g in p.unattributed_gaps if g in unattributed),
        gaps=_merge_gaps(parts, unattributed),
        expired_waivers=tuple(m for p in parts for m in p.expired_waivers),
    )


def _merge_gaps(parts: Sequence[FleetDiagnosis], unattributed: set[CollectionGap]) -> tuple[FleetGap, ...]:
    """Each gap once, with the instances of every policy it affects; a gap no policy's instances
    relate to is kept only when it belongs to none of them (as ``unattributed_gaps``)."""
    affected: dict[CollectionGap, set[str]] = {}
    for part in parts:
        for fg in part.gaps:
            affected.setdefault(fg.gap, set()).update(fg.instance_ids)
    return tuple(
        FleetGap(g, tuple(sorted(ids)))
        for g, ids in sorted(affected.items(), key=lambda kv: _gap_order(kv[0]))
        if ids or g in unattributed
    )


def merge_regions(parts: Sequence[FleetDiagnosis]) -> FleetDiagnosis:
    """One fleet from the diagnoses of several regions (one policy or policy set, one run): the
    instances region by region, the counts summed, each region's diagnosis kept in ``parts``;
    ``region`` names them all, joined by ``, `` (as ``policy_name`` does for a policy directory)."""
    parts = sorted(parts, key=lambda p: p.region)
    if len(parts) == 1:
        return parts[0]
    by_code: Counter[str] = Counter()
    roots: Counter[str] = Counter()
    for part in parts:
        by_code.update(part.summary.by_code)
        roots.update(part.summary.root_causes)
    return FleetDiagnosis(
        policy_name=parts[0].policy_name if parts else "",
        region=", ".join(p.region for p in parts),
        instances=tuple(d for p in parts for d in p.instances),
        skipped=sum(p.skipped for p in parts),
        summary=FleetSummary(
            selected=sum(p.summary.selected for p in parts),
            compliant=sum(p.summary.compliant for p in parts),
            failing=sum(p.summary.failing for p in parts),
            unknown=sum(p.summary.unknown for p in parts),
            by_code=_in_causal_order(by_code),
            root_causes=_in_causal_order(roots),
            waived=sum(p.summary.waived for p in parts),
        ),
        unattributed_gaps=tuple(g for p in parts for g in p.unattributed_gaps),
        gaps=tuple(g for p in parts for g in p.gaps),
        expired_waivers=tuple(dict.fromkeys(m for p in parts for m in p.expired_waivers)),
        parts=tuple(parts),
    )
