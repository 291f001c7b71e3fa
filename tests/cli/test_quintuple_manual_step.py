"""acl-quintuple-blocks: plan names the quintuple DROP, and its manual step is exact: making that one
CreateNetworkAclQuintupleEntries call closes the cause, as tcremedy and the emulator's judge agree."""

from __future__ import annotations

import json

import pytest
from tencentcloud.vpc.v20170312 import vpc_client
from typer.testing import CliRunner

from tcremedy.main import app


def plan(emu) -> dict:
    return json.loads(CliRunner().invoke(app, ["plan", "--json", "--endpoint", emu.endpoint]).stdout)


@pytest.mark.emulator(scenario="acl-quintuple-blocks")
def test_the_manual_step_is_the_exact_call_that_closes_it(emulator) -> None:
    [inst] = plan(emulator)["instances"]
    assert (
        inst["root_cause"]["code"] == "ACL_BLOCKS_RDP"
        and "quintuple ingress #1: DROP" in inst["root_cause"]["message"]
    )
    [step] = inst["fixes"]
    assert step["fix"] == "manual" and not step["auto"]
    acl_id = inst["root_cause"]["evidence"]["network_acl_id"]
    entries: dict[str, list[dict]] = {}
    for line in step["manual"].split("quintuple rules): ", 1)[1].split("; "):
        side, _, fields = line.partition(": ")
        entry = dict(kv.split("=", 1) for kv in fields.split())
        entries.setdefault(side, []).append({**entry, "Priority": int(entry["Priority"])})
    call = {"NetworkAclId": acl_id, "NetworkAclQuintupleSet": entries}
    emulator.client(vpc_client.VpcClient).call_json("CreateNetworkAclQuintupleEntries", call)
    assert plan(emulator)["compliant"] is True
    iid = inst["instance_id"]
    for ip, reachable in (("203.0.113.7", True), ("198.51.100.10", True), ("192.0.2.99", False)):
        verdict = emulator.control(
            "POST", "reachability", {"instance_id": iid, "source_ip": ip, "port": 3389}
        )
        assert verdict["reachable"] is reachable, (ip, verdict)
