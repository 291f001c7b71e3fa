"""Fix planning: policy + live state + diagnosis -> the steps that would close each finding. Pure.

Every automatic step names one ``FixResource``: a resource the remediation program declares and
tcremedy owns. Resource keys are stable (``sg-rule-<sg>-<cidr>-tcp-<port>``,
``acl-entry-<acl>-<direction>-<cidr>-tcp-<ports>``, ``bandwidth-<ins>``...)
so that the same fix planned twice is the same Pulumi resource (no duplicates, convergence).
Causes that cannot be repaired as code become manual steps saying what to do by hand.

Access is never widened beyond the policy: a security-group rule opens exactly one admin CIDR of
the policy, on the policy's port, and ``0.0.0.0/0`` / ``::/0`` only with ``allow_public_rdp``; an
ACL entry passes exactly that CIDR in on that port, or the replies out to it on 49152-65535.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.findings import Finding, Status
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.diagnose.reachability import EPHEMERAL_PORTS
from tcremedy.guest.fixes import REVERTIBLE
from tcremedy.policy.model import Policy, is_public_cidr
from tcremedy.remediate.acl_entries import provider_cannot_write

# Finding code -> the fix that closes it ("" = no fix as code: a manual step).
FIX_FOR_CODE: dict[str, str] = {
    "INSTANCE_ISOLATED": "",
    "INSTANCE_NOT_RUNNING": "start_instance",
    "NO_PUBLIC_IP": "",
    "BANDWIDTH_ZERO": "raise_bandwidth",
    "BANDWIDTH_BELOW_POLICY": "raise_bandwidth",
    "BANDWIDTH_SATURATED": "raise_bandwidth",
    "SG_BLOCKS_RDP": "sg_allow_rdp",
    "ACL_BLOCKS_RDP": "acl_allow_rdp",
    "CPU_SATURATED": "reboot_instance",
    "MEMORY_SATURATED": "reboot_instance",
    "GUEST_RDP_DISABLED": "guest_enable_rdp",
    "GUEST_TERMSERVICE_STOPPED": "guest_start_termservice",
    "GUEST_RDP_NOT_LISTENING": "guest_start_termservice",  # its script restarts a stuck service
    "GUEST_RDP_PORT_CHANGED": "guest_align_rdp_port",
    "GUEST_FIREWALL_BLOCKS_RDP": "guest_allow_rdp_firewall",
    "CREDSSP_MISMATCH": "guest_credssp_mitigated",
    "GUEST_NLA_MISMATCH": "guest_set_nla",
    "GUEST_SECURITY_SOFTWARE": "",
    "GUEST_CREDSSP_UNPATCHED": "",
    "PASSWORD_RESET_FAILED": "reset_password",
    "GUEST_UNREACHABLE": "",
    "UNKNOWN": "",
}

# Policy fix name -> guest fix script name (tcremedy.guest.fixes).
GUEST_SCRIPTS: dict[str, str] = {
    "guest_enable_rdp": "enable-rdp",
    "guest_start_termservice": "start-termservice",
    "guest_align_rdp_port": "align-rdp-port",
    "guest_allow_rdp_firewall": "allow-rdp-firewall",
    "guest_credssp_mitigated": "credssp-mitigated",
    "guest_set_nla": "nla-on",  # or nla-off: the policy's guest.nla decides (``_guest_script``)
}

# Saturation fixes never raise bandwidth beyond this without a human (cost; per-type caps).
BANDWIDTH_CAP_MBPS = 100
# Bandwidth billed in advance cannot be changed without dates and a charge: left to a human.
PREPAID_BANDWIDTH = "BANDWIDTH_PREPAID"
# The only charge types whose bandwidth the pulumi-tencentcloud provider adjusts (its Update refuses
# any other, tencentcloud/services/cvm/resource_tc_instance.go ~l.2297-2301); on both paths the
# others are a manual step, so the two backends behave the same.
ADJUSTABLE_CHARGE_TYPES = ("TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR", "BANDWIDTH_PACKAGE")

MANUAL_TEXT: dict[str, str] = {
    "INSTANCE_ISOLATED": "The instance is isolated ({source}). Top up the account or renew the instance in "
    "the "
    "console (Billing Center / CVM > Renew); it cannot be repaired as code.",
    "NO_PUBLIC_IP": "The instance has no public IP. Allocate an EIP and associate it with the instance "
    "(console: CVM > More > IP/ENI > Bind EIP), or reach it through a bastion/VPN from the admin network.",
    "ACL_BLOCKS_RDP": "The subnet's network ACL blocks RDP but the finding does not name it. Add an inbound "
    "ACCEPT for TCP/{port} from the admin CIDRs and an outbound ACCEPT for TCP 49152-65535 to them, above "
    "the DROP entries.",
    "GUEST_UNREACHABLE": "The guest cannot be inspected or fixed through the TAT agent ({reason}). Log in "
    "through the VNC console, check that the TAT agent service is running, then re-run `tcremedy plan`.",
    "CPU_SATURATED": "CPU is saturated{culprit}. Log in through the VNC console, open Task Manager and "
    "stop the offending process, or allow `reboot_instance` in the policy's fixes.auto.",
    "GUEST_SECURITY_SOFTWARE": "Third-party security software runs in the guest ({services}). Log in "
    "through the VNC console and allow inbound TCP/{port} from the admin CIDRs in its firewall / host "
    "protection policy (or its management console), then run `tcremedy verify`.",
    "GUEST_CREDSSP_UNPATCHED": "The server lacks the 2018 CredSSP update (CVE-2018-0886); updated clients "
    "are refused (Microsoft KB4093492 compatibility table). Log in through the VNC console and install the "
    "May 8, 2018 (or later) cumulative/security update for the server's Windows version through Windows "
    "Update, then reboot.",
    "MEMORY_SATURATED": "Memory is saturated{culprit}. Log in through the VNC console, open Task Manager and "
    "stop the offending process, or allow `reboot_instance` in the policy's fixes.auto.",
    "PASSWORD_RESET_FAILED": "The last password reset failed. Reset the password in the console (CVM > "
    "Reset Password) and restart, or list `reset_password` in fixes.auto with `fixes.password_env` set "
    "and the new password in that environment variable.",
    "UNKNOWN": "A check could not be made: {reason}. Fix the access problem and re-run `tcremedy plan`.",
}


@dataclass(frozen=True)
class FixResource:
    """One resource of the remediation program, owned by tcremedy.

    ``kind``: sg_rule | acl_entry | bandwidth | running | reboot | password | guest_fix. ``params`` are its
    plain inputs; one-shot kinds (reboot, password, guest_fix) carry a ``trigger`` that changes
    each time the finding is seen open, so the action runs again when the drift comes back.
    """

    kind: str
    key: str
    fix: str
    instance_id: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FixStep:
    """What would close one finding on one instance."""

    fix: str  # policy fix name, or "manual"
    instance_id: str
    finding_code: str
    automatic: bool  # the policy lets it run without a human
    reason: str  # what and why, one or two sentences
    params: dict[str, Any] = field(default_factory=dict)
    resource: FixResource | None = None  # None for manual steps
    manual: str = ""  # what to do by hand (manual or not-allowed steps)


@dataclass(frozen=True)
class FixPlan:
    region: str
    steps: tuple[FixStep, ...] = ()

    @property
    def automatic(self) -> tuple[FixStep, ...]:
        return tuple(s for s in self.steps if s.automatic and s.resource is not None)

    @property
    def manual(self) -> tuple[FixStep, ...]:
        return tuple(s for s in self.steps if not (s.automatic and s.resource is not None))

    @property
    def resources(self) -> tuple[FixResource, ...]:
        """The automatic steps' resources, one per key (two instances may share one rule)."""
        seen: dict[str, FixResource] = {}
        for step in self.automatic:
            assert step.resource is not None
            seen.setdefault(step.resource.key, step.resource)
        return tuple(seen.values())

    @property
    def instance_ids(self) -> tuple[str, ...]:
        return tuple(sorted({s.instance_id for s in self.steps}))


