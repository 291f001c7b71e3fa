"""Pulumi dynamic providers that repair through tencentcloud-sdk-python (the fallback path).

Used when the ``pulumi-resource-tencentcloud`` plugin is not available (see ``paths.py``). The
engine runs these in its own python (``python -m pulumi.dynamic``), unpickling the provider
objects by reference: they must stay importable from the installed package and hold no state.
Credentials and the endpoint come from that process's environment (set by ``driver.py`` for the
engine run), never from resource inputs, so nothing secret lands in the stack's state.

Every create is idempotent: it looks at the cloud first (an identical rule, a bandwidth already
high enough, an instance already running), so a re-run after a crash makes no duplicates.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable
from typing import Any

import pulumi.dynamic as dyn

from tcremedy.guest.fixes import COMMAND_NAME_PREFIX, encoded_script

ENDPOINT_ENV = "TCREMEDY_ENDPOINT"
TIMEOUT_ENV = "TCREMEDY_FIX_TIMEOUT"
OWNED_DESCRIPTION_PREFIX = "tcremedy:"
PUBLIC_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
TERMINAL_TASK_STATES = frozenset(
    {
        "SUCCESS",
        "FAILED",
        "TIMEOUT",
        "TASK_TIMEOUT",
        "DELIVER_FAILED",
        "START_FAILED",
        "CANCELLED",
        "TERMINATED",
    }
)


class FixError(Exception):
    """A fix could not be carried out; the engine shows this message for the resource."""


def _api(region: str) -> Any:
    from tencentcloud.common import credential

    from tcremedy.cloud.api import CloudApi
    from tcremedy.cloud.clients import make_clients, parse_endpoint

    secret_id, secret_key = (
        os.environ.get("TENCENTCLOUD_SECRET_ID"),
        os.environ.get("TENCENTCLOUD_SECRET_KEY"),
    )
    if not secret_id or not secret_key:
        raise FixError(
            "no credentials in the engine environment (TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY)"
        )
    cred = credential.Credential(secret_id, secret_key, os.environ.get("TENCENTCLOUD_SESSION_TOKEN") or None)
    endpoint = parse_endpoint(os.environ.get(ENDPOINT_ENV))
    return CloudApi(make_clients(cred, region, endpoint), concurrency=1)


def _call(api: Any, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    from tcremedy.cloud.api import ApiError

    try:
        return api.call(service, action, params)
    except ApiError as exc:
        raise FixError(f"{action} failed: {exc.code}: {exc.message}") from None


def _wait(what: str, probe: Callable[[], bool], interval: float = 0.3) -> None:
    deadline = time.monotonic() + float(os.environ.get(TIMEOUT_ENV, "300"))
    while not probe():
        if time.monotonic() > deadline:
            raise FixError(f"timed out waiting for {what}")
        time.sleep(interval)


def _instance(api: Any, instance_id: str) -> dict[str, Any]:
    found = _call(api, "cvm", "DescribeInstances", {"InstanceIds": [instance_id]}).get("InstanceSet") or []
    if not found:
        raise FixError(f"instance {instance_id} not found")
    return found[0]


def _settled(inst: dict[str, Any]) -> bool:
    return inst.get("LatestOperationState") != "OPERATING" and inst.get("InstanceState") in (
        "RUNNING",
        "STOPPED",
    )


def _wait_running(api: Any, instance_id: str) -> None:
    _wait(
        f"{instance_id} to be RUNNING", lambda: _instance(api, instance_id).get("InstanceState") == "RUNNING"
    )


def _same_keys(olds: dict[str, Any], news: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if olds.get(k) != news.get(k)]


def _diff(
    olds: dict[str, Any],
    news: dict[str, Any],
    replace_keys: tuple[str, ...],
    update_keys: tuple[str, ...],
    drifted: Callable[[], bool],
) -> dyn.DiffResult:
    replaces = _same_keys(olds, news, replace_keys)
    if replaces:
        return dyn.DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
    if _same_keys(olds, news, update_keys):
        return dyn.DiffResult(changes=True)
    return dyn.DiffResult(changes=drifted())


# ---------------------------------------------------------------- security-group ingress rule


def _port_covers(rule_port: str, port: str) -> bool:
    rule_port = (rule_port or "ALL").upper()
    if rule_port == "ALL":
        return True
    for part in rule_port.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and int(low) <= int(port) <= int(high or low):
            return True
    return False


def _overlaps(cidr_a: str, cidr_b: str) -> bool:
    try:
        return ipaddress.ip_network(cidr_a, strict=False).overlaps(ipaddress.ip_network(cidr_b, strict=False))
    except ValueError:
        return False


def _identical(rule: dict[str, Any], props: dict[str, Any]) -> bool:
    return (
        str(rule.get("Protocol", "")).upper() == props["protocol"].upper()
        and str(rule.get("Port", "")).upper() == str(props["port"]).upper()
        and rule.get("CidrBlock", "") == props["cidr_block"]
        and str(rule.get("Action", "")).upper() == props["action"].upper()
    )


def _shadowed(ingress: list[dict[str, Any]], index: int, props: dict[str, Any]) -> bool:
    """A DROP above position ``index`` matches (part of) this rule's traffic."""
    for rule in ingress[:index]:
        if (
            str(rule.get("Action", "")).upper() == "DROP"
            and str(rule.get("Protocol", "")).upper() in ("TCP", "ALL")
            and _port_covers(str(rule.get("Port", "")), str(props["port"]))
            and rule.get("CidrBlock")
            and _overlaps(rule["CidrBlock"], props["cidr_block"])
        ):
            return True
    return False


