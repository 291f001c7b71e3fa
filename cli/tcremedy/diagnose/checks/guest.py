"""Checks inside the Windows guest, judged from the read-only probe's facts."""

from __future__ import annotations

from typing import ClassVar

from tcremedy.cloud.state import GuestFacts, Instance, LiveState
from tcremedy.diagnose.checks.base import CHECKS, Check
from tcremedy.diagnose.findings import Finding, Severity
from tcremedy.diagnose.readings import guest_facts, silent_listener_cause
from tcremedy.policy.model import Policy


class _GuestCheck(Check):
    """A check on the probe's facts; UNKNOWN when there are none (``GUEST_UNREACHABLE`` says why)."""

    enabled_by: ClassVar[str] = ""  # GuestExpectations on/off switch ("" = always on)

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
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

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
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

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
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


@CHECKS.register("GUEST_RDP_NOT_LISTENING")
class GuestRdpNotListening(_GuestCheck):
    """Something must listen on the RDP port when TermService runs and Remote Desktop is enabled.

    The guide's ``telnet <ip> 3389`` / ``netstat -ant | findstr 3389`` check: a running service with
    no listener (a stuck RDP-Tcp listener) needs a restart. A silent port that a stopped service,
    disabled RDP or a changed port explains is left to that finding.
    """

    severity = Severity.CRITICAL
    fix = "guest_start_termservice"
    enabled_by = "rdp_listening"

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
        if facts.listening or silent_listener_cause(facts, policy.rdp.port):
            return []
        if facts.listening is None:
            return [self.unknown(instance, "probe did not report whether anything listens on the RDP port")]
        missing = [
            name
            for name, value in (
                ("the TermService state", facts.termservice_state),
                ("fDenyTSConnections", facts.deny_ts_connections),
                ("the RDP-Tcp PortNumber", facts.rdp_port),
            )
            if value is None
        ]
        if missing:
            return [
                self.unknown(
                    instance,
                    f"nothing listens on the RDP port, but the probe did not report {', '.join(missing)}",
                    listening=False,
                )
            ]
        return [
            self.fail(
                instance,
                f"Nothing listens on TCP/{facts.rdp_port} although TermService is {facts.termservice_state} "
                "and Remote Desktop is enabled (stuck listener; restart Remote Desktop Services)",
                {
                    "listening": False,
                    "rdp_port": facts.rdp_port,
                    "termservice_state": facts.termservice_state,
                    "termservice_start_mode": facts.termservice_start_mode,
                    "fDenyTSConnections": facts.deny_ts_connections,
                },
            )
        ]


@CHECKS.register("GUEST_RDP_PORT_CHANGED")
class GuestRdpPortChanged(_GuestCheck):
    """RDP-Tcp PortNumber must equal the policy port, and the Tds PortNumber must equal it too."""

    severity = Severity.CRITICAL
    fix = "guest_align_rdp_port"
    enabled_by = "listener_port_matches"

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
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

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
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

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
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


@CHECKS.register("GUEST_UNREACHABLE")
class GuestUnreachable(Check):
    """The guest must be inspectable (TAT agent Online, probe succeeded), else guest checks are unknown."""

    severity = Severity.MEDIUM

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
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