def plan_fixes(
    policy: Policy,
    state: LiveState,
    diagnosis: FleetDiagnosis,
    *,
    only_codes: Iterable[str] = (),
    instance_ids: Iterable[str] = (),
    available_env: Iterable[str] = (),
) -> FixPlan:
    """Turn every failed finding into a step. ``available_env``: env var names that are set."""
    only, wanted, env = set(only_codes), set(instance_ids), set(available_env)
    steps: list[FixStep] = []
    for diag in diagnosis.instances:
        if wanted and diag.instance_id not in wanted:
            continue
        inst = state.instances.get(diag.instance_id)
        if inst is None:
            continue
        isolated = any(f.code == "INSTANCE_ISOLATED" and f.status is Status.FAIL for f in diag.findings)
        for finding in diag.findings:
            if only and finding.code not in only:
                continue
            for step in _steps_for(policy, state, inst, finding, env):
                if isolated and step.automatic and finding.code != "INSTANCE_ISOLATED":
                    step = replace(
                        step,
                        automatic=False,
                        manual="Blocked while the instance is isolated: "
                        "restore it first, then re-run `tcremedy apply`.",
                    )
                steps.append(step)
    return FixPlan(region=state.region, steps=tuple(steps))


def _steps_for(policy: Policy, state: LiveState, inst: Instance, f: Finding, env: set[str]) -> list[FixStep]:
    iid = inst.instance_id
    if f.status is not Status.FAIL:  # a check that could not be made: say how to make it possible
        text = MANUAL_TEXT["GUEST_UNREACHABLE" if f.code == "GUEST_UNREACHABLE" else "UNKNOWN"]
        return [_manual(f, iid, text.format(reason=f.evidence.get("reason", f.message)))]
    fix = FIX_FOR_CODE.get(f.code, "")
    trigger = f"{f.code}@{state.collected_at}"
    if f.code == "SG_BLOCKS_RDP":
        return _sg_steps(policy, inst, f, trigger)
    if f.code == "ACL_BLOCKS_RDP" and f.evidence.get("network_acl_id"):
        acl = state.network_acls.get(f.evidence["network_acl_id"])
        blocker = provider_cannot_write(acl.ingress, acl.egress) if acl is not None else ""
        if blocker:
            return [
                _manual(
                    f,
                    iid,
                    f"Network ACL {acl.network_acl_id if acl else ''} cannot be rewritten as code: {blocker} "
                    "would not survive the rewrite. Add an inbound ACCEPT for TCP/"
                    f"{policy.rdp.port} from the admin CIDRs and an outbound ACCEPT for TCP {REPLY_PORTS} to "
                    "them, above the DROP entries, in the console (VPC > Network ACL).",
                )
            ]
        return _acl_steps(policy, inst, f)
    if fix == "raise_bandwidth":
        return [_bandwidth_step(policy, inst, f)]
    if fix == "start_instance":
        res = FixResource("running", f"running-{iid}", fix, iid, {"instance_id": iid, "region": inst.region})
        return [
            _auto(
                policy,
                f,
                iid,
                fix,
                res,
                f"Start the instance (now {inst.state or 'not running'}) and wait until it is RUNNING.",
            )
        ]
    if fix == "reboot_instance":
        res = FixResource(
            "reboot",
            f"reboot-{iid}",
            fix,
            iid,
            {"instance_id": iid, "region": inst.region, "trigger": trigger},
        )
        step = _auto(policy, f, iid, fix, res, f"Reboot the instance: {f.message}")
        manual = MANUAL_TEXT[f.code].replace("{culprit}", _culprit(f))
        return [step if step.automatic else replace(step, manual=manual)]
    if fix == "reset_password":
        var = policy.fixes.password_env
        res = FixResource(
            "password",
            f"password-{iid}",
            fix,
            iid,
            {
                "instance_id": iid,
                "region": inst.region,
                "user_name": "Administrator",
                "password_env": var or "",
                "trigger": trigger,
            },
        )
        step = _auto(
            policy,
            f,
            iid,
            fix,
            res,
            f"Reset the Administrator password from ${var} (kept secret); the instance is force-stopped "
            "and started again.",
        )
        if step.automatic and (not var or var not in env):
            return [
                replace(
                    step,
                    automatic=False,
                    manual=f"Set the environment variable {var or '<password_env>'} "
                    "to the new password and re-run `tcremedy apply`.",
                )
            ]
        return [step if step.automatic else replace(step, manual=MANUAL_TEXT[f.code])]
    if fix in GUEST_SCRIPTS:
        script = GUEST_SCRIPTS[fix]
        if fix == "guest_set_nla":
            script = "nla-off" if policy.guest.nla == "off" else "nla-on"
        params: dict[str, Any] = {
            "instance_id": iid,
            "region": inst.region,
            "script": script,
            "trigger": trigger,
        }
        if script in ("align-rdp-port", "allow-rdp-firewall"):
            params["port"] = policy.rdp.port
        if script in REVERTIBLE:  # the lock-out guard: the guest reverts unless apply verifies access
            params["revert_minutes"] = policy.guest.revert_minutes
        res = FixResource("guest_fix", f"guest-{script}-{iid}", fix, iid, params)
        return [
            _auto(
                policy, f, iid, fix, res, f"Run the guest fix `{script}` through the TAT agent: {f.message}"
            )
        ]
    text = MANUAL_TEXT.get(f.code, "No fix as code exists for this cause; see the finding's evidence.")
    return [
        _manual(
            f,
            iid,
            text.format(
                source=_isolation(inst),
                acl=f.evidence.get("network_acl_id", "?"),
                port=policy.rdp.port,
                reason=f.evidence.get("reason", f.message),
                culprit=_culprit(f),
                services=", ".join(str(s.get("Name")) for s in f.evidence.get("services", [])),
            ),
        )
    ]


