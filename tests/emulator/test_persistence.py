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
        saved = json.loads(state.read_text())  # saved after every mutation, not only at shutdown
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
