"""TencentCloudProviderBackend: the fixes as pulumi-tencentcloud resources (the production path).

* ``sg_rule``  -> ``tencentcloud.security.GroupRule`` at ``policy_index`` 0 (above any DROP) for
  exactly the policy's CIDR and port. Every field is ForceNew and the provider's Read matches the
  rule by fields, never by position, so a DROP added later above it is no drift to the provider:
  the rule's ``trigger`` (a new one each time diagnosis sees the rule blocked) replaces it, deleting
  first (``delete_before_replace``: the API refuses a duplicate);
* ``acl_entry`` -> the subnet's ``tencentcloud.vpc.Acl`` ADOPTED with ``import_`` (``protect``,
  ``retain_on_delete``, name/VPC/tags ignored): only its ``ingresses``/``egresses`` lists are managed,
  declared exactly as the provider's Read renders them (``acl_read_text``: each whole entry string
  upper-cased, default entries left out) with tcremedy's on top; entries tcremedy made that the
  policy no longer wants are left out, every other entry stays;
* instance settings -> the affected ``tencentcloud.instance.Instance`` ADOPTED with ``import_``:
  required inputs come from the live state, every property except the managed ones
  (``internet_max_bandwidth_out``, ``running_flag``, ``password``) is in ``ignore_changes``, and it is
  ``protect``-ed and ``retain_on_delete``: tcremedy can change those settings, never replace or
  delete the instance;
* ``reboot`` -> ``tencentcloud.cvm.RebootInstance`` (only planned when the policy allows it);
* ``password`` -> the adopted instance's ``password`` input, as a Pulumi secret, with ``running_flag``
  true: the provider leaves the instance stopped after its ForceStop reset, apply's next pass
  starts it through ``running_flag``;
* ``guest_fix`` -> ``tencentcloud.tat.InvocationCommandAttachment`` running the guest fix script in
  the Windows working directory as System (both declared, so the provider's Read, which sets them,
  finds nothing to replace), only once the instance is RUNNING with its agent Online after the
  instance's other steps (``ready``); its invocation id is exported (``INVOCATIONS_OUTPUT``) so
  ``apply`` waits for the tasks and fails the step with the script's output.

Credentials and region reach the provider through its own configuration
(``tencentcloud:secretId``/``secretKey``/``securityToken`` as Pulumi secrets, ``region``), set by
``apply`` (``tcremedy.remediate.provider_config``), never through the environment or resource inputs.
"""

from __future__ import annotations

import base64
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import tencentcloud_iac_pulumi as tencentcloud

from tcremedy.cloud.state import Instance, LiveState, NetworkAclEntry, SecurityGroupRule
from tcremedy.guest.fixes import COMMAND_NAME_PREFIX, RUN_AS, WORKING_DIRECTORY, encoded_script, script_digest
from tcremedy.remediate.acl_entries import WantedEntry, declared, identical
from tcremedy.remediate.fixes import FixResource
from tcremedy.remediate.rule_match import live_rule_drops, owned, port_range, state_templates

