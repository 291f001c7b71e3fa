"""The program interface shared by both backends.

The program declares the union of this run's fixes and earlier fixes the policy still wants
(computed by ``tcremedy.remediate.planner.program_resources``) and exports that list as
``RECORD_OUTPUT``, so the next run knows what tcremedy created before. Secrets (new passwords) are
never part of the record.

One behaviour, two backends (``provider`` = pulumi-tencentcloud resources, ``sdk`` = dynamic
resources over tencentcloud-sdk-python); what each fix does on both:

* sg_allow_rdp: an ACCEPT for exactly the admin CIDR and port at index 0 of the first group.
  provider: ``security.GroupRule``, replaced (deleted first) when its trigger changes, i.e. when
  diagnosis sees it blocked again (a DROP added above it); sdk: inserted, moved to the top when a
  DROP shadows it. An identical rule already there (the admin's under a DROP, or ours from a killed
  run) is never created twice (DuplicatePolicy): sdk moves it up keeping its description; provider
  adopts it (``import_``) and, when it is under a DROP, replaces it in a second pass of the same apply.
* acl_allow_rdp: tcremedy's entries on top of the subnet ACL's direction, every other entry kept.
  provider: the adopted ``vpc.Acl``'s lists exactly as its Read renders them (upper-cased, default
  entries left out); sdk: the same list through ModifyNetworkAclEntries. An ACL with an entry the
  provider cannot carry (IPv6, '#' in a description, an explicit deny-all above other entries) is a
  manual step on both.
* raise_bandwidth: public bandwidth raised to the target; both only for the charge types
  TRAFFIC_POSTPAID_BY_HOUR, BANDWIDTH_POSTPAID_BY_HOUR, BANDWIDTH_PACKAGE (others: a manual step).
* start_instance: StartInstances, then RUNNING. provider: the adopted Instance's ``running_flag``.
* reset_password: ResetInstancesPassword with ForceStop; RUNNING afterwards on both (sdk: started in
  the same step; provider: the adopted Instance's secret ``password`` with ``running_flag`` true --
  its reset never starts the instance, so apply's next pass does, through ``running_flag``); a
  finding seen open again resets again on both (a new trigger; provider: the recorded password is
  forgotten so the same value is set again).
* reboot_instance: RebootInstances once per trigger; the instance's guest fixes run only after it
  is RUNNING again (provider: ``cvm.RebootInstance`` returns at once, so the guest fixes wait for
  RUNNING and the agent Online).
* guest fixes: the script through TAT RunCommand as System in the TAT Windows working directory,
  once per trigger; the step fails with the script's own error output unless every task ends
  SUCCESS (sdk: inside the update; provider: ``apply`` waits for the invocation's tasks).
* verification (apply): waits for each step's effect (RUNNING, agent Online, invocation finished)
  with a bounded timeout naming the step, then re-reads the cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import pulumi

from tcremedy.errors import GuardrailViolation
from tcremedy.remediate.fixes import FIXES, HOLD, FixResource, resource_violations
from tcremedy.remediate.limits import Limits
from tcremedy.serde import to_data

RECORD_OUTPUT = "tcremedyFixes"
PATH_OUTPUT = "remediationPath"
INSTANCE_KINDS = FIXES.kinds("instance")  # resources acting on one instance, declared together


class ResourceBackend(Protocol):
    """Turns tcremedy's fixes into Pulumi resources."""

    path: str  # "tencentcloud-provider" | "sdk-dynamic"

    def security_group_rule(self, res: FixResource, after: pulumi.Resource | None = None) -> pulumi.Resource:
        """``after``: the previous rule of the same group (inserts into one group run in order)."""
        ...

    def network_acl_entries(self, acl_id: str, entries: Sequence[FixResource]) -> list[pulumi.Resource]:
        """All of one ACL's entry fixes at once, in key order (each write replaces a direction's list)."""
        ...

    def instance_fixes(self, instance_id: str, fixes: Sequence[FixResource]) -> list[pulumi.Resource]:
        """All fixes of one instance at once (the provider path adopts the instance once)."""
        ...


def group_by_instance(resources: Sequence[FixResource]) -> dict[str, list[FixResource]]:
    groups: dict[str, list[FixResource]] = {}
    for res in resources:
        if res.kind in INSTANCE_KINDS:
            groups.setdefault(res.instance_id, []).append(res)
    return groups


def group_by_acl(resources: Sequence[FixResource]) -> dict[str, list[FixResource]]:
    groups: dict[str, list[FixResource]] = {}
    for res in resources:
        if res.kind in FIXES.kinds("network_acl"):
            groups.setdefault(res.params["network_acl_id"], []).append(res)
    return groups


def build_program(
    resources: Sequence[FixResource], backend: ResourceBackend, limits: Limits
) -> Callable[[], None]:
    """The inline Pulumi program for these fixes; refuses any beyond the policy's ``limits``.

    An earlier fix kept as it is (``hold``) is not re-judged: it is already in the stack, and its
    provider refuses it if it is not (``sdk_common.limit_failures``).
    """
    resources = tuple(sorted(resources, key=lambda r: r.key))
    unknown = sorted({r.kind for r in resources} - set(FIXES.kinds()))
    if unknown:
        raise ValueError(f"unknown fix resource kinds: {', '.join(unknown)}")
    refused = [
        f"{r.key}: {why}"
        for r in resources
        if not r.params.get(HOLD)
        for why in resource_violations(r.kind, r.fix, r.params, limits)
    ]
    if refused:
        raise GuardrailViolation(
            "refusing to declare fixes beyond the policy; nothing was changed:\n  " + "\n  ".join(refused)
        )

    def program() -> None:
        last_in_group: dict[str, pulumi.Resource] = {}  # each insert reads and bumps the group's Version
        for res in resources:
            if res.kind in FIXES.kinds("security_group"):
                group = res.params["security_group_id"]
                last_in_group[group] = backend.security_group_rule(res, last_in_group.get(group))
        for acl_id, entries in sorted(group_by_acl(resources).items()):
            backend.network_acl_entries(acl_id, entries)
        for instance_id, fixes in sorted(group_by_instance(resources).items()):
            backend.instance_fixes(instance_id, fixes)
        for name, value in (getattr(backend, "exports", None) or {}).items():
            pulumi.export(name, value)
        for name, value in record_outputs(resources).items():
            pulumi.export(name, value)
        pulumi.export(PATH_OUTPUT, backend.path)

    return program


def record_outputs(resources: Sequence[FixResource]) -> dict[str, list[dict[str, object]]]:
    """The record the program exports; the driver stages it before an update (crash safety)."""
    return {RECORD_OUTPUT: [to_data(r) for r in sorted(resources, key=lambda r: r.key)]}


def record_from_outputs(outputs: Mapping[str, object]) -> list[FixResource]:
    """The fixes an earlier run recorded (``RECORD_OUTPUT``), or [] for a new stack."""
    from tcremedy.serde import from_data

    raw = outputs.get(RECORD_OUTPUT) or []
    return [from_data(FixResource, item) for item in raw if isinstance(item, dict)]  # type: ignore[union-attr]
