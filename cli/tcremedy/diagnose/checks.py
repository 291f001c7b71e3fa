"""The checks: one small class per finding code, in a name -> class registry.

Each check answers one question about one instance against the policy and returns the
findings (empty = the condition holds). A check that cannot be made (missing data, a collection
gap, an unresolvable rule) returns an UNKNOWN finding with ``evidence["reason"]``, never a
silent pass. ``fix`` names the remediation that would close a FAIL, whether or not the policy
lets it run automatically (the planner decides); manual causes have ``fix = None``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from tcremedy.cloud.state import CollectionGap, GuestFacts, Instance, LiveState, MetricSeries
from tcremedy.diagnose.findings import CAUSAL_ORDER, CODE_TITLES, Finding, Severity, Status
from tcremedy.diagnose.model import Access, ReachVerdict
from tcremedy.diagnose.reachability import acl_verdicts, no_acl_verdicts, security_group_verdict
from tcremedy.policy.model import Policy
from tcremedy.serde import to_data


class Check:
    """Base class. Subclasses set ``severity``, ``fix`` and implement ``evaluate``."""

    code: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.HIGH
    fix: ClassVar[str | None] = None

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        raise NotImplementedError

    def fail(
        self, instance: Instance, message: str, evidence: dict[str, Any], fix: str | None = ""
    ) -> Finding:
        return Finding(
            code=self.code,
            instance_id=instance.instance_id,
            severity=self.severity,
            message=message,
            status=Status.FAIL,
            evidence=evidence,
            fix=self.fix if fix == "" else fix,
        )

    def unknown(self, instance: Instance, reason: str, **evidence: Any) -> Finding:
        message = f"{CODE_TITLES.get(self.code, self.code)}: could not check ({reason})"
        return Finding(
            code=self.code,
            instance_id=instance.instance_id,
            severity=self.severity,
            message=message,
            status=Status.UNKNOWN,
            evidence={"reason": reason, **evidence},
            fix=None,
        )


class CheckRegistry:
    """Name -> check class. ``register(code)`` is a class decorator that also stamps ``code``."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Check]] = {}

    def register(self, code: str):
        if code not in CAUSAL_ORDER:
            raise ValueError(f"{code} is not a finding code in CAUSAL_ORDER")
        if code in self._classes:
            raise ValueError(f"check {code} registered twice")

        def decorate(klass: type[Check]) -> type[Check]:
            klass.code = code
            self._classes[code] = klass
            return klass

        return decorate

    def get(self, code: str) -> type[Check]:
        return self._classes[code]

    def names(self) -> tuple[str, ...]:
        """Registered codes in causal order."""
        return tuple(sorted(self._classes, key=CAUSAL_ORDER.index))

    def __iter__(self) -> Iterator[Check]:
        return (self._classes[code]() for code in self.names())

    def __len__(self) -> int:
        return len(self._classes)


CHECKS = CheckRegistry()


# ---------------------------------------------------------------- helpers


def gaps_for(state: LiveState, scope: str, resource_id: str) -> list[CollectionGap]:
    return [g for g in state.gaps if g.scope == scope and g.resource_id == resource_id]


def _gap_text(gaps: list[CollectionGap]) -> str:
    return "; ".join(f"{g.scope} {g.resource_id}: {g.code} {g.message}".strip() for g in gaps)