def _policies(api: Any, group: str) -> dict[str, Any]:
    return _call(api, "vpc", "DescribeSecurityGroupPolicies", {"SecurityGroupId": group})[
        "SecurityGroupPolicySet"
    ]


def _find(ingress: list[dict[str, Any]], props: dict[str, Any]) -> int | None:
    return next((i for i, r in enumerate(ingress) if _identical(r, props)), None)


def _mutate(api: Any, action: str, group: str, version: str, rule: dict[str, Any]) -> bool:
    """One ingress change at ``version``; False when the group changed meanwhile (look again)."""
    from tcremedy.cloud.api import ApiError

    try:
        api.call(
            "vpc",
            action,
            {"SecurityGroupId": group, "SecurityGroupPolicySet": {"Version": version, "Ingress": [rule]}},
        )
    except ApiError as exc:
        if exc.code == "UnsupportedOperation.VersionMismatch":
            return False
        raise FixError(f"{action} failed: {exc.code}: {exc.message}") from None
    return True


def _rule_id(p: dict[str, Any]) -> str:
    return f"{p['security_group_id']}/ingress/{p['protocol']}/{p['port']}/{p['cidr_block']}/{p['action']}"


class SecurityGroupIngressRuleProvider(dyn.ResourceProvider):
    """One ingress rule, inserted at ``policy_index`` (0 = top) so no DROP above it shadows it."""

    KEYS = ("security_group_id", "cidr_block", "protocol", "port", "action", "region")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        failures = []
        if news.get("cidr_block") in PUBLIC_CIDRS and not news.get("allow_public"):
            failures.append(
                dyn.CheckFailure(
                    "cidr_block",
                    f"{news['cidr_block']} opens RDP to the internet and "
                    "the policy does not set allow_public_rdp",
                )
            )
        return dyn.CheckResult(news, failures)

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        api, group = _api(props["region"]), props["security_group_id"]
        for _attempt in range(8):
            current = _policies(api, group)
            ingress = current.get("Ingress") or []
            found = _find(ingress, props)
            if found is not None and not _shadowed(ingress, found, props):
                owned = str(ingress[found].get("PolicyDescription", "")).startswith(OWNED_DESCRIPTION_PREFIX)
                return {**props, "adopted": not owned}
            if found is not None:  # present but under a DROP: take it out and put it back on top
                _mutate(
                    api,
                    "DeleteSecurityGroupPolicies",
                    group,
                    current["Version"],
                    {"PolicyIndex": ingress[found]["PolicyIndex"]},
                )
                continue
            rule = {
                "Protocol": props["protocol"],
                "Port": str(props["port"]),
                "CidrBlock": props["cidr_block"],
                "Action": props["action"],
                "PolicyDescription": props.get("description", ""),
                "PolicyIndex": int(props.get("policy_index", 0)),
            }
            if _mutate(api, "CreateSecurityGroupPolicies", group, current["Version"], rule):
                return {**props, "adopted": False}
        raise FixError(f"{group} kept changing while tcremedy inserted its rule; try again")

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=_rule_id(props), outs=self._ensure(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._ensure(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        def drifted() -> bool:
            ingress = _policies(_api(news["region"]), news["security_group_id"]).get("Ingress") or []
            found = _find(ingress, news)
            return found is None or _shadowed(ingress, found, news)

        return _diff(olds, news, self.KEYS, ("description", "policy_index"), drifted)

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        ingress = _policies(_api(props["region"]), props["security_group_id"]).get("Ingress") or []
        return dyn.ReadResult(id_=id_ if _find(ingress, props) is not None else None, outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("adopted"):
            return  # the rule was there before tcremedy: forget it, leave it in place
        api = _api(props["region"])
        for _attempt in range(8):
            try:
                current = _policies(api, props["security_group_id"])
            except FixError as exc:
                if "ResourceNotFound" in str(exc):
                    return  # the group is gone, and the rule with it
                raise
            ingress = current.get("Ingress") or []
            found = _find(ingress, props)
            if found is None:
                return
            _mutate(
                api,
                "DeleteSecurityGroupPolicies",
                props["security_group_id"],
                current["Version"],
                {"PolicyIndex": ingress[found]["PolicyIndex"]},
            )
        raise FixError(f"{props['security_group_id']} kept changing while tcremedy removed its rule")


# ---------------------------------------------------------------- instance settings and actions


class InstanceBandwidthProvider(dyn.ResourceProvider):
    """Public outbound bandwidth of one instance is at least ``target_mbps``. Delete only forgets."""

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid, target = _api(props["region"]), props["instance_id"], int(props["target_mbps"])
        _wait(f"{iid} to settle", lambda: _instance(api, iid).get("LatestOperationState") != "OPERATING")
        inst = _instance(api, iid)
        before = int((inst.get("InternetAccessible") or {}).get("InternetMaxBandwidthOut") or 0)
        if before < target:
            _call(
                api,
                "cvm",
                "ResetInstancesInternetMaxBandwidth",
                {"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": target}},
            )

            def done() -> bool:
                now = _instance(api, iid)
                bw = int((now.get("InternetAccessible") or {}).get("InternetMaxBandwidthOut") or 0)
                return now.get("LatestOperationState") != "OPERATING" and bw >= target

            _wait(f"{iid} bandwidth {target} Mbps", done)
        return {**props, "previous_mbps": before}

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/bandwidth", outs=self._ensure(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._ensure(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        def drifted() -> bool:
            inst = _instance(_api(news["region"]), news["instance_id"])
            return int((inst.get("InternetAccessible") or {}).get("InternetMaxBandwidthOut") or 0) < int(
                news["target_mbps"]
            )

        return _diff(olds, news, ("instance_id", "region"), ("target_mbps",), drifted)


class InstanceRunningProvider(dyn.ResourceProvider):
    """The instance is RUNNING (StartInstances when STOPPED). Delete only forgets."""

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid = _api(props["region"]), props["instance_id"]
        _wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        if _instance(api, iid).get("InstanceState") == "STOPPED":
            _call(api, "cvm", "StartInstances", {"InstanceIds": [iid]})
        _wait_running(api, iid)
        return dict(props)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/running", outs=self._ensure(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._ensure(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        def drifted() -> bool:
            return _instance(_api(news["region"]), news["instance_id"]).get("InstanceState") != "RUNNING"

        return _diff(olds, news, ("instance_id", "region"), (), drifted)


class InstanceRebootProvider(dyn.ResourceProvider):
    """Reboot once per ``trigger`` (a new trigger = the saturation was seen again)."""

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid = _api(props["region"]), props["instance_id"]
        _wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        _call(api, "cvm", "RebootInstances", {"InstanceIds": [iid], "StopType": "SOFT_FIRST"})
        _wait_running(api, iid)
        return dict(props)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/reboot", outs=self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._run(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        return _diff(olds, news, ("instance_id", "region"), ("trigger",), lambda: False)


class InstancePasswordProvider(dyn.ResourceProvider):
    """ResetInstancesPassword once per ``trigger``; the password input is a Pulumi secret and is
    never returned as an output."""

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid = _api(props["region"]), props["instance_id"]
        if not props.get("password"):
            raise FixError(
                f"no new password given (environment variable {props.get('password_env')!r} is empty)"
            )
        _wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        _call(
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
        _wait(f"{iid} to settle", lambda: _settled(_instance(api, iid)))
        if _instance(api, iid).get("InstanceState") == "STOPPED":
            _call(api, "cvm", "StartInstances", {"InstanceIds": [iid]})
        _wait_running(api, iid)
        return {k: v for k, v in props.items() if k != "password"}

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/password", outs=self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._run(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        return _diff(olds, news, ("instance_id", "region"), ("trigger", "user_name"), lambda: False)


class GuestFixProvider(dyn.ResourceProvider):
    """Run one guest fix script through TAT and wait for SUCCESS, once per ``trigger``/script."""

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid, name = _api(props["region"]), props["instance_id"], props["script"]
        port = props.get("port")
        inv = _call(
            api,
            "tat",
            "RunCommand",
            {
                "Content": encoded_script(name, int(port) if port is not None else None),
                "CommandType": "POWERSHELL",
                "CommandName": f"{COMMAND_NAME_PREFIX}{name}",
                "Description": f"tcremedy guest fix {name}",
                "InstanceIds": [iid],
                "Timeout": 120,
                "SaveCommand": False,
            },
        )["InvocationId"]
        task: dict[str, Any] = {}

        def finished() -> bool:
            tasks = (
                _call(
                    api,
                    "tat",
                    "DescribeInvocationTasks",
                    {
                        "Filters": [{"Name": "invocation-id", "Values": [inv]}],
                        "HideOutput": False,
                    },
                ).get("InvocationTaskSet")
                or []
            )
            task.update(tasks[0] if tasks else {})
            return task.get("TaskStatus") in TERMINAL_TASK_STATES

        _wait(f"guest fix {name} on {iid}", finished, interval=0.5)
        if task.get("TaskStatus") != "SUCCESS":
            result = task.get("TaskResult") or {}
            raise FixError(
                f"guest fix {name} on {iid} ended {task.get('TaskStatus')} "
                f"(exit code {result.get('ExitCode')}): {task.get('ErrorInfo') or ''}".rstrip(": ")
            )
        return {**props, "invocation_id": inv}

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/guest/{props['script']}", outs=self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._run(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        return _diff(
            olds, news, ("instance_id", "region", "script"), ("trigger", "port", "digest"), lambda: False
        )