def _sg_steps(policy: Policy, inst: Instance, f: Finding, trigger: str) -> list[FixStep]:
    """``trigger``: a new one each time the rule is seen blocked (the provider path re-inserts it)."""
    iid, port = inst.instance_id, policy.rdp.port
    if not inst.security_group_ids:
        return [_manual(f, iid, "The instance has no security group; bind one that admits the admin CIDRs.")]
    group = inst.security_group_ids[0]
    missing = _sg_missing(policy, f.evidence)
    steps = []
    for cidr in dict.fromkeys(missing):
        if is_public_cidr(cidr) and not policy.rdp.allow_public_rdp:
            steps.append(
                _manual(
                    f,
                    iid,
                    f"{cidr} would open RDP to the internet; the policy does not set "
                    "allow_public_rdp, so no rule is made.",
                )
            )
            continue
        params: dict[str, Any] = {
            "security_group_id": group,
            "cidr_block": cidr,
            "protocol": "TCP",
            "port": str(port),
            "action": "ACCEPT",
            "policy_index": 0,
            "region": inst.region,
            "description": f"tcremedy: RDP from {cidr}",
            "trigger": trigger,
        }
        if is_public_cidr(cidr):
            params["allow_public"] = True  # the provider refuses a public CIDR without it
        res = FixResource("sg_rule", f"sg-rule-{group}-{_slug(cidr)}-tcp-{port}", "sg_allow_rdp", "", params)
        steps.append(
            _auto(
                policy,
                f,
                iid,
                "sg_allow_rdp",
                res,
                f"Insert ACCEPT TCP/{port} from {cidr} at the top (index 0) of {group}, the first "
                "group bound to the instance, so it is matched before any DROP.",
            )
        )
    return steps


