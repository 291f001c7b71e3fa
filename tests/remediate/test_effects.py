"""Waiting for each step's effect (``tcremedy.remediate.effects``) against the emulator over HTTP."""

from __future__ import annotations

import base64

import pytest

from tcremedy.guest.fixes import RUN_AS, WORKING_DIRECTORY, encoded_script
from tcremedy.remediate.effects import StepFailed, cloud_api, instance_ready, invocation_done


def _api(emu):
    from tencentcloud.common import credential

    return cloud_api(credential.Credential(emu.secret_id, emu.secret_key), emu.region, emu.endpoint)


def _run(api, iid: str, content: str, directory: str) -> str:
    params = {
        "Content": content,
        "CommandType": "POWERSHELL",
        "InstanceIds": [iid],
        "WorkingDirectory": directory,
        "Username": RUN_AS,
    }
    return api.call("tat", "RunCommand", params)["InvocationId"]


@pytest.mark.emulator(scenario="guest-rdp-disabled")
def test_a_failed_guest_script_fails_its_step_with_the_script_output(emulator):
    api = _api(emulator)
    iid = emulator.instance_ids()[0]
    bad = _run(api, iid, base64.b64encode(b"Get-Nothing -Now\n").decode(), WORKING_DIRECTORY)
    with pytest.raises(StepFailed) as failed:
        invocation_done(api, bad, f"guest-enable-rdp-{iid}")
    text = str(failed.value)
    assert f"step guest-enable-rdp-{iid} failed on {iid}: task FAILED (exit code 1)" in text
    assert "'Get-Nothing' is not recognized" in text  # the script's own error output
    invocation_done(api, _run(api, iid, encoded_script("enable-rdp"), WORKING_DIRECTORY), "ok")


@pytest.mark.emulator(scenario="guest-rdp-disabled")
def test_the_providers_default_working_directory_fails_a_windows_guest_fix(emulator):
    """Issue 8 item 1: pulumi-tencentcloud's working_directory default "/root" names no directory
    on Windows; tcremedy's fixes run in TAT's Windows working directory."""
    api = _api(emulator)
    iid = emulator.instance_ids()[0]
    with pytest.raises(StepFailed, match="Cannot find path '/root'"):
        invocation_done(api, _run(api, iid, encoded_script("enable-rdp"), "/root"), "guest-enable-rdp")
    invocation_done(api, _run(api, iid, encoded_script("enable-rdp"), WORKING_DIRECTORY), "guest-enable-rdp")


@pytest.mark.emulator(scenario="instance-stopped")
def test_a_step_whose_effect_never_comes_is_named_when_the_wait_ends(emulator, monkeypatch):
    """Issue 8 item 4: bounded, and the message says which step did not finish."""
    monkeypatch.setenv("TCREMEDY_FIX_TIMEOUT", "0.3")
    iid = emulator.instance_ids()[0]
    with pytest.raises(StepFailed, match=f"step running-{iid} did not finish within 0.3 s: {iid} RUNNING"):
        instance_ready(_api(emulator), iid, f"running-{iid}")
