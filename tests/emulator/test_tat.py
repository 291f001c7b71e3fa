"""TAT through the real SDK: the guest answers the probe, applies fix scripts, fails anything else."""

from __future__ import annotations

import base64

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cm
from tencentcloud.tat.v20201028 import models as tm
from tencentcloud.tat.v20201028 import tat_client

from tcremedy.cloud.probe_output import parse_probe_output
from tcremedy.guest.fixes import fix_script
from tcremedy.guest.probe import probe_script


def only_instance_id(emulator) -> str:
    cvm = emulator.client(cvm_client.CvmClient)
    (inst,) = cvm.DescribeInstances(cm.DescribeInstancesRequest()).InstanceSet
    return inst.InstanceId


def run(tat, iid: str, script: str, command_type: str = "POWERSHELL") -> str:
    req = tm.RunCommandRequest()
    req.Content = base64.b64encode(script.encode()).decode()
    req.InstanceIds, req.CommandType, req.CommandName = [iid], command_type, "test"
    return tat.RunCommand(req).InvocationId


def task_of(tat, invocation_id: str, hide_output: bool | None = False) -> tm.InvocationTask:
    req = tm.DescribeInvocationTasksRequest()
    flt = tm.Filter()
    flt.Name, flt.Values = "invocation-id", [invocation_id]
    req.Filters = [flt]
    if hide_output is not None:
        req.HideOutput = hide_output
    (task,) = tat.DescribeInvocationTasks(req).InvocationTaskSet
    return task


def probe(emulator, tat, iid: str):
    inv = run(tat, iid, probe_script())
    emulator.advance(5)
    task = task_of(tat, inv)
    assert (task.TaskStatus, task.TaskResult.ExitCode) == ("SUCCESS", 0)
    return parse_probe_output(base64.b64decode(task.TaskResult.Output).decode())


@pytest.mark.emulator(scenario="healthy", transition_seconds=2)
def test_probe_reports_guest_state_and_output_is_hidden_by_default(emulator) -> None:
    tat = emulator.client(tat_client.TatClient)
    iid = only_instance_id(emulator)
    inv = run(tat, iid, probe_script())
    assert task_of(tat, inv).TaskStatus == "RUNNING"  # not finished before the clock moves
    emulator.advance(5)
    assert task_of(tat, inv, hide_output=None).TaskResult.Output == ""  # HideOutput defaults to true
    facts = parse_probe_output(base64.b64decode(task_of(tat, inv).TaskResult.Output).decode())
    assert (facts.rdp_port, facts.tds_port, facts.deny_ts_connections, facts.allow_encryption_oracle) == (
        3389,
        3389,
        0,
        1,
    )
    assert facts.termservice_state == "Running" and facts.listening and facts.firewall_allows_rdp_port
    invocations = tat.DescribeInvocations(tm.DescribeInvocationsRequest())
    assert invocations.InvocationSet[0].InvocationId == inv
    assert invocations.InvocationSet[0].InvocationStatus == "SUCCESS"


FIXES = [
    ("guest-rdp-disabled", "enable-rdp", None, lambda f: f.deny_ts_connections == 0),
    ("guest-port-changed", "align-rdp-port", 3389, lambda f: (f.rdp_port, f.tds_port) == (3389, 3389)),
    ("guest-firewall-blocks", "allow-rdp-firewall", 3389, lambda f: f.firewall_allows_rdp_port),
    ("credssp-mismatch", "credssp-mitigated", None, lambda f: f.allow_encryption_oracle == 1),
    ("guest-nla-mismatch", "nla-on", None, lambda f: f.nla_required == 1),
    # TermService Running with a stuck listener: the fix restarts the service and the listener is back
    ("guest-rdp-not-listening", "start-termservice", None, lambda f: f.listening),
]