def _sg_missing(policy: Policy, evidence: dict[str, Any]) -> list[str]:
    """Every admin CIDR the groups do not admit in full: denied, partly admitted or unknown.

    Judged per admin CIDR from its verdict (``coverage`` "all" or not), so a range admitted only in
    part (203.0.113.0/24 behind an ACCEPT of its /25) gets its whole-CIDR rule in the same apply as a
    range not admitted at all; ``not_admitted`` lists the denied pieces, which need not equal an
    admin CIDR. Without verdicts, every admin CIDR holding a denied piece; failing that, all of them.
    """
    admin = list(dict.fromkeys(policy.rdp.admin_cidrs))
    verdicts = evidence.get("verdicts") or []
    if verdicts:
        coverage = {_network(str(v.get("source", ""))): v.get("coverage") for v in verdicts}
        return [c for c in admin if coverage.get(_network(c)) != "all"]
    denied = [_network(str(c)) for c in evidence.get("not_admitted") or []]
    hit = [c for c in admin if any(_within(d, _network(c)) for d in denied)]
    return hit or admin


def _within(piece: Any, cidr: Any) -> bool:
    try:
        return bool(piece.version == cidr.version and piece.subnet_of(cidr))
    except AttributeError:  # text that is not a network
        return piece == cidr


