"""QUINTUPLE ACLs, protocol-port templates and referenced groups in the diagnosis (issue 9, items 1-2)."""

from __future__ import annotations

from diagnose_builders import group, healthy_instance, rule, state_with

from tcremedy.cloud.state import NetworkAcl, QuintupleEntry
from tcremedy.diagnose.engine import diagnose_instance
from tcremedy.diagnose.findings import Status
from tcremedy.policy.loader import parse_policy

POLICY = parse_policy("""\
apiVersion: tcremedy/v1
kind: RdpPolicy
name: test
rdp:
  admin_cidrs: [203.0.113.0/24, 198.51.100.10/32]
""")


def codes(**state_kw) -> dict:
    instance = healthy_instance()
    diag = diagnose_instance(POLICY, instance, state_with(instance, **state_kw))
    return {f.code: f for f in diag.findings}


def q(action: str = "ACCEPT", priority: int = 1, **kw) -> QuintupleEntry:
    return QuintupleEntry(protocol=kw.pop("protocol", "TCP"), action=action, priority=priority, **kw)


def test_a_quintuple_acl_that_admits_rdp_is_not_a_finding() -> None:
    """Its Ingress/EgressEntries are empty by design: judging those gave a false ACL_BLOCKS_RDP."""
    acl = NetworkAcl("acl-q", acl_type="QUINTUPLE",
                     quintuple_ingress=(q(source_cidr="0.0.0.0/0", destination_port="3389"),),
                     quintuple_egress=(q(destination_cidr="0.0.0.0/0", source_port="3389"),))
    assert codes(acl=acl) == {}


def test_a_quintuple_drop_before_the_accept_blocks_rdp_and_is_named() -> None:
    acl = NetworkAcl("acl-q", acl_type="QUINTUPLE",
                     quintuple_ingress=(q("ACCEPT", 2, protocol="ALL"),
                                        q("DROP", 1, source_cidr="0.0.0.0/0", destination_port="3389")),
                     quintuple_egress=(q(protocol="ALL"),))
    finding = codes(acl=acl)["ACL_BLOCKS_RDP"]
    assert finding.status is Status.FAIL and "quintuple ingress #1: DROP" in finding.message


def test_a_quintuple_rule_for_another_destination_does_not_admit_this_instance() -> None:
    acl = NetworkAcl("acl-q", acl_type="QUINTUPLE",
                     quintuple_ingress=(q(destination_cidr="10.9.0.0/16", destination_port="3389"),),
                     quintuple_egress=(q(protocol="ALL"),))
    assert codes(acl=acl)["ACL_BLOCKS_RDP"].evidence["blocked"][0]["direction"] == "inbound"


def test_quintuple_replies_to_only_part_of_the_ephemeral_ports_block() -> None:
    acl = NetworkAcl("acl-q", acl_type="QUINTUPLE", quintuple_ingress=(q(protocol="ALL"),),
                     quintuple_egress=(q(source_port="3389", destination_port="49152-60000"),))
    blocked = codes(acl=acl)["ACL_BLOCKS_RDP"].evidence["blocked"]
    assert {(b["direction"], b["ports"]) for b in blocked} == {("outbound", "60001-65535")}


def test_a_drop_written_with_a_service_template_shadows_the_accept() -> None:
    groups = (group("sg-rdp", rule(0, "DROP", protocol="", port="", cidr_block="0.0.0.0/0",
                                   service_template_id="ppm-rdp"),
                    rule(1, cidr_block="203.0.113.0/24"), rule(2, cidr_block="198.51.100.10/32")),)
    finding = codes(groups=groups, service_templates={"ppm-rdp": ("tcp: 3389",)})["SG_BLOCKS_RDP"]
    assert finding.status is Status.FAIL and "DROP ppm-rdp" in finding.message


def test_a_service_template_for_other_ports_does_not_match() -> None:
    groups = (group("sg-rdp", rule(0, "DROP", protocol="", port="", cidr_block="0.0.0.0/0",
                                   service_template_group_id="ppmg-web"),
                    rule(1, cidr_block="203.0.113.0/24"), rule(2, cidr_block="198.51.100.10/32")),)
    state = {"service_templates": {"ppm-web": ("tcp:80,443", "udp:3389")},
             "service_template_groups": {"ppmg-web": ("ppm-web",)}}
    assert codes(groups=groups, **state) == {}
