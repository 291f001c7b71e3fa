"""The CrossGuard type table: one compliant and one non-compliant declaration per resource type (or
form of one) that can open RDP or starve it, declared with the real SDK classes (pulumi-tencentcloud
0.2.3, tcremedy's own dynamic resources) into ONE program, previewed once with the pack.

Each row declares ``<slug>-ok`` and ``<slug>-bad`` (plus the templates they use, named
``<slug>-t-*``, which are never judged themselves). ``misses(violations)`` compares what the pack
reported with the table: a bad resource it let through, or an ok one it refused.

Used by ``tests/engine/test_crossguard_types.py`` and ``bench/robust_crossguard.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ADMIN = "203.0.113.0/24"  # inside the default policy's admin CIDRs
OUTSIDE = "10.0.0.0/8"
V6 = "2001:db8::/32"
REPO = Path(__file__).resolve().parents[2]
PACK = str(REPO / "policies" / "crossguard" / "analyzer")
STANDIN_BIN = REPO / "tests" / "standin" / "bin"
SG, VPC, ACL = "sg-guard0001", "vpc-guard0001", "acl-guard0001"


@dataclass(frozen=True)
class Row:
    label: str
    type_token: str
    slug: str
    declare: Callable[[str, bool, Mapping[str, str]], None]  # (name, compliant, cloud template ids)


# ------------------------------------------------------------------ declarations


def _sdk():
    import tencentcloud_iac_pulumi as tc

    return tc


def _group_rule(name: str, cidr: str | None = None, port: str = "3389", **extra: Any) -> None:
    tc = _sdk()
    tc.security.GroupRule(name, security_group_id=SG, type="ingress", policy="ACCEPT", cidr_ip=cidr,
                          ip_protocol=None if "protocol_template" in extra else "TCP",
                          port_range=None if "protocol_template" in extra else port, **extra)


def _lite_rule(name: str, ingresses: list[Any]) -> None:
    # group_lite_rule.py ships in the package but security/__init__.py does not export it
    from tencentcloud_iac_pulumi.security.group_lite_rule import GroupLiteRule

    GroupLiteRule(name, security_group_id=SG, ingresses=ingresses)


def _address(name: str, *addresses: str):
    return _sdk().address.Template(name, name=name, addresses=list(addresses))


def _protocol(name: str, *protocols: str):
    return _sdk().protocol.Template(name, name=name, protocols=list(protocols))


def group_rule_v4(name, ok, _cloud):
    _group_rule(name, ADMIN if ok else "0.0.0.0/0")


def group_rule_v6(name, ok, _cloud):
    _group_rule(name, V6 if ok else "::/0", port="443" if ok else "3389")


def group_rule_template(name, ok, _cloud):
    tc = _sdk()
    template = _address(f"{name}-t-addr", ADMIN if ok else "0.0.0.0/0")
    _group_rule(name, address_template=tc.security.GroupRuleAddressTemplateArgs(template_id=template.id))


def group_rule_template_group(name, ok, _cloud):
    tc = _sdk()
    admin = _address(f"{name}-t-admin", ADMIN, "198.51.100.10")
    members = [admin.id]
    if not ok:  # an extra template (addresses with remarks) holding a range outside the admin CIDRs
        extra = tc.address.ExtraTemplate(f"{name}-t-extra", name="extra", addresses_extras=[
            tc.address.ExtraTemplateAddressesExtraArgs(address="192.0.2.1-192.0.2.9", description="x")])
        members.append(extra.id)
    group = tc.address.TemplateGroup(f"{name}-t-group", name="admins", template_ids=members)
    _group_rule(name, address_template=tc.security.GroupRuleAddressTemplateArgs(group_id=group.id))


def group_rule_group_of_cloud_templates(name, ok, cloud):
    """A declared group of templates that only the cloud holds (their ids named literally)."""
    tc = _sdk()
    ids = [cloud["admin_template"]] + ([] if ok else [cloud["outside_template"]])
    group = tc.address.TemplateGroup(f"{name}-t-group", name="cloud", template_ids=ids)
    _group_rule(name, address_template=tc.security.GroupRuleAddressTemplateArgs(group_id=group.id))


def group_rule_cloud_template(name, ok, cloud):
    """A template id named literally, not declared: read from the cloud; absent there: unverifiable."""
    tc = _sdk()
    ref = cloud["admin_template"] if ok else "ipm-nowhere0"
    _group_rule(name, address_template=tc.security.GroupRuleAddressTemplateArgs(template_id=ref))


def group_rule_protocol_template(name, ok, _cloud):
    tc = _sdk()
    template = _protocol(f"{name}-t-ppm", "tcp:80,443" if ok else "tcp:3000-4000")
    _group_rule(name, "0.0.0.0/0",
                protocol_template=tc.security.GroupRuleProtocolTemplateArgs(template_id=template.id))


def lite_rule(name, ok, _cloud):
    ingresses = [f"ACCEPT#{ADMIN}#3389#TCP", "DROP#0.0.0.0/0#ALL#ALL"]
    _lite_rule(name, ingresses if ok else [f"ACCEPT#{OUTSIDE}#3389#TCP"])


def lite_rule_v6(name, ok, _cloud):
    ingresses = [f"ACCEPT#{V6}#443#TCP"] if ok else ["ACCEPT#::/0#3389#TCP"]
    _lite_rule(name, ingresses)


def lite_rule_cloud_template(name, ok, cloud):
    """A literal ``ipm-`` source read from the cloud. (A rule string built from a template declared
    in the same program is wholly unknown at a first preview: refused as unverifiable.)"""
    ref = cloud["admin_template"] if ok else cloud["outside_template"]
    _lite_rule(name, [f"ACCEPT#{ref}#3389#TCP"])


def lite_rule_cloud_service(name, ok, cloud):
    """A literal ``ppm-`` protocol read from the cloud: web ports from anywhere pass, RDP does not."""
    ref = cloud["web_service"] if ok else cloud["rdp_service"]
    _lite_rule(name, [f"ACCEPT#0.0.0.0/0#ALL#{ref}"])


def _rule_set(name: str, **item: Any) -> None:
    tc = _sdk()
    ports = {} if ("service_template_id" in item or "service_template_group" in item) else {
        "protocol": "TCP", "port": item.pop("port", "3389")}
    tc.security.GroupRuleSet(name, security_group_id=SG, ingresses=[
        tc.security.GroupRuleSetIngressArgs(action="ACCEPT", **ports, **item)])


def rule_set_v4(name, ok, _cloud):
    _rule_set(name, cidr_block=ADMIN if ok else OUTSIDE)


def rule_set_v6(name, ok, _cloud):
    _rule_set(name, ipv6_cidr_block=V6 if ok else "::/0", port="443" if ok else "3389")


def rule_set_address_templates(name, ok, _cloud):
    tc = _sdk()
    if ok:
        admin = _address(f"{name}-t-admin", ADMIN)
        group = tc.address.TemplateGroup(f"{name}-t-group", name="admins", template_ids=[admin.id])
        _rule_set(name, address_template_group=group.id)
    else:
        _rule_set(name, address_template_id=_address(f"{name}-t-wide", "0.0.0.0/0").id)


def rule_set_mixed_templates(name, ok, cloud):
    """Two items: a declared template (admin) and an id the cloud holds: each judged by its own."""
    tc = _sdk()
    declared = _address(f"{name}-t-admin", ADMIN)
    literal = cloud["admin_template"] if ok else cloud["outside_template"]
    rdp = {"action": "ACCEPT", "protocol": "TCP", "port": "3389"}
    item = tc.security.GroupRuleSetIngressArgs
    items = [item(**rdp, address_template_id=ref) for ref in (declared.id, literal)]
    tc.security.GroupRuleSet(name, security_group_id=SG, ingresses=items)


def rule_set_service_templates(name, ok, _cloud):
    tc = _sdk()
    if ok:
        _rule_set(name, cidr_block="0.0.0.0/0", service_template_id=_protocol(f"{name}-t-web", "tcp:443").id)
    else:
        rdp = _protocol(f"{name}-t-rdp", "udp:53", "tcp:3389")
        group = tc.protocol.TemplateGroup(f"{name}-t-group", name="rdp", template_ids=[rdp.id])
        _rule_set(name, cidr_block="0.0.0.0/0", service_template_group=group.id)


def acl(name, ok, _cloud):
    ingresses = [f"ACCEPT#{ADMIN}#3389#TCP", "DROP#0.0.0.0/0#ALL#ALL"] if ok else ["ACCEPT#0.0.0.0/0#ALL#ALL"]
    _sdk().vpc.Acl(name, vpc_id=VPC, name=name, ingresses=ingresses)


def acl_quintuple(name, ok, _cloud):
    tc = _sdk()
    entry = tc.vpc.NetworkAclQuintupleNetworkAclQuintupleSetIngressArgs(
        action="ACCEPT", protocol="TCP", destination_port="3389", source_cidr=ADMIN if ok else "0.0.0.0/0")
    tc.vpc.NetworkAclQuintuple(name, network_acl_id=ACL, network_acl_quintuple_set=(
        tc.vpc.NetworkAclQuintupleNetworkAclQuintupleSetArgs(ingresses=[entry])))


def instance(name, ok, _cloud):
    _sdk().instance.Instance(name, instance_name=name, image_id="img-windows", instance_type="S5.MEDIUM4",
                             availability_zone="ap-guangzhou-3", allocate_public_ip=True,
                             internet_max_bandwidth_out=10 if ok else 1)


def instance_set(name, ok, _cloud):
    _sdk().instance.Set(name, image_id="img-windows", availability_zone="ap-guangzhou-3",
                        internet_max_bandwidth_out=10 if ok else 1)


def launch_template(name, ok, _cloud):
    tc = _sdk()
    tc.cvm.LaunchTemplate(name, launch_template_name=name, image_id="img-windows",
                          placement=tc.cvm.LaunchTemplatePlacementArgs(zone="ap-guangzhou-3"),
                          internet_accessible=tc.cvm.LaunchTemplateInternetAccessibleArgs(
                              internet_max_bandwidth_out=10 if ok else 1))


def group_attachment(name, ok, cloud):
    group = cloud["admin_group"] if ok else cloud["open_group"]
    _sdk().cvm.SecurityGroupAttachment(name, security_group_id=group, instance_id="ins-guard0001")


def instance_groups(name, ok, cloud):
    group = cloud["admin_group"] if ok else cloud["open_group"]
    _sdk().instance.Instance(name, instance_name=name, image_id="img-windows", instance_type="S5.MEDIUM4",
                             availability_zone="ap-guangzhou-3", orderly_security_groups=[group])


def eip(name, ok, _cloud):
    _sdk().eip.Instance(name, name=name, internet_max_bandwidth_out=10 if ok else 1)


def bandwidth_package(name, ok, _cloud):
    _sdk().vpc.BandwidthPackage(name, bandwidth_package_name=name, internet_max_bandwidth=-1 if ok else 2)


def own_rule(name, ok, _cloud):
    from tcremedy.remediate.program.dynamic_backend import SecurityGroupIngressRule

    rule = {"protocol": "TCP", "port": "3389", "action": "ACCEPT", "cidr_block": ADMIN if ok else OUTSIDE}
    SecurityGroupIngressRule(name, {"security_group_id": SG, "policy_index": 0, **rule})


def own_acl_entry(name, ok, _cloud):
    from tcremedy.remediate.program.dynamic_backend import AclRdpEntry

    AclRdpEntry(name, {"network_acl_id": ACL, "direction": "ingress", "protocol": "TCP", "port": "3389",
                       "action": "ACCEPT", "cidr_block": ADMIN if ok else OUTSIDE})


def own_bandwidth(name, ok, _cloud):
    from tcremedy.remediate.program.dynamic_backend import InstanceBandwidth

    InstanceBandwidth(name, {"instance_id": "ins-guard0001", "target_mbps": 10 if ok else 1})


SECURITY = "tencentcloud:Security/"
ROWS = [
    Row("GroupRule IPv4 CIDR", f"{SECURITY}groupRule:GroupRule", "sg-rule-v4", group_rule_v4),
    Row("GroupRule IPv6 CIDR", f"{SECURITY}groupRule:GroupRule", "sg-rule-v6", group_rule_v6),
    Row("GroupRule address template (declared)", "tencentcloud:Address/template:Template", "sg-rule-ipm",
        group_rule_template),
    Row("GroupRule template group + extra template (declared)",
        "tencentcloud:Address/templateGroup:TemplateGroup", "sg-rule-ipmg", group_rule_template_group),
    Row("GroupRule declared group of cloud templates", "tencentcloud:Address/templateGroup:TemplateGroup",
        "sg-rule-ipmg-cloud", group_rule_group_of_cloud_templates),
    Row("GroupRule address template id (from the cloud)", f"{SECURITY}groupRule:GroupRule", "sg-rule-cloud",
        group_rule_cloud_template),
    Row("GroupRule protocol template (declared)", "tencentcloud:Protocol/template:Template", "sg-rule-ppm",
        group_rule_protocol_template),
    Row("GroupLiteRule IPv4", f"{SECURITY}groupLiteRule:GroupLiteRule", "lite-v4", lite_rule),
    Row("GroupLiteRule IPv6", f"{SECURITY}groupLiteRule:GroupLiteRule", "lite-v6", lite_rule_v6),
    Row("GroupLiteRule address template id (from the cloud)", f"{SECURITY}groupLiteRule:GroupLiteRule",
        "lite-ipm", lite_rule_cloud_template),
    Row("GroupLiteRule protocol template id (from the cloud)", f"{SECURITY}groupLiteRule:GroupLiteRule",
        "lite-cloud", lite_rule_cloud_service),
    Row("GroupRuleSet IPv4", f"{SECURITY}groupRuleSet:GroupRuleSet", "set-v4", rule_set_v4),
    Row("GroupRuleSet IPv6", f"{SECURITY}groupRuleSet:GroupRuleSet", "set-v6", rule_set_v6),
    Row("GroupRuleSet address template / group", f"{SECURITY}groupRuleSet:GroupRuleSet", "set-ipm",
        rule_set_address_templates),
    Row("GroupRuleSet declared + cloud address templates", f"{SECURITY}groupRuleSet:GroupRuleSet",
        "set-mixed", rule_set_mixed_templates),
    Row("GroupRuleSet service template / group", "tencentcloud:Protocol/templateGroup:TemplateGroup",
        "set-ppm", rule_set_service_templates),
    Row("Vpc Acl", "tencentcloud:Vpc/acl:Acl", "acl", acl),
    Row("Vpc NetworkAclQuintuple", "tencentcloud:Vpc/networkAclQuintuple:NetworkAclQuintuple", "acl-5",
        acl_quintuple),
    Row("Instance bandwidth", "tencentcloud:Instance/instance:Instance", "instance", instance),
    Row("Instance set bandwidth", "tencentcloud:Instance/set:Set", "instance-set", instance_set),
    Row("Launch template bandwidth", "tencentcloud:Cvm/launchTemplate:LaunchTemplate", "launch-template",
        launch_template),
    Row("SecurityGroupAttachment of an existing group",
        "tencentcloud:Cvm/securityGroupAttachment:SecurityGroupAttachment", "sg-attach", group_attachment),
    Row("Instance bound to an existing group", "tencentcloud:Instance/instance:Instance", "instance-sg",
        instance_groups),
    Row("EIP bandwidth", "tencentcloud:Eip/instance:Instance", "eip", eip),
    Row("Bandwidth package", "tencentcloud:Vpc/bandwidthPackage:BandwidthPackage", "bwp", bandwidth_package),
    Row("tcremedy SecurityGroupIngressRule", "pulumi-python:dynamic/tcremedy:SecurityGroupIngressRule",
        "own-rule", own_rule),
    Row("tcremedy AclRdpEntry", "pulumi-python:dynamic/tcremedy:AclRdpEntry", "own-acl", own_acl_entry),
    Row("tcremedy InstanceBandwidth", "pulumi-python:dynamic/tcremedy:InstanceBandwidth", "own-bw",
        own_bandwidth),
]  # fmt: skip


def program(cloud: Mapping[str, str]) -> Callable[[], None]:
    def declare_all() -> None:
        for row in ROWS:
            row.declare(f"{row.slug}-ok", True, cloud)
            row.declare(f"{row.slug}-bad", False, cloud)

    return declare_all


# ------------------------------------------------------------------ the cloud side and the verdict


def cloud_templates(emu: Any) -> dict[str, str]:
    """Templates that exist only in the cloud (the program names them by id)."""
    from tencentcloud.vpc.v20170312 import models, vpc_client

    client = emu.client(vpc_client.VpcClient)

    def call(action: str, params: dict[str, Any]) -> dict[str, Any]:
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        return json.loads(getattr(client, action)(request).to_json_string())

    admin = call("CreateAddressTemplate", {"AddressTemplateName": "admins", "Addresses": [ADMIN]})
    outside = call("CreateAddressTemplate", {"AddressTemplateName": "lan", "Addresses": [OUTSIDE]})
    web = call("CreateServiceTemplate", {"ServiceTemplateName": "web", "Services": ["tcp:80,443"]})
    rdp = call("CreateServiceTemplate", {"ServiceTemplateName": "rdp", "Services": ["tcp:3389"]})
    groups = {}
    for key, cidr in (("admin_group", ADMIN), ("open_group", "0.0.0.0/0")):
        group = call("CreateSecurityGroup", {"GroupName": key, "GroupDescription": "guard table"})
        groups[key] = group["SecurityGroup"]["SecurityGroupId"]
        rule = {"Protocol": "TCP", "Port": "3389", "CidrBlock": cidr, "Action": "ACCEPT"}
        call("CreateSecurityGroupPolicies", {"SecurityGroupId": groups[key],
                                             "SecurityGroupPolicySet": {"Ingress": [rule]}})
    return {
        **groups,
        "admin_template": admin["AddressTemplate"]["AddressTemplateId"],
        "outside_template": outside["AddressTemplate"]["AddressTemplateId"],
        "web_service": web["ServiceTemplate"]["ServiceTemplateId"],
        "rdp_service": rdp["ServiceTemplate"]["ServiceTemplateId"],
    }


def engine_env(emu: Any) -> dict[str, str]:
    """What the preview's engine, the stand-in plugin and the pack need (besides the engine's own)."""
    from tcremedy.policy.values import FIX_NAMES
    from tcremedy.remediate.limits import LIMITS_ENV, Limits

    return {
        "TENCENTCLOUD_SECRET_ID": emu.secret_id,
        "TENCENTCLOUD_SECRET_KEY": emu.secret_key,
        "TCREMEDY_ENDPOINT": emu.endpoint,
        "TENCENTCLOUD_REGION": emu.region,
        "NO_PROXY": "127.0.0.1,localhost",
        # tcremedy's providers' own last guard admits both CIDRs: what is judged here is the pack
        LIMITS_ENV: Limits((ADMIN, OUTSIDE), 3389, allow_public_rdp=False, auto=FIX_NAMES).to_env(),
    }


def misses(violations: Mapping[str, list[str]]) -> list[str]:
    """``violations``: resource name -> the pack's messages. One line per row the pack got wrong."""
    out = []
    for row in ROWS:
        if violations.get(f"{row.slug}-ok"):
            out.append(f"{row.label}: compliant {row.slug}-ok refused: {violations[f'{row.slug}-ok']}")
        if not violations.get(f"{row.slug}-bad"):
            out.append(f"{row.label}: non-compliant {row.slug}-bad passed")
    stray = sorted(n for n in violations if "-t-" in n)
    out += [f"template {n} judged itself: {violations[n]}" for n in stray]
    return out