# ACL direction -> (the finding's evidence key for its verdicts, the words of the entry's description).
REPLY_PORTS = f"{EPHEMERAL_PORTS[0]}-{EPHEMERAL_PORTS[1]}"  # the RDP clients' ports: the replies go there
ACL_DIRECTIONS: dict[str, tuple[str, str]] = {
    "ingress": ("inbound", "RDP from"),
    "egress": ("outbound", "RDP replies to"),
}


def acl_port(direction: str, policy: Policy) -> str:
    """The port(s) an ACL entry of ``direction`` must pass: the RDP port in, the replies' ports out."""
    return str(policy.rdp.port) if direction == "ingress" else REPLY_PORTS


def _acl_not_admitted(evidence: dict[str, Any], direction: str, cidr: str) -> bool:
    """The finding's verdict for ``cidr`` in ``direction`` is not "all admitted" (or is missing)."""
    wanted = _network(cidr)
    for verdict in evidence.get(ACL_DIRECTIONS[direction][0]) or []:
        if _network(str(verdict.get("source", ""))) == wanted:
            return verdict.get("coverage") != "all"
    return True


def _acl_steps(policy: Policy, inst: Instance, f: Finding) -> list[FixStep]:
    """Per admin CIDR the ACL does not pass: the missing inbound and/or outbound entry, on top."""
    iid, acl = inst.instance_id, f.evidence["network_acl_id"]
    if f.evidence.get("network_acl_type") == "QUINTUPLE":
        return _quintuple_steps(policy, inst, f)
    steps = []
    for cidr in dict.fromkeys(policy.rdp.admin_cidrs):
        directions = [d for d in ACL_DIRECTIONS if _acl_not_admitted(f.evidence, d, cidr)]
        if directions and is_public_cidr(cidr) and not policy.rdp.allow_public_rdp:
            steps.append(
                _manual(
                    f,
                    iid,
                    f"{cidr} would open RDP to the internet; the policy does not set "
                    "allow_public_rdp, so no ACL entry is made.",
                )
            )
            continue
        for direction in directions:
            port, (_, what) = acl_port(direction, policy), ACL_DIRECTIONS[direction]
            params: dict[str, Any] = {
                "network_acl_id": acl,
                "direction": direction,
                "cidr_block": cidr,
                "protocol": "TCP",
                "port": port,
                "action": "ACCEPT",
                "region": inst.region,
                "description": f"tcremedy: {what} {cidr}",
            }
            if is_public_cidr(cidr):
                params["allow_public"] = True  # the provider refuses a public CIDR without it
            key = f"acl-entry-{acl}-{direction}-{_slug(cidr)}-tcp-{_slug(port)}"
            res = FixResource("acl_entry", key, "acl_allow_rdp", "", params)
            side = (
                f"TCP/{port} from {cidr}" if direction == "ingress" else f"TCP {port} to {cidr} (RDP replies)"
            )
            steps.append(
                _auto(
                    policy,
                    f,
                    iid,
                    "acl_allow_rdp",
                    res,
                    f"Insert ACCEPT {side} at the top of network ACL {acl}'s {direction} entries, "
                    "above what drops it (the ACL is stateless); its other entries stay as they are.",
                )
            )
    return steps


