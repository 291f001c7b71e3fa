"""Instance settings and one-shot instance actions as Pulumi dynamic providers over
tencentcloud-sdk-python: bandwidth, running, reboot, password reset.

Settings (bandwidth, running) look at the cloud first, so a re-run after a crash changes nothing
twice; deleting them only forgets them (the instance is left as it is). One-shot actions run once
per ``trigger`` (a new trigger = the finding was seen open again).
"""

from __future__ import annotations

from typing import Any

import pulumi.dynamic as dyn

from tcremedy.remediate.sdk_common import FixError, GuardedProvider, api_for, call, diff, wait


def _instance(api: Any, instance_id: str) -> dict[str, Any]:
    found = call(api, "cvm", "DescribeInstances", {"InstanceIds": [instance_id]}).get("InstanceSet") or []
    if not found:
        raise FixError(f"instance {instance_id} not found")
    return found[0]


def _settled(inst: dict[str, Any]) -> bool:
    return inst.get("LatestOperationState") != "OPERATING" and inst.get("InstanceState") in (
        "RUNNING",
        "STOPPED",
    )


def _wait_running(api: Any, instance_id: str) -> None:
    wait(
        f"{instance_id} to be RUNNING", lambda: _instance(api, instance_id).get("InstanceState") == "RUNNING"
    )


class InstanceBandwidthProvider(GuardedProvider):
    """Public outbound bandwidth of one instance is at least ``target_mbps``. Delete only forgets."""

    KIND = "bandwidth"

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid, target = api_for(props["region"]), props["instance_id"], int(props["target_mbps"])
        wait(f"{iid} to settle", lambda: _instance(api, iid).get("LatestOperationState") != "OPERATING")
        inst = _instance(api, iid)
        before = int((inst.get("InternetAccessible") or {}).get("InternetMaxBandwidthOut") or 0)
        if before < target:
            call(
                api,
                "cvm",
                "ResetInstancesInternetMaxBandwidth",
                {"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": target}},
            )

            def done() -> bool:
                now = _instance(api, iid)
                bw = int((now.get("InternetAccessible") or {}).get("InternetMaxBandwidthOut") or 0)
                return now.get("LatestOperationState") != "OPERATING" and bw >= target

            wait(f"{iid} bandwidth {target} Mbps", done)
        return {**props, "previous_mbps": before}

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/bandwidth", outs=self._ensure(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._ensure(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        def drifted() -> bool:
            inst = _instance(api_for(news["region"]), news["instance_id"])
            return int((inst.get("InternetAccessible") or {}).get("InternetMaxBandwidthOut") or 0) < int(
                news["target_mbps"]
            )

        return diff(olds, news, ("instance_id", "region"), ("target_mbps",), drifted)


class InstanceRunningProvider(GuardedProvider):
    """The instance is RUNNING (StartInstances when STOPPED). Delete only forgets."""

    KIND = "running"

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid = api_for(props["region"]), props["instance_id"]
        wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        if _instance(api, iid).get("InstanceState") == "STOPPED":
            call(api, "cvm", "StartInstances", {"InstanceIds": [iid]})
        _wait_running(api, iid)
        return dict(props)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/running", outs=self._ensure(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._ensure(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        def drifted() -> bool:
            return _instance(api_for(news["region"]), news["instance_id"]).get("InstanceState") != "RUNNING"

        return diff(olds, news, ("instance_id", "region"), (), drifted)


class InstanceRebootProvider(GuardedProvider):
    """Reboot once per ``trigger`` (a new trigger = the saturation was seen again)."""

    KIND = "reboot"

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid = api_for(props["region"]), props["instance_id"]
        wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        call(api, "cvm", "RebootInstances", {"InstanceIds": [iid], "StopType": "SOFT_FIRST"})
        _wait_running(api, iid)
        return dict(props)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/reboot", outs=self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._run(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        return diff(olds, news, ("instance_id", "region"), ("trigger",), lambda: False)


class InstancePasswordProvider(GuardedProvider):
    """ResetInstancesPassword once per ``trigger``; the password input is a Pulumi secret and is
    never returned as an output."""

    KIND = "password"

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid = api_for(props["region"]), props["instance_id"]
        if not props.get("password"):
            raise FixError(
                f"no new password given (environment variable {props.get('password_env')!r} is empty)"
            )
        wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        call(
            api,
            "cvm",
            "ResetInstancesPassword",
            {
                "InstanceIds": [iid],
                "Password": props["password"],
                "UserName": props.get("user_name") or "Administrator",
                "ForceStop": True,
            },
        )
        wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        if _instance(api, iid).get("InstanceState") == "STOPPED":
            call(api, "cvm", "StartInstances", {"InstanceIds": [iid]})
        _wait_running(api, iid)
        return {k: v for k, v in props.items() if k != "password"}

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/password", outs=self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._run(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        return diff(olds, news, ("instance_id", "region"), ("trigger", "user_name"), lambda: False)
