"""SdkDynamicBackend: the fixes as Pulumi dynamic resources over tencentcloud-sdk-python.

This is the fallback when the ``pulumi-resource-tencentcloud`` plugin is not available; it is
never presented as the plugin path. Provider implementations live in the installed package
(``tcremedy.remediate.sdk_providers``) because the engine's python unpickles them by reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from tcremedy.guest.fixes import script_digest
from tcremedy.remediate import sdk_providers as sp
from tcremedy.remediate.fixes import FIXES, FixResource

PATH = "sdk-dynamic"


class SecurityGroupIngressRule(dyn.Resource, module="tcremedy", name="SecurityGroupIngressRule"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(sp.SecurityGroupIngressRuleProvider(), name, {**props, "adopted": None}, opts)


class AclRdpEntry(dyn.Resource, module="tcremedy", name="AclRdpEntry"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(sp.AclRdpEntryProvider(), name, {**props, "adopted": None}, opts)


class InstanceBandwidth(dyn.Resource, module="tcremedy", name="InstanceBandwidth"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(sp.InstanceBandwidthProvider(), name, {**props, "previous_mbps": None}, opts)


class InstanceRunning(dyn.Resource, module="tcremedy", name="InstanceRunning"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(sp.InstanceRunningProvider(), name, dict(props), opts)


class InstanceReboot(dyn.Resource, module="tcremedy", name="InstanceReboot"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(sp.InstanceRebootProvider(), name, dict(props), opts)


class InstancePassword(dyn.Resource, module="tcremedy", name="InstancePassword"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(sp.InstancePasswordProvider(), name, dict(props), opts)


class GuestFix(dyn.Resource, module="tcremedy", name="GuestFix"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(sp.GuestFixProvider(), name, {**props, "invocation_id": None}, opts)


CLASSES: dict[str, type[dyn.Resource]] = {  # dynamic type name (``Fix.dynamic_type``) -> class
    c.__name__: c
    for c in (
        SecurityGroupIngressRule,
        AclRdpEntry,
        InstanceBandwidth,
        InstanceRunning,
        InstanceReboot,
        InstancePassword,
        GuestFix,
    )
}
INSTANCE_CLASSES: dict[str, type[dyn.Resource]] = {
    kind: CLASSES[fix.dynamic_type] for kind in FIXES.kinds("instance") if (fix := FIXES.for_kind(kind))
}


# Start the instance first; the guest fixes last (they need a running guest).
KIND_ORDER = ("running", "bandwidth", "password", "reboot", "guest_fix")


class SdkDynamicBackend:
    """Declares each fix as one dynamic resource. ``passwords``: instance id -> new password."""

    path = PATH

    def __init__(self, passwords: Mapping[str, str] | None = None) -> None:
        self._passwords = dict(passwords or {})

    def security_group_rule(self, res: FixResource, after: pulumi.Resource | None = None) -> pulumi.Resource:
        opts = pulumi.ResourceOptions(depends_on=[after] if after is not None else [])
        return SecurityGroupIngressRule(res.key, dict(res.params), opts)

    def network_acl_entries(self, acl_id: str, entries: Sequence[FixResource]) -> list[pulumi.Resource]:
        """One resource per entry, one after the other: each reads the ACL and rewrites a direction."""
        made: list[pulumi.Resource] = []
        for res in sorted(entries, key=lambda r: r.key):
            opts = pulumi.ResourceOptions(depends_on=made[-1:])
            made.append(AclRdpEntry(res.key, dict(res.params), opts))
        return made

    def instance_fixes(self, instance_id: str, fixes: Sequence[FixResource]) -> list[pulumi.Resource]:
        made: list[pulumi.Resource] = []
        for res in sorted(fixes, key=lambda r: (KIND_ORDER.index(r.kind), r.key)):
            props: dict[str, Any] = dict(res.params)
            if res.kind == "password":
                # A Pulumi secret: encrypted in state, never an output. An empty value on a kept
                # (carried-over) fix changes nothing: the provider diffs the trigger, not the password.
                props["password"] = pulumi.Output.secret(self._passwords.get(instance_id, ""))
            if res.kind == "guest_fix":
                props["digest"] = script_digest(
                    props["script"], props.get("port"), props.get("revert_minutes")
                )
            # One after the other in KIND_ORDER: a guest fix only once the instance is started, its
            # password reset and reboot are done (each of those waits until it is RUNNING again).
            opts = pulumi.ResourceOptions(depends_on=list(made))
            made.append(INSTANCE_CLASSES[res.kind](res.key, props, opts))
        return made