def _quintuple_steps(policy: Policy, inst: Instance, f: Finding) -> list[FixStep]:
    """A QUINTUPLE ACL is repaired by hand: the exact CreateNetworkAclQuintupleEntries entries to add.

    Its rules live apart from the TRIPLE entry lists the acl_allow_rdp fix edits (SDK ``NetworkAcl``:
    Ingress/EgressEntries "该参数仅对三元组ACL有效"); Priority 1, 2... puts them above what drops the
    traffic. Written as ``Direction: Name=value ...`` per entry (members of NetworkAclQuintupleEntry).
    """
    acl, port = f.evidence["network_acl_id"], policy.rdp.port
    targets = [ip for ip in inst.private_ip_addresses if ":" not in ip][:1]
    me = f"{targets[0]}/32" if targets else ""
    entries: dict[str, list[dict[str, str]]] = {"Ingress": [], "Egress": []}
    for cidr in dict.fromkeys(policy.rdp.admin_cidrs):
        if is_public_cidr(cidr) and not policy.rdp.allow_public_rdp:
            continue
        v6 = ":" in cidr
        if _acl_not_admitted(f.evidence, "ingress", cidr):
            entry = {"Protocol": "TCP", ("SourceIPv6Cidr" if v6 else "SourceCidr"): cidr, "SourcePort": "ALL"}
            entry.update({"DestinationCidr": me} if me and not v6 else {})
            entries["Ingress"].append({**entry, "DestinationPort": str(port), "Action": "ACCEPT"})
        if _acl_not_admitted(f.evidence, "egress", cidr):
            entry = {"Protocol": "TCP", **({"SourceCidr": me} if me and not v6 else {})}
            entry["SourcePort"] = str(port)
            entry[("DestinationIPv6Cidr" if v6 else "DestinationCidr")] = cidr
            entries["Egress"].append({**entry, "DestinationPort": REPLY_PORTS, "Action": "ACCEPT"})
    lines = [
        f"{side}: Priority={n} " + " ".join(f"{k}={v}" for k, v in entry.items())
        for side, listed in entries.items()
        for n, entry in enumerate(listed, start=1)
    ]
    if not lines:
        return []
    return [
        _manual(
            f,
            inst.instance_id,
            f"Network ACL {acl} is a QUINTUPLE ACL, which tcremedy does not change as code. Add these "
            f"entries with CreateNetworkAclQuintupleEntries (NetworkAclId={acl}) or in the console "
            f"(Network ACL > quintuple rules): " + "; ".join(lines),
        )
    ]


def _network(text: str) -> Any:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return text


def _bandwidth_step(policy: Policy, inst: Instance, f: Finding) -> FixStep:
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
    res = FixResource(
        "bandwidth",
        f"bandwidth-{iid}",
        "raise_bandwidth",
        iid,
        {"instance_id": iid, "region": inst.region, "target_mbps": target},
    )
    step = _auto(policy, f, iid, "raise_bandwidth", res, why[0].upper() + why[1:] + ".")
    if inst.internet_charge_type == PREPAID_BANDWIDTH and step.automatic:
        return replace(
            step,
            automatic=False,
            manual="Bandwidth is prepaid (BANDWIDTH_PREPAID): changing it "
            "needs a start/end date and charges the account; adjust it in the console.",
        )
    if inst.internet_charge_type not in ADJUSTABLE_CHARGE_TYPES and step.automatic:
        charge = inst.internet_charge_type or "none reported"
        return replace(
            step,
            automatic=False,
            manual=f"Bandwidth charge type {charge} cannot be raised as code (only "
            f"{', '.join(ADJUSTABLE_CHARGE_TYPES)} can); raise it to {target} Mbps in the console "
            "(CVM > Adjust network).",
        )
    if target <= now:
        return replace(
            step,
            automatic=False,
            manual=f"Bandwidth is already at the {BANDWIDTH_CAP_MBPS} Mbps "
            "cap tcremedy raises to; find the traffic over the VNC console.",
        )
    return step


def _auto(policy: Policy, f: Finding, iid: str, fix: str, res: FixResource, reason: str) -> FixStep:
    allowed = policy.allows_fix(fix)
    manual = "" if allowed else f"Not run: `{fix}` is not listed in the policy's fixes.auto."
    return FixStep(
        fix=fix,
        instance_id=iid,
        finding_code=f.code,
        automatic=allowed,
        reason=reason,
        params=dict(res.params),
        resource=res,
        manual=manual,
    )


