"""Guest causes past the listener: third-party security software, the CredSSP update, NLA."""

from __future__ import annotations

from tcremedy.cloud.state import GuestFacts, Instance, LiveState
from tcremedy.diagnose.checks.base import CHECKS
from tcremedy.diagnose.checks.guest import _GuestCheck
from tcremedy.diagnose.findings import Finding, Severity
from tcremedy.guest.probe import SECURITY_SERVICES
from tcremedy.policy.model import Policy


@CHECKS.register("GUEST_SECURITY_SOFTWARE")
class GuestSecuritySoftware(_GuestCheck):
    """Running third-party firewall / host-protection services can drop RDP before it reaches the listener.

    The probe cannot see their rules, so this is a finding to check by hand. In causal order it comes
    after Windows Firewall: it is the root cause only when nothing earlier on the packet's path fails.
    """

    severity = Severity.HIGH

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
        if facts.security_software is None:
            return []  # an older probe: nothing reported, nothing claimed
        running = [s for s in facts.security_software if str(s.get("State", "")).lower() == "running"]
        if not running:
            return []
        names = [
            f"{s.get('Name')} ({SECURITY_SERVICES.get(str(s.get('Name')), 'security software')})"
            for s in running
        ]
        return [
            self.fail(
                instance,
                f"Third-party security software runs in the guest: {', '.join(names)}; it may filter "
                f"inbound TCP/{policy.rdp.port}",
                {"services": [dict(s) for s in running], "port": policy.rdp.port},
                fix=None,
            )
        ]


@CHECKS.register("GUEST_CREDSSP_UNPATCHED")
class GuestCredSspUnpatched(_GuestCheck):
    """The server must have the May 2018 CredSSP update (CVE-2018-0886).

    Microsoft's compatibility table (KB4093492, "CredSSP updates for CVE-2018-0886"): an updated client
    with the default "Mitigated" policy is BLOCKED by an unpatched server ("Authentication error ...
    CredSSP encryption oracle remediation"); both sides need the update.
    """

    severity = Severity.HIGH

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
        if facts.credssp_patched is None or facts.credssp_patched:
            return []
        return [
            self.fail(
                instance,
                "The server lacks the 2018 CredSSP update (CVE-2018-0886): updated RDP clients are refused",
                {"credssp_patched": False, "allow_encryption_oracle": facts.allow_encryption_oracle},
                fix=None,
            )
        ]


@CHECKS.register("GUEST_NLA_MISMATCH")
class GuestNlaMismatch(_GuestCheck):
    """RDP-Tcp UserAuthentication must match ``guest.nla`` (``required`` = 1, ``off`` = 0, ``any``)."""

    severity = Severity.MEDIUM
    fix = "guest_set_nla"

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        if policy.guest.nla == "any":
            return []  # no expectation, nothing to check (and nothing unknown)
        return super().evaluate(policy, instance, state)

    def judge(self, policy: Policy, instance: Instance, facts: GuestFacts) -> list[Finding]:
        want = policy.guest.nla
        if want == "any":
            return []
        if facts.nla_required is None:
            return [self.unknown(instance, "probe did not report UserAuthentication (NLA)")]
        expected = 1 if want == "required" else 0
        if facts.nla_required == expected:
            return []
        return [
            self.fail(
                instance,
                f"Network Level Authentication is {'on' if facts.nla_required else 'off'} "
                f"(UserAuthentication={facts.nla_required}), the policy wants it {want}",
                {"user_authentication": facts.nla_required, "policy_nla": want},
            )
        ]