@pytest.mark.parametrize(("scenario", "fix", "port", "fixed"), FIXES)
def test_project_fix_scripts_change_the_guest(emulator_factory, scenario, fix, port, fixed) -> None:
    """The real scripts from tcremedy.guest.fixes, as the remediation layer sends them."""
    emulator = emulator_factory(scenario=scenario)
    tat = emulator.client(tat_client.TatClient)
    iid = only_instance_id(emulator)
    before = probe(emulator, tat, iid)
    assert not fixed(before)
    if scenario == "guest-rdp-not-listening":
        assert (before.termservice_state, before.deny_ts_connections, before.rdp_port) == ("Running", 0, 3389)
    inv = run(tat, iid, fix_script(fix, port))
    emulator.advance(5)
    assert task_of(tat, inv).TaskStatus == "SUCCESS"
    assert fixed(probe(emulator, tat, iid))


@pytest.mark.emulator(scenario="healthy")
def test_start_termservice_fix(emulator) -> None:
    tat = emulator.client(tat_client.TatClient)
    iid = only_instance_id(emulator)
    emulator.control(
        "POST", f"instances/{iid}/guest", {"TermServiceState": "Stopped", "TermServiceStartMode": "Disabled"}
    )
    facts = probe(emulator, tat, iid)
    assert (facts.termservice_state, facts.listening) == ("Stopped", False)
    run(
        tat,
        iid,
        "# tcremedy-guest-fix start-termservice v1\nSet-Service TermService -StartupType Automatic\n",
    )
    facts = probe(emulator, tat, iid)
    assert (facts.termservice_state, facts.termservice_start_mode, facts.listening) == (
        "Running",
        "Auto",
        True,
    )


@pytest.mark.emulator(scenario="healthy")
def test_unknown_scripts_fail_realistically(emulator) -> None:
    tat = emulator.client(tat_client.TatClient)
    iid = only_instance_id(emulator)
    for script in (
        "Get-Date\n",
        "# tcremedy-guest-fix reboot-world v1\n",
        "# tcremedy-guest-fix align-rdp-port v1\n",
    ):
        inv = run(tat, iid, script)
        emulator.advance(5)
        task = task_of(tat, inv)
        assert task.TaskStatus == "FAILED" and task.TaskResult.ExitCode != 0
        assert base64.b64decode(task.TaskResult.Output)  # an error text, not empty
    assert probe(emulator, tat, iid).rdp_port == 3389  # nothing changed


@pytest.mark.emulator(scenario="healthy")
def test_run_command_preconditions(emulator) -> None:
    tat = emulator.client(tat_client.TatClient)
    cvm = emulator.client(cvm_client.CvmClient)
    iid = only_instance_id(emulator)

    def code(
        script: str = "# tcremedy-guest-probe v1\n",
        command_type: str = "POWERSHELL",
        content: str | None = None,
        ids: list[str] | None = None,
    ) -> str:
        req = tm.RunCommandRequest()
        req.Content = content if content is not None else base64.b64encode(script.encode()).decode()
        req.InstanceIds, req.CommandType = ids or [iid], command_type
        with pytest.raises(TencentCloudSDKException) as err:
            tat.RunCommand(req)
        return err.value.get_code()

    assert code(content="%%% not base64") == "InvalidParameterValue.InvalidContent"
    assert code(command_type="SHELL") == "InvalidParameterValue.AgentUnsupportedCommandType"
    assert code(ids=["ins-00000000"]) == "ResourceNotFound.InstanceNotFound"
    emulator.control("POST", f"instances/{iid}/guest", {"AgentStatus": "Offline"})
    assert code() == "ResourceUnavailable.AgentStatusNotOnline"
    agents = tat.DescribeAutomationAgentStatus(tm.DescribeAutomationAgentStatusRequest()).AutomationAgentSet
    assert [(a.InstanceId, a.AgentStatus, a.Environment) for a in agents] == [(iid, "Offline", "Windows")]
    emulator.control("POST", f"instances/{iid}/guest", {"AgentStatus": "NotInstalled"})
    assert code() == "ResourceUnavailable.AgentNotInstalled"
    assert tat.DescribeAutomationAgentStatus(tm.DescribeAutomationAgentStatusRequest()).TotalCount == 0
    emulator.control("POST", f"instances/{iid}/guest", {"AgentStatus": "Online"})
    stop = cm.StopInstancesRequest()
    stop.InstanceIds = [iid]
    cvm.StopInstances(stop)
    emulator.advance(5)
    assert code() == "ResourceUnavailable.InstanceStateNotRunning"