def _manual(f: Finding, iid: str, text: str) -> FixStep:
    return FixStep(
        fix="manual", instance_id=iid, finding_code=f.code, automatic=False, reason=f.message, manual=text
    )


def _isolation(inst: Instance) -> str:
    parts = [
        p for p in (inst.restrict_state, inst.isolated_source) if p and p not in ("NORMAL", "NOTISOLATED")
    ]
    return ", ".join(parts) or "restricted"


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "-", text).strip("-")


# ---------------------------------------------------------------- convergence across runs
#
# What "a fix removed from the policy" means for a fix an earlier apply made:
# * the policy no longer wants what it did (its CIDR left rdp.admin_cidrs, rdp.port changed,
#   allow_public_rdp was turned off, the instance or group is gone...): it is REMOVED; for a
#   security-group rule or ACL entry tcremedy created that deletes it (an adopted one is only forgotten);
# * the policy still wants it but its fix name left fixes.auto: it is HELD, i.e. kept as it is,
#   neither re-applied on drift nor removed (fixes.auto says what tcremedy may do by itself;
#   removing access is not implied by no longer being allowed to add it).

ONE_SHOT_KINDS = frozenset({"reboot", "password", "guest_fix"})
# Param of an earlier fix that is kept but must not be acted on: the provider skips its drift check.
HOLD = "hold"


def still_wanted(res: FixResource, policy: Policy, state: LiveState) -> bool:
    """Whether the policy still wants what a fix made by an earlier apply did (else it is removed)."""
    if res.kind == "sg_rule":
        cidr = res.params.get("cidr_block")
        public_ok = not is_public_cidr(cidr) or policy.rdp.allow_public_rdp
        return (
            cidr in policy.rdp.admin_cidrs
            and public_ok
            and res.params.get("port") == str(policy.rdp.port)
            and res.params.get("security_group_id") in state.security_groups
        )
    if res.kind == "acl_entry":
        cidr, direction = res.params.get("cidr_block"), str(res.params.get("direction"))
        return (
            cidr in policy.rdp.admin_cidrs
            and (not is_public_cidr(cidr) or policy.rdp.allow_public_rdp)
            and direction in ACL_DIRECTIONS
            and res.params.get("port") == acl_port(direction, policy)
            and res.params.get("network_acl_id") in state.network_acls
        )
    if res.instance_id not in state.instances:
        return False
    if res.kind == "running":
        return policy.instance.must_be_running
    if res.kind == "password":
        return bool(policy.fixes.password_env) and res.params.get("password_env") == policy.fixes.password_env
    if res.kind == "guest_fix" and "port" in res.params:
        return res.params["port"] == policy.rdp.port
    return True


def program_resources(
    plan: FixPlan,
    previous: Iterable[FixResource],
    policy: Policy,
    state: LiveState,
    *,
    scoped: bool = False,
) -> tuple[FixResource, ...]:
    """The union the program declares: this plan's fixes + earlier fixes that stay.

    Unscoped, an earlier fix stays while the policy still wants it (else it is removed), held when
    its fix name left fixes.auto (see above). A scoped run (``--only``/``--instance``) sees only
    part of the findings and, with ``--instance``, only part of the cloud, so it keeps EVERY
    earlier fix, held. Only an unscoped apply reconciles them.
    """
    current = {r.key: r for r in plan.resources}
    kept = [
        _held(r, scoped or not policy.allows_fix(r.fix))
        for r in previous
        if r.key not in current and (scoped or still_wanted(r, policy, state))
    ]
    return tuple(sorted([*current.values(), *kept], key=lambda r: r.key))


def _held(res: FixResource, hold: bool) -> FixResource:
    params = {k: v for k, v in res.params.items() if k != HOLD}
    return replace(res, params={**params, HOLD: True} if hold else params)


def _culprit(f: Finding) -> str:
    """`` (top process NAME, pid N)`` from a saturation finding's evidence, or ""."""
    top = f.evidence.get("top_processes") or []
    return f" (top process {top[0].get('Name')}, pid {top[0].get('Id')})" if top else ""
