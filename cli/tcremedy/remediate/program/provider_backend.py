"""TencentCloudProviderBackend: the fixes as pulumi-tencentcloud resources (the production path).

What each fix declares lives in its own module (``tcremedy.remediate.fixes``: ``provider_resource``,
``provider_inputs``, ``provider_group``); this backend only dispatches through the registry and
declares what fixes of one scope share:

* instance scope -> the affected ``tencentcloud.instance.Instance`` ADOPTED with ``import_``:
  required inputs come from the live state, every property except those the instance's fixes set
  (``provider_inputs``: ``internet_max_bandwidth_out``, ``running_flag``, ``password``) is in
  ``ignore_changes``, and it is ``protect``-ed and ``retain_on_delete``: tcremedy can change those
  settings, never replace or delete the instance. The fixes' own resources (a reboot, guest fixes)
  follow it, in ``provider_order``, each after the ones before;
* security-group scope -> each rule after the group's previous one (each insert bumps its Version);
* network-ACL scope -> one declaration per ACL, from all of its fix resources.

Credentials and region reach the provider through its own configuration
(``tencentcloud:secretId``/``secretKey``/``securityToken`` as Pulumi secrets, ``region``), set by
``apply`` (``tcremedy.remediate.provider_config``), never through the environment or resource inputs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import tencentcloud_iac_pulumi as tencentcloud

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.remediate.fixes import FIXES, Fix, FixResource

PATH = "tencentcloud-provider"
INSTANCE_INPUTS: tuple[str, ...] = tuple(
    p for p in inspect.signature(tencentcloud.instance.InstanceArgs.__init__).parameters if p != "__self__"
)
# The instance inputs tcremedy's fixes may set (``provider_inputs``); every other one is ignored.
MANAGED = ("internet_max_bandwidth_out", "running_flag", "password")


def adopted_inputs(inst: Instance) -> dict[str, Any]:
    """The instance's inputs as they are live (what ``import_`` must match)."""
    args: dict[str, Any] = {
        "availability_zone": inst.zone or None,
        "image_id": inst.image_id or None,
        "instance_type": inst.instance_type or None,
        "instance_name": inst.name or None,
        "vpc_id": inst.vpc_id or None,
        "subnet_id": inst.subnet_id or None,
        "orderly_security_groups": list(inst.security_group_ids) or None,
        "allocate_public_ip": bool(inst.public_ip_addresses),
        "instance_charge_type": inst.instance_charge_type or None,
        "internet_charge_type": inst.internet_charge_type or None,
        "internet_max_bandwidth_out": inst.internet_max_bandwidth_out,
        "running_flag": inst.state == "RUNNING",
    }
    return {k: v for k, v in args.items() if v is not None}


class TencentCloudProviderBackend:
    """The ``ProviderProgram`` the fixes' provider declarations read (``fixes.base``)."""

    path = PATH

    def __init__(
        self,
        state: LiveState,
        region: str,
        passwords: Mapping[str, str] | None = None,
        ready: Callable[[str, str], None] | None = None,
        in_state: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """``ready(instance_id, step)`` blocks until the instance can take a guest fix (RUNNING,
        agent Online) or raises naming ``step``; it is never called in a preview. ``in_state``: the
        recorded inputs of each resource the stack holds, by name."""
        self.state = state
        self.region = region
        self.passwords = dict(passwords or {})
        self._ready = ready
        self.in_state = dict(in_state or {})
        self.exports: dict[str, Any] = {name: {} for fix in FIXES for name in fix.provider_outputs}
        self.adopting: list[str] = []  # shadowed rules adopted this run: a second pass moves them up

    def security_group_rule(self, res: FixResource, after: pulumi.Resource | None = None) -> pulumi.Resource:
        made = FIXES.of(res).provider_resource(self, res, [after] if after is not None else [])
        if made is None:
            raise ValueError(f"{res.key}: fix {res.fix!r} declares no provider resource")
        return made

    def network_acl_entries(self, acl_id: str, entries: Sequence[FixResource]) -> list[pulumi.Resource]:
        by_fix: dict[str, tuple[Fix, list[FixResource]]] = {}
        for res in entries:
            by_fix.setdefault(FIXES.of(res).name, (FIXES.of(res), []))[1].append(res)
        return [made for fix, listed in by_fix.values() for made in fix.provider_group(self, acl_id, listed)]

    def instance_fixes(self, instance_id: str, fixes: Sequence[FixResource]) -> list[pulumi.Resource]:
        inst = self.state.instances[instance_id]
        args = adopted_inputs(inst)
        managed: list[str] = []
        for res in fixes:
            inputs = FIXES.of(res).provider_inputs(self, res, inst)
            if unmanaged := sorted(set(inputs) - set(MANAGED)):
                raise ValueError(f"{res.key}: sets instance inputs tcremedy does not manage: {unmanaged}")
            args.update(inputs)
            managed.extend(inputs)
        ignore = [name for name in INSTANCE_INPUTS if name not in managed]
        adopted = tencentcloud.instance.Instance(
            f"instance-{instance_id}",
            **args,
            opts=pulumi.ResourceOptions(
                import_=instance_id, protect=True, retain_on_delete=True, ignore_changes=ignore
            ),
        )
        made: list[pulumi.Resource] = [adopted]
        for res in sorted(fixes, key=lambda r: (FIXES.of(r).provider_order, r.key)):
            own = FIXES.of(res).provider_resource(self, res, list(made))
            if own is not None:
                made.append(own)
        return made

    def gate(self, instance_id: str, step: str, before: Sequence[pulumi.Resource]) -> pulumi.Output[str]:
        """The instance id, once the steps ``before`` are done and the guest can take a fix."""

        def wait(_: object) -> str:
            if self._ready is not None and not pulumi.runtime.is_dry_run():
                self._ready(instance_id, step)
            return instance_id

        ids = [r.id for r in before if isinstance(r, pulumi.CustomResource)]
        return pulumi.Output.all(*ids).apply(wait)