PATH = "tencentcloud-provider"
INVOCATIONS_OUTPUT = "guestInvocations"  # guest fix key -> "<invocation id>#<instance id>"
ADOPTED_TRIGGER = "adopted"  # the replacement trigger of a rule adopted under a DROP, until moved
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
        self._state = state
        self._region = region
        self._passwords = dict(passwords or {})
        self._ready = ready
        self._in_state = dict(in_state or {})
        self.exports: dict[str, Any] = {INVOCATIONS_OUTPUT: {}}
        self.adopting: list[str] = []  # shadowed rules adopted this run: a second pass moves them up

    def security_group_rule(self, res: FixResource, after: pulumi.Resource | None = None) -> pulumi.Resource:
        p = res.params
        live, shadowed = self._live_rule(p)
        opts: dict[str, Any] = {
            "depends_on": [after] if after is not None else [],
            "delete_before_replace": True,  # every field is ForceNew and the API refuses a duplicate
            "replacement_trigger": str(p.get("trigger", "")),
        }
        recorded = self._in_state.get(res.key) or {}
        if (
            live is not None
            and not shadowed
            and recorded.get("ipProtocol") == "ALL" != str(p["protocol"]).upper()
        ):
            opts["ignore_changes"] = ["ip_protocol"]  # adopted by import (see below): nothing to move
        if live is not None and res.key not in self._in_state:
            # The rule is there but not in the stack (the admin's, or ours from a run killed before it
            # saved): creating it again would be refused as a duplicate, so it is adopted as it is.
            opts["import_"] = group_rule_id(p, live.description)
            # Read keeps ip_protocol as declared and so gives "ALL" on an import (no declaration yet):
            # ignored for the import only; the next declaration sets it (a replace, wanted when moving).
            opts["ignore_changes"] = ["ip_protocol"]
            opts["replacement_trigger"] = ADOPTED_TRIGGER if shadowed else opts["replacement_trigger"]
            if shadowed:
                self.adopting.append(res.key)
        if live is not None and not owned(live.description) and not shadowed:
            opts["retain_on_delete"] = True  # the admin's rule: removing the fix only forgets it
        return tencentcloud.security.GroupRule(
            res.key,
            security_group_id=p["security_group_id"],
            type="ingress",
            cidr_ip=p["cidr_block"],
            ip_protocol=p["protocol"],
            port_range=str(p["port"]),
            policy=p["action"],
            policy_index=int(p.get("policy_index", 0)),
            description=live.description if live is not None else p.get("description"),
            opts=pulumi.ResourceOptions(**opts),
        )

    def _live_rule(self, p: Mapping[str, Any]) -> tuple[SecurityGroupRule | None, bool]:
        """The group's rule with exactly these fields (the provider's Read would find it), and
        whether a DROP above it shadows it."""
        group = self._state.security_groups.get(p["security_group_id"])
        rules = list(group.ingress) if group is not None else []
        for i, rule in enumerate(rules):
            if (
                rule.protocol.upper() == str(p["protocol"]).upper()
                and rule.port == str(p["port"])
                and rule.cidr_block == p["cidr_block"]
                and rule.action.upper() == str(p["action"]).upper()
            ):
                templates = state_templates(self._state)  # a DROP written with templates shadows too
                ports = port_range(str(p["port"]))
                shadowed = any(live_rule_drops(r, p["cidr_block"], ports, templates) for r in rules[:i])
                return rule, shadowed
        return None, False

    def network_acl_entries(self, acl_id: str, entries: Sequence[FixResource]) -> list[pulumi.Resource]:
        acl = self._state.network_acls[acl_id]
        lists: dict[str, list[str]] = {}
        for direction, live in (("ingress", acl.ingress), ("egress", acl.egress)):
            wanted = [  # Read upper-cases descriptions: ownership ignores case
                WantedEntry.from_params(
                    {**r.params, "description": str(r.params.get("description", "")).upper()}
                )
                for r in sorted(entries, key=lambda r: r.key)
                if r.params["direction"] == direction
            ]
            kept = [e for e in live if not owned(e.description) or any(identical(e, w) for w in wanted)]
            lists[direction] = [acl_read_text(e) for e in declared(kept, wanted) if not read_drops(e)]
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
                # the provider resets with ForceStop and never starts the instance: running_flag
                # does, in apply's next pass, once Read has seen it stopped (as the SDK path ends)
                args["running_flag"] = True
                managed.extend(["password", "running_flag"])
        ignore = [name for name in INSTANCE_INPUTS if name not in managed]
        adopted = tencentcloud.instance.Instance(
            f"instance-{instance_id}",
            **args,
            opts=pulumi.ResourceOptions(
                import_=instance_id, protect=True, retain_on_delete=True, ignore_changes=ignore
            ),
        )
        made: list[pulumi.Resource] = [adopted]
        for res in sorted(fixes, key=lambda r: (r.kind != "reboot", r.key)):  # reboots first
            after = pulumi.ResourceOptions(depends_on=list(made), replacement_trigger=_trigger(res))
            if res.kind == "reboot":
                made.append(
                    tencentcloud.cvm.RebootInstance(
                        res.key, instance_id=instance_id, stop_type="SOFT_FIRST", opts=after
                    )
                )
            elif res.kind == "guest_fix":
                name, port = res.params["script"], res.params.get("port")
                fix = tencentcloud.tat.InvocationCommandAttachment(
                    res.key,
                    instance_id=self._gate(instance_id, res.key, made),
                    content=encoded_script(name, port, res.params.get("revert_minutes")),
                    command_type="POWERSHELL",
                    command_name=f"{COMMAND_NAME_PREFIX}{name}",
                    working_directory=WORKING_DIRECTORY,
                    username=RUN_AS,
                    timeout=120,
                    opts=after,
                )
                self.exports[INVOCATIONS_OUTPUT][res.key] = fix.id
                made.append(fix)
        return made

    def _gate(self, instance_id: str, step: str, before: Sequence[pulumi.Resource]) -> pulumi.Output[str]:
        """The instance id, once the steps ``before`` are done and the guest can take a fix."""

        def wait(_: object) -> str:
            if self._ready is not None and not pulumi.runtime.is_dry_run():
                self._ready(instance_id, step)
            return instance_id

        ids = [r.id for r in before if isinstance(r, pulumi.CustomResource)]
        return pulumi.Output.all(*ids).apply(wait)