def _epoch(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _series(instance: Instance, name: str) -> MetricSeries | None:
    """The metric by name, case-insensitively (CpuUsage / CPUUsage)."""
    for key, series in instance.metrics.items():
        if key.lower() == name.lower():
            return series
    return None


def window_max(
    instance: Instance, state: LiveState, names: tuple[str, ...], window: int
) -> tuple[float, str, int] | None:
    """(max, metric, samples) over the last ``window`` seconds of the named metrics; None if no samples."""
    best: tuple[float, str, int] | None = None
    for name in names:
        series = _series(instance, name)
        if series is None or not series.values:
            continue
        end = _epoch(state.collected_at) or max(series.timestamps, default=0.0)
        points = [v for t, v in zip(series.timestamps, series.values, strict=False) if t >= end - window]
        if not points:
            continue
        top = max(points)
        if best is None or top > best[0]:
            best = (top, series.metric or name, len(points))
    return best


def guest_facts(instance: Instance, state: LiveState) -> tuple[GuestFacts | None, str]:
    """The probe's facts, or None and why there are none."""
    gaps = gaps_for(state, "guest", instance.instance_id)
    probe = instance.guest
    if probe is None:
        return None, _gap_text(gaps) or f"guest not probed (instance state {instance.state or 'unknown'})"
    if probe.facts is not None:
        return probe.facts, ""
    if probe.agent_status != "Online":
        return None, f"TAT agent is {probe.agent_status}" + (f": {probe.error}" if probe.error else "")
    detail = probe.error or _gap_text(gaps) or "no output"
    return None, f"probe failed (task status {probe.task_status or 'unknown'}): {detail}"


def _verdicts_data(verdicts: list[ReachVerdict]) -> list[dict[str, Any]]:
    return [to_data(v) for v in verdicts]


# ---------------------------------------------------------------- instance and public path


@CHECKS.register("INSTANCE_ISOLATED")
class InstanceIsolated(Check):
    """RestrictState must be NORMAL; isolation (arrears, expiry, security) blocks public access."""

    severity = Severity.CRITICAL

    def evaluate(self, policy, instance, state):
        if instance.restrict_state in ("", "NORMAL"):
            return []
        source = f" ({instance.isolated_source})" if instance.isolated_source else ""
        return [
            self.fail(
                instance,
                f"Instance is restricted: RestrictState={instance.restrict_state}{source}; "
                "settle arrears/renew or lift the isolation by ticket",
                {"restrict_state": instance.restrict_state, "isolated_source": instance.isolated_source},
            )
        ]


@CHECKS.register("INSTANCE_NOT_RUNNING")
class InstanceNotRunning(Check):
    """InstanceState must be RUNNING (policy ``instance.must_be_running``)."""

    severity = Severity.CRITICAL
    fix = "start_instance"

    def evaluate(self, policy, instance, state):
        if not policy.instance.must_be_running or instance.state == "RUNNING":
            return []
        if not instance.state:
            return [
                self.unknown(
                    instance,
                    _gap_text(gaps_for(state, "instance", instance.instance_id))
                    or "InstanceState was not reported",
                )
            ]
        fix = "start_instance" if instance.state == "STOPPED" else None  # transitional states: wait
        evidence = {
            "instance_state": instance.state,
            "latest_operation": instance.latest_operation,
            "latest_operation_state": instance.latest_operation_state,
        }
        return [self.fail(instance, f"Instance is {instance.state}, not RUNNING", evidence, fix=fix)]


@CHECKS.register("NO_PUBLIC_IP")
class NoPublicIp(Check):
    """The instance needs a public IPv4 address (or an EIP) to be reached from the admin CIDRs."""

    severity = Severity.CRITICAL

    def evaluate(self, policy, instance, state):
        if instance.public_ip_addresses:
            return []
        return [
            self.fail(
                instance,
                "Instance has no public IP address; bind an EIP (manual)",
                {"public_ip_addresses": [], "private_ip_addresses": list(instance.private_ip_addresses)},
            )
        ]


@CHECKS.register("BANDWIDTH_ZERO")
class BandwidthZero(Check):
    """InternetMaxBandwidthOut = 0 means no public traffic at all (Tencent: at least 1 Mbps)."""

    severity = Severity.CRITICAL
    fix = "raise_bandwidth"

    def evaluate(self, policy, instance, state):
        if instance.internet_max_bandwidth_out > 0:
            return []
        return [
            self.fail(
                instance,
                "Public outbound bandwidth (InternetMaxBandwidthOut) is 0 Mbps; policy "
                f"minimum is {policy.capacity.min_bandwidth_mbps} Mbps",
                {
                    "internet_max_bandwidth_out": 0,
                    "min_bandwidth_mbps": policy.capacity.min_bandwidth_mbps,
                    "internet_charge_type": instance.internet_charge_type,
                },
            )
        ]


@CHECKS.register("BANDWIDTH_BELOW_POLICY")
class BandwidthBelowPolicy(Check):
    """Bandwidth above 0 but below ``capacity.min_bandwidth_mbps`` (0 is BANDWIDTH_ZERO)."""

    severity = Severity.MEDIUM
    fix = "raise_bandwidth"

    def evaluate(self, policy, instance, state):
        bw, minimum = instance.internet_max_bandwidth_out, policy.capacity.min_bandwidth_mbps
        if bw == 0 or bw >= minimum:
            return []
        return [
            self.fail(
                instance,
                f"Public bandwidth is {bw} Mbps, below the policy minimum of {minimum} Mbps",
                {
                    "internet_max_bandwidth_out": bw,
                    "min_bandwidth_mbps": minimum,
                    "internet_charge_type": instance.internet_charge_type,
                },
            )
        ]


# ---------------------------------------------------------------- network path


@CHECKS.register("SG_BLOCKS_RDP")
class SgBlocksRdp(Check):
    """Every address of every admin CIDR must be admitted to TCP/port by the bound security groups."""

    severity = Severity.CRITICAL
    fix = "sg_allow_rdp"

    def evaluate(self, policy, instance, state):
        port = policy.rdp.port
        verdicts = [
            security_group_verdict(state, instance.security_group_ids, c, port)
            for c in policy.rdp.admin_cidrs
        ]
        denied = [(v, p) for v in verdicts for p in v.parts if p.access is Access.DENY]
        unknown = [(v, p) for v in verdicts for p in v.parts if p.access is Access.UNKNOWN]
        evidence: dict[str, Any] = {
            "port": port,
            "security_group_ids": list(instance.security_group_ids),
            "not_admitted": [c for _, p in denied for c in p.cidrs],
            "unknown_cidrs": [c for _, p in unknown for c in p.cidrs],
            "deciding_rules": _unique(p.decided_by.text for _, p in denied),
            "verdicts": _verdicts_data(verdicts),
        }
        if denied:
            first = denied[0][1]
            more = f" (and {len(denied) - 1} more range(s))" if len(denied) > 1 else ""
            return [
                self.fail(
                    instance,
                    f"TCP/{port} from {', '.join(first.cidrs)} is denied by {first.decided_by.text}{more}",
                    evidence,
                )
            ]
        if unknown:
            gaps = [g for sg in instance.security_group_ids for g in gaps_for(state, "security_group", sg)]
            causes = _unique(u.text for _, p in unknown for u in p.uncertain_because)
            reason = _gap_text(gaps) or "unresolvable rule(s): " + "; ".join(causes)
            return [self.unknown(instance, reason, **evidence)]
        return []


@CHECKS.register("ACL_BLOCKS_RDP")
class AclBlocksRdp(Check):
    """The subnet ACL must pass TCP/port in from the admin CIDRs AND the replies out to 49152-65535."""

    severity = Severity.CRITICAL

    def evaluate(self, policy, instance, state):
        port = policy.rdp.port
        if not instance.subnet_id:
            return []  # not in a VPC subnet: no ACL applies
        subnet = state.subnets.get(instance.subnet_id)
        if subnet is None:
            gaps = gaps_for(state, "subnet", instance.subnet_id)
            return [
                self.unknown(
                    instance,
                    _gap_text(gaps) or f"subnet {instance.subnet_id} was not collected",
                    subnet_id=instance.subnet_id,
                )
            ]
        acl = state.network_acls.get(subnet.network_acl_id) if subnet.network_acl_id else None
        if subnet.network_acl_id and acl is None:
            gaps = gaps_for(state, "network_acl", subnet.network_acl_id)
            return [
                self.unknown(
                    instance,
                    _gap_text(gaps) or f"network ACL {subnet.network_acl_id} was not collected",
                    network_acl_id=subnet.network_acl_id,
                )
            ]
        pairs = [
            acl_verdicts(acl, c, port) if acl else no_acl_verdicts(c, port) for c in policy.rdp.admin_cidrs
        ]
        inbound, outbound = [p[0] for p in pairs], [p[1] for p in pairs]
        evidence: dict[str, Any] = {
            "network_acl_id": subnet.network_acl_id,
            "subnet_id": subnet.subnet_id,
            "port": port,
            "inbound": _verdicts_data(inbound),
            "outbound": _verdicts_data(outbound),
        }
        blocked = [
            (d, p)
            for d, vs in (("inbound", inbound), ("outbound", outbound))
            for v in vs
            for p in v.parts
            if p.access is Access.DENY
        ]
        if blocked:
            evidence["blocked"] = [
                {"direction": d, "cidrs": list(p.cidrs), "ports": p.ports, "rule": p.decided_by.text}
                for d, p in blocked
            ]
            d, p = blocked[0]
            what = (
                f"inbound TCP/{port} from {', '.join(p.cidrs)}"
                if d == "inbound"
                else f"return traffic TCP to {', '.join(p.cidrs)} ports {p.ports}"
            )
            return [
                self.fail(
                    instance,
                    f"Network ACL {subnet.network_acl_id} drops {what}: {p.decided_by.text}",
                    evidence,
                )
            ]
        unknown = [p for vs in (inbound, outbound) for v in vs for p in v.parts if p.access is Access.UNKNOWN]
        if unknown:
            causes = _unique(u.text for p in unknown for u in p.uncertain_because)
            return [self.unknown(instance, "unresolvable ACL entr(y/ies): " + "; ".join(causes), **evidence)]
        return []


# ---------------------------------------------------------------- capacity


class _MetricCeiling(Check):
    metrics: ClassVar[tuple[str, ...]] = ()
    what: ClassVar[str] = ""

    def ceiling(self, policy: Policy) -> float:
        raise NotImplementedError

    def evaluate(self, policy, instance, state):
        window = policy.capacity.window_seconds
        found = window_max(instance, state, self.metrics, window)
        if found is None:
            gaps = gaps_for(state, "metrics", instance.instance_id)
            reason = _gap_text(gaps) or f"no {'/'.join(self.metrics)} samples in the last {window} s"
            return [self.unknown(instance, reason, metrics=list(self.metrics), window_seconds=window)]
        top, metric, samples = found
        threshold = self.ceiling(policy)
        if top < threshold:
            return []
        return [
            self.fail(
                instance,
                f"{self.what} peaked at {top:g}% over the last {window} s ({metric}), ceiling {threshold:g}%",
                {
                    "metric": metric,
                    "max": top,
                    "threshold": threshold,
                    "window_seconds": window,
                    "samples": samples,
                },
            )
        ]


@CHECKS.register("CPU_SATURATED")
class CpuSaturated(_MetricCeiling):
    """Max of CpuUsage / BaseCpuUsage over the window >= ``capacity.cpu_ceiling_percent``."""

    severity = Severity.HIGH
    fix = "reboot_instance"
    metrics = ("CpuUsage", "BaseCpuUsage")
    what = "CPU usage"

    def ceiling(self, policy):
        return policy.capacity.cpu_ceiling_percent


@CHECKS.register("MEMORY_SATURATED")
class MemorySaturated(_MetricCeiling):
    """Max of MemUsage over the window >= ``capacity.memory_ceiling_percent``."""

    severity = Severity.HIGH
    fix = "reboot_instance"
    metrics = ("MemUsage",)
    what = "Memory usage"

    def ceiling(self, policy):
        return policy.capacity.memory_ceiling_percent


@CHECKS.register("BANDWIDTH_SATURATED")
class BandwidthSaturated(Check):
    """Max WanOuttraffic (Mbps) over the window >= ceiling % of InternetMaxBandwidthOut."""

    severity = Severity.HIGH
    fix = "raise_bandwidth"

    def evaluate(self, policy, instance, state):
        cap = instance.internet_max_bandwidth_out
        if cap <= 0:
            return []  # BANDWIDTH_ZERO says it
        window, percent = policy.capacity.window_seconds, policy.capacity.bandwidth_ceiling_percent
        found = window_max(instance, state, ("WanOuttraffic",), window)
        if found is None:
            gaps = gaps_for(state, "metrics", instance.instance_id)
            return [
                self.unknown(
                    instance,
                    _gap_text(gaps) or f"no WanOuttraffic samples in the last {window} s",
                    window_seconds=window,
                )
            ]
        top, metric, samples = found
        threshold = cap * percent / 100
        if top < threshold:
            return []
        return [
            self.fail(
                instance,
                f"Outbound traffic peaked at {top:g} Mbps of a {cap} Mbps cap "
                f"(>= {percent:g}%) over the last {window} s",
                {
                    "metric": metric,
                    "max_mbps": top,
                    "threshold_mbps": threshold,
                    "internet_max_bandwidth_out": cap,
                    "ceiling_percent": percent,
                    "min_bandwidth_mbps": policy.capacity.min_bandwidth_mbps,
                    "window_seconds": window,
                    "samples": samples,
                },
            )
        ]


# ---------------------------------------------------------------- guest


class _GuestCheck(Check):
    enabled_by: ClassVar[str] = ""  # GuestExpectations on/off switch ("" = always on)

    def evaluate(self, policy, instance, state):
        if self.enabled_by and not getattr(policy.guest, self.enabled_by):
            return []
        facts, reason = guest_facts(instance, state)
        if facts is None:
            return [self.unknown(instance, reason)]
        return self.judge(policy, instance, facts)

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
        raise NotImplementedError


@CHECKS.register("GUEST_RDP_DISABLED")
class GuestRdpDisabled(_GuestCheck):
    """fDenyTSConnections must be 0 (Remote Desktop allowed)."""

    severity = Severity.CRITICAL
    fix = "guest_enable_rdp"
    enabled_by = "rdp_enabled"

    def judge(self, policy, instance, facts):
        if facts.deny_ts_connections is None:
            return [self.unknown(instance, "probe did not report fDenyTSConnections")]
        if facts.deny_ts_connections == 0:
            return []
        return [
            self.fail(
                instance,
                f"Remote Desktop is disabled (fDenyTSConnections={facts.deny_ts_connections})",
                {"fDenyTSConnections": facts.deny_ts_connections},
            )
        ]


@CHECKS.register("GUEST_TERMSERVICE_STOPPED")
class GuestTermServiceStopped(_GuestCheck):
    """TermService (Remote Desktop Services) must be Running."""

    severity = Severity.CRITICAL
    fix = "guest_start_termservice"
    enabled_by = "termservice_running"

    def judge(self, policy, instance, facts):
        if facts.termservice_state is None:
            return [self.unknown(instance, "probe did not report the TermService state")]
        if facts.termservice_state.lower() == "running":
            return []
        return [
            self.fail(
                instance,
                f"TermService is {facts.termservice_state} "
                f"(start mode {facts.termservice_start_mode or 'unknown'})",
                {
                    "termservice_state": facts.termservice_state,
                    "termservice_start_mode": facts.termservice_start_mode,
                    "listening": facts.listening,
                },
            )
        ]


@CHECKS.register("GUEST_RDP_PORT_CHANGED")
class GuestRdpPortChanged(_GuestCheck):
    """RDP-Tcp PortNumber must equal the policy port, and the Tds PortNumber must equal it too."""

    severity = Severity.CRITICAL
    fix = "guest_align_rdp_port"
    enabled_by = "listener_port_matches"

    def judge(self, policy, instance, facts):
        if facts.rdp_port is None:
            return [self.unknown(instance, "probe did not report the RDP-Tcp PortNumber")]
        want = policy.rdp.port
        evidence = {
            "rdp_port": facts.rdp_port,
            "tds_port": facts.tds_port,
            "policy_port": want,
            "listening": facts.listening,
        }
        if facts.rdp_port != want:
            return [
                self.fail(
                    instance, f"RDP listens on port {facts.rdp_port}, the policy allows {want}", evidence
                )
            ]
        if facts.tds_port is not None and facts.tds_port != facts.rdp_port:
            return [
                self.fail(
                    instance,
                    f"Tds PortNumber {facts.tds_port} differs from RDP-Tcp PortNumber {facts.rdp_port}",
                    evidence,
                )
            ]
        return []


@CHECKS.register("GUEST_FIREWALL_BLOCKS_RDP")
class GuestFirewallBlocksRdp(_GuestCheck):
    """With any Windows Firewall profile on, an enabled inbound allow rule must cover the RDP port."""

    severity = Severity.CRITICAL
    fix = "guest_allow_rdp_firewall"
    enabled_by = "firewall_allows_port"

    def judge(self, policy, instance, facts):
        profiles = facts.firewall_profiles_enabled
        if profiles is None:
            return [self.unknown(instance, "probe did not report the firewall profiles")]
        if not profiles:
            return []
        if facts.firewall_allows_rdp_port is None:
            return [
                self.unknown(
                    instance,
                    "probe did not report whether the firewall allows the RDP port",
                    firewall_profiles_enabled=list(profiles),
                )
            ]
        if facts.firewall_allows_rdp_port:
            return []
        port = facts.rdp_port if facts.rdp_port is not None else policy.rdp.port
        return [
            self.fail(
                instance,
                f"Windows Firewall ({', '.join(profiles)} on) has no inbound allow rule for TCP/{port}",
                {
                    "firewall_profiles_enabled": list(profiles),
                    "port": port,
                    "firewall_allows_rdp_port": False,
                },
            )
        ]


@CHECKS.register("CREDSSP_MISMATCH")
class CredSspMismatch(_GuestCheck):
    """AllowEncryptionOracle must be one of ``guest.allowed_encryption_oracle`` (null = absent)."""

    severity = Severity.HIGH
    fix = "guest_credssp_mitigated"

    def judge(self, policy, instance, facts):
        value, allowed = facts.allow_encryption_oracle, policy.guest.allowed_encryption_oracle
        if value in allowed:
            return []
        shown = "absent" if value is None else value
        return [
            self.fail(
                instance,
                f"CredSSP AllowEncryptionOracle={shown} is not allowed by the policy "
                f"({', '.join('absent' if a is None else str(a) for a in allowed)}); clients "
                "without the 2018 update are refused",
                {
                    "allow_encryption_oracle": value,
                    "allowed": list(allowed),
                    "credssp_patched": facts.credssp_patched,
                },
            )
        ]


@CHECKS.register("PASSWORD_RESET_FAILED")
class PasswordResetFailed(Check):
    """The latest operation was ResetInstancesPassword and it FAILED."""

    severity = Severity.HIGH
    fix = "reset_password"

    def evaluate(self, policy, instance, state):
        if (
            instance.latest_operation != "ResetInstancesPassword"
            or instance.latest_operation_state != "FAILED"
        ):
            return []
        detail = f": {instance.latest_operation_error_msg}" if instance.latest_operation_error_msg else ""
        return [
            self.fail(
                instance,
                f"The last password reset failed{detail}",
                {
                    "latest_operation": instance.latest_operation,
                    "latest_operation_state": instance.latest_operation_state,
                    "latest_operation_error_msg": instance.latest_operation_error_msg,
                },
            )
        ]


@CHECKS.register("GUEST_UNREACHABLE")
class GuestUnreachable(Check):
    """The guest must be inspectable (TAT agent Online, probe succeeded), else guest checks are unknown."""

    severity = Severity.MEDIUM

    def evaluate(self, policy, instance, state):
        facts, reason = guest_facts(instance, state)
        if facts is not None:
            return []
        probe = instance.guest
        return [
            self.unknown(
                instance,
                reason,
                agent_status=probe.agent_status if probe else "",
                task_status=probe.task_status if probe else "",
            )
        ]


@CHECKS.register("UNKNOWN")
class InstanceDataGap(Check):
    """Collection gaps recorded against the instance itself (e.g. a failed status or metadata read)."""

    severity = Severity.MEDIUM

    def evaluate(self, policy, instance, state):
        gaps = gaps_for(state, "instance", instance.instance_id)
        return [self.unknown(instance, _gap_text(gaps))] if gaps else []


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))
