"""TencentCloudProviderBackend: the fixes as pulumi-tencentcloud resources (the production path).

* ``sg_rule``  -> ``tencentcloud.security.GroupRule`` at ``policy_index`` 0 (above any DROP) for
  exactly the policy's CIDR and port;
* ``acl_entry`` -> the subnet's ``tencentcloud.vpc.Acl`` ADOPTED with ``import_`` (``protect``,
  ``retain_on_delete``, name/VPC/tags ignored): only its ``ingresses``/``egresses`` lists are managed,
  declared as the live entries in order with tcremedy's on top (``acl_entries.declared``); entries
  tcremedy made that the policy no longer wants are left out, every other entry stays;
* instance settings -> the affected ``tencentcloud.instance.Instance`` ADOPTED with ``import_``:
  required inputs come from the live state, every property except the managed ones
  (``internet_max_bandwidth_out``, ``running_flag``, ``password``) is in ``ignore_changes``, and it is
  ``protect``-ed and ``retain_on_delete``: tcremedy can change those settings, never replace or
  delete the instance;
* ``reboot`` -> ``tencentcloud.cvm.RebootInstance`` (only planned when the policy allows it);
* ``password`` -> the adopted instance's ``password`` input, as a Pulumi secret;
* ``guest_fix`` -> ``tencentcloud.tat.InvocationCommandAttachment`` running the guest fix script.

Credentials and region reach the default provider through the engine's environment
(``TENCENTCLOUD_SECRET_ID`` / ``_SECRET_KEY`` / ``_REGION``), never through state.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import tencentcloud_iac_pulumi as tencentcloud

from tcremedy.cloud.state import Instance, LiveState, NetworkAclEntry
from tcremedy.guest.fixes import COMMAND_NAME_PREFIX, encoded_script, script_digest
from tcremedy.remediate.acl_entries import WantedEntry, declared, identical
from tcremedy.remediate.planner import FixResource
from tcremedy.remediate.rule_match import owned

PATH = "tencentcloud-provider"
MANAGED = ("internet_max_bandwidth_out", "running_flag", "password")
INSTANCE_INPUTS: tuple[str, ...] = tuple(
    p for p in inspect.signature(tencentcloud.instance.InstanceArgs.__init__).parameters if p != "__self__"
)


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
    path = PATH

    def __init__(self, state: LiveState, region: str, passwords: Mapping[str, str] | None = None) -> None:
        self._state = state
        self._region = region
        self._passwords = dict(passwords or {})

    def security_group_rule(self, res: FixResource, after: pulumi.Resource | None = None) -> pulumi.Resource:
        p = res.params
        return tencentcloud.security.GroupRule(
            res.key,
            security_group_id=p["security_group_id"],
            type="ingress",
            cidr_ip=p["cidr_block"],
            ip_protocol=p["protocol"],
            port_range=str(p["port"]),
            policy=p["action"],
            policy_index=int(p.get("policy_index", 0)),
            description=p.get("description"),
            opts=pulumi.ResourceOptions(depends_on=[after] if after is not None else []),
        )

    def network_acl_entries(self, acl_id: str, entries: Sequence[FixResource]) -> list[pulumi.Resource]:
        acl = self._state.network_acls[acl_id]
        lists: dict[str, list[str]] = {}
        for direction, live in (("ingress", acl.ingress), ("egress", acl.egress)):
            wanted = [  # the provider documents upper-case descriptions; ownership ignores case
                WantedEntry.from_params(
                    {**r.params, "description": str(r.params.get("description", "")).upper()}
                )
                for r in sorted(entries, key=lambda r: r.key)
                if r.params["direction"] == direction
            ]
            kept = [e for e in live if not owned(e.description) or any(identical(e, w) for w in wanted)]
            lists[direction] = [acl_rule_text(e) for e in declared(kept, wanted)]
        adopted = tencentcloud.vpc.Acl(
            f"network-acl-{acl_id}",
            vpc_id=acl.vpc_id,
            name=acl.name,
            ingresses=lists["ingress"],
            egresses=lists["egress"],
            opts=pulumi.ResourceOptions(
                import_=acl_id, protect=True, retain_on_delete=True, ignore_changes=["vpc_id", "name", "tags"]
            ),
        )
        return [adopted]

    def instance_fixes(self, instance_id: str, fixes: Sequence[FixResource]) -> list[pulumi.Resource]:
        inst = self._state.instances[instance_id]
        args = adopted_inputs(inst)
        managed: list[str] = []
        for res in fixes:
            if res.kind == "bandwidth":
                args["internet_max_bandwidth_out"] = max(
                    int(res.params["target_mbps"]), inst.internet_max_bandwidth_out
                )
                managed.append("internet_max_bandwidth_out")
            elif res.kind == "running":
                args["running_flag"] = True
                managed.append("running_flag")
            elif res.kind == "password" and self._passwords.get(instance_id):
                args["password"] = pulumi.Output.secret(self._passwords[instance_id])
                managed.append("password")
        ignore = [name for name in INSTANCE_INPUTS if name not in managed]
        adopted = tencentcloud.instance.Instance(
            f"instance-{instance_id}",
            **args,
            opts=pulumi.ResourceOptions(
                import_=instance_id, protect=True, retain_on_delete=True, ignore_changes=ignore
            ),
        )
        made: list[pulumi.Resource] = [adopted]
        for res in sorted(fixes, key=lambda r: r.key):
            after = pulumi.ResourceOptions(depends_on=[adopted], replacement_trigger=_trigger(res))
            if res.kind == "reboot":
                made.append(
                    tencentcloud.cvm.RebootInstance(
                        res.key, instance_id=instance_id, stop_type="SOFT_FIRST", opts=after
                    )
                )
            elif res.kind == "guest_fix":
                name, port = res.params["script"], res.params.get("port")
                made.append(
                    tencentcloud.tat.InvocationCommandAttachment(
                        res.key,
                        instance_id=instance_id,
                        content=encoded_script(name, port),
                        command_type="POWERSHELL",
                        command_name=f"{COMMAND_NAME_PREFIX}{name}",
                        timeout=120,
                        opts=after,
                    )
                )
        return made


def acl_rule_text(entry: NetworkAclEntry) -> str:
    """``ACTION#CIDR#PORT#PROTOCOL[#DESCRIPTION]``, the provider's entry format ('#' cannot be in a field)."""
    port = entry.port if entry.protocol.upper() in ("TCP", "UDP") and entry.port else "ALL"
    fields = [entry.action.upper(), entry.cidr_block or entry.ipv6_cidr_block, port, entry.protocol.upper()]
    if entry.description:
        fields.append(entry.description.replace("#", " "))
    return "#".join(fields)


def _trigger(res: FixResource) -> str:
    """A new value re-runs a one-shot action (a new finding occurrence, or a changed script)."""
    digest = script_digest(res.params["script"], res.params.get("port")) if res.kind == "guest_fix" else ""
    return f"{res.params.get('trigger', '')}/{digest}"