def group_rule_id(p: Mapping[str, Any], description: str) -> str:
    """The provider's ID of a security group rule (``buildSecurityGroupRuleId``,
    vpc/service_tencentcloud_vpc.go): base64 of the JSON of its fields, in the struct's order."""
    info = {
        "sg_id": p["security_group_id"],
        "policy_type": "ingress",
        "cidr_ip": p["cidr_block"],
        "protocol": p["protocol"],
        "port_range": str(p["port"]),
        "action": p["action"],
        "source_sg_id": "",
        "description": description,
    }
    return base64.b64encode(json.dumps(info, separators=(",", ":")).encode()).decode()


def read_drops(entry: NetworkAclEntry) -> bool:
    """The provider's Read leaves out what ``CheckIfDefaultRule`` calls default (vpc/resource_tc_vpc_acl.go
    ~l.406-421): all/0.0.0.0/0/DROP and all/::/0/ACCEPT (the API's "all"/"Drop"/"Accept", here
    upper-cased by collection) -- an admin's explicit deny-all too."""
    everything = entry.protocol.upper() == "ALL"
    ipv4_drop = entry.cidr_block == "0.0.0.0/0" and entry.action.upper() == "DROP"
    ipv6_accept = entry.ipv6_cidr_block == "::/0" and entry.action.upper() == "ACCEPT"
    return everything and (ipv4_drop or ipv6_accept)


def acl_read_text(entry: NetworkAclEntry) -> str:
    """The entry exactly as the provider's Read renders it (resource_tc_vpc_acl.go ~l.160-270):
    ``ACTION#CIDR#PORT#PROTOCOL[#DESCRIPTION]``, an empty port as ALL, the whole string upper-cased.
    Entries it cannot round-trip (IPv6: Read gives an empty CIDR; a '#' in the description) are
    manual steps (``tcremedy.remediate.acl_entries.provider_cannot_write``), never declared."""
    if entry.ipv6_cidr_block or "#" in entry.description:
        raise ValueError(f"ACL entry {entry} cannot be written through the provider's entry format")
    fields = [entry.action, entry.cidr_block, entry.port or "ALL", entry.protocol]
    if entry.description:
        fields.append(entry.description)
    return "#".join(fields).upper()


def _trigger(res: FixResource) -> str:
    """A new value re-runs a one-shot action (a new finding occurrence, or a changed script)."""
    digest = (
        script_digest(res.params["script"], res.params.get("port"), res.params.get("revert_minutes"))
        if res.kind == "guest_fix"
        else ""
    )
    return f"{res.params.get('trigger', '')}/{digest}"
