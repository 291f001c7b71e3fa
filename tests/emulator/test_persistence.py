"""--state FILE: changes made through the API and the control API survive a restart."""

from __future__ import annotations

import json

from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cm
from tencentcloud.vpc.v20170312 import models as vm
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.emulator.testing import start_emulator


def test_world_survives_a_restart(tmp_path) -> None:
    state = tmp_path / "world.json"
    with start_emulator(scenario="sg-missing-rdp", state_file=state, transition_seconds=0) as emu:
        cvm = emu.client(cvm_client.CvmClient)
        vpc = emu.client(vpc_client.VpcClient)
        (inst,) = cvm.DescribeInstances(cm.DescribeInstancesRequest()).InstanceSet
        req = vm.CreateSecurityGroupPoliciesRequest()
        req.from_json_string(
            json.dumps(
                {
                    "SecurityGroupId": inst.SecurityGroupIds[0],
                    "SecurityGroupPolicySet": {
                        "Ingress": [
                            {
                                "Protocol": "TCP",
                                "Port": "3389",
                                "CidrBlock": "203.0.113.0/24",
                                "Action": "ACCEPT",
                            }
                        ]
                    },
                }
            )
        )
        vpc.CreateSecurityGroupPolicies(req)
        stop = cm.StopInstancesRequest()
        stop.InstanceIds = [inst.InstanceId]
        cvm.StopInstances(stop)
        emu.control("POST", f"instances/{inst.InstanceId}/guest", {"RdpPort": 3390})
        emu.control("POST", "state/flush")  # written off the request threads; flushed on demand
        saved = json.loads(state.read_text())
        assert saved["format"] == "tcremedy.emulator.world/v1"
    with start_emulator(scenario="healthy", state_file=state, transition_seconds=0) as emu:  # state wins
        cvm = emu.client(cvm_client.CvmClient)
        (again,) = cvm.DescribeInstances(cm.DescribeInstancesRequest()).InstanceSet
        assert again.InstanceId == inst.InstanceId and again.InstanceState == "STOPPED"
        assert emu.control("GET", f"instances/{inst.InstanceId}")["guest"]["RdpPort"] == 3390
        vpc = emu.client(vpc_client.VpcClient)
        req = vm.DescribeSecurityGroupPoliciesRequest()
        req.SecurityGroupId = inst.SecurityGroupIds[0]
        ingress = vpc.DescribeSecurityGroupPolicies(req).SecurityGroupPolicySet.Ingress
        assert any(p.Port == "3389" and p.CidrBlock == "203.0.113.0/24" for p in ingress)
        assert emu.control("GET", "scenario")["scenario"] == "sg-missing-rdp"
        # a reset rebuilds the scenario the state came from
        emu.control("POST", "reset")
        (fresh,) = cvm.DescribeInstances(cm.DescribeInstancesRequest()).InstanceSet
        assert fresh.InstanceState == "RUNNING"
    assert not list(tmp_path.glob(".world.json.*"))  # no temporary files left behind


def test_state_is_written_off_the_request_thread_on_flush_and_at_shutdown(tmp_path) -> None:
    """A change only marks the world dirty (a long debounce here, so nothing is written on its own);
    flush writes now, close writes the last state; every write is atomic (no temporary file left)."""
    from tcremedy.emulator.core.persistence import StateWriter, load
    from tcremedy.emulator.core.world import World

    world, path = World(), tmp_path / "w.json"
    writer = StateWriter(world, path, delay=3600)
    world.meta = {"scenario": "first"}
    writer.changed()
    assert not path.exists()  # not written by the caller
    writer.flush()
    assert json.loads(path.read_text())["meta"] == {"scenario": "first"}
    world.meta = {"scenario": "last"}
    writer.changed()
    writer.close()
    restored = World()
    assert load(restored, path) and restored.meta == {"scenario": "last"}
    assert [p.name for p in tmp_path.iterdir()] == ["w.json"]