def preview_table(work: Path) -> dict[str, list[str]]:
    """Preview the whole table once, with the pack, against a fresh local cloud; resource name ->
    the pack's messages. The stand-in plugin serves pulumi-tencentcloud; nothing is deployed."""
    from pulumi import automation as auto

    from tcremedy.emulator.testing import start_emulator
    from tcremedy.remediate.engine import locate_engine

    engine = locate_engine()
    (work / "state").mkdir(parents=True, exist_ok=True)
    events: list[Any] = []
    with start_emulator(scenario="healthy", transition_seconds=0.05) as emu:
        env = engine.env(work / "pulumi-home")
        env.update(engine_env(emu))
        env["PATH"] = f"{STANDIN_BIN}:{env['PATH']}"
        env["PULUMI_BACKEND_URL"] = f"file://{work / 'state'}"
        env["PULUMI_CONFIG_PASSPHRASE"] = "guard-table"
        opts = auto.LocalWorkspaceOptions(
            work_dir=str(work), env_vars=env, secrets_provider="passphrase",
            pulumi_command=auto.PulumiCommand(root=str(engine.root)),
        )  # fmt: skip
        declared = program(cloud_templates(emu))
        stack = auto.create_or_select_stack("guard", project_name="tcremedy-g", program=declared, opts=opts)
        try:
            stack.preview(policy_packs=[PACK], color="never", on_event=events.append)
        except auto.CommandError as exc:  # mandatory violations fail the preview; anything else is a bug
            if "rdp-within-policy" not in str(exc):
                raise
    out: dict[str, list[str]] = {}
    for event in events:
        policy = event.policy_event
        if policy is not None and policy.policy_name == "rdp-within-policy":
            out.setdefault(policy.resource_urn.rsplit("::", 1)[-1], []).append(policy.message)
    return out
