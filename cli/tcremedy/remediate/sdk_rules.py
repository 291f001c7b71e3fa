"""The security-group ingress rule as a Pulumi dynamic provider over tencentcloud-sdk-python.

The rule is inserted at ``policy_index`` (0 = top) so no DROP above it shadows it. Creates are
idempotent: the group is read first, so a re-run after a crash finds the rule the crashed run
made instead of adding a duplicate. A rule that was there before tcremedy is ADOPTED, never
owned: if it sits under a DROP it is moved to the top keeping its own description (delete, then
insert: the API refuses a duplicate rule), and deleting the resource later only forgets it.
Only rules whose description starts with ``tcremedy:`` are ever deleted.
"""

from __future__ import annotations

from typing import Any

import pulumi.dynamic as dyn

from tcremedy.remediate.rule_match import (
    OWNED_DESCRIPTION_PREFIX,
    Templates,
    owned,
    rule_drops,
    uses_templates,
)
from tcremedy.remediate.sdk_common import (
    FixError,
    api_for,
    call,
    diff,
    limit_failures,
    public_cidr_failures,
)

__all__ = ["OWNED_DESCRIPTION_PREFIX", "SecurityGroupIngressRuleProvider"]
ATTEMPTS = 8  # each change is made at the group's Version; a concurrent change means: look again


def _text(rule: dict[str, Any], key: str) -> str:
    return str(rule.get(key) or "").upper()


def _identical(rule: dict[str, Any], props: dict[str, Any]) -> bool:
    return (
        _text(rule, "Protocol") == props["protocol"].upper()
        and _text(rule, "Port") == str(props["port"]).upper()
        and (rule.get("CidrBlock") or rule.get("Ipv6CidrBlock") or "") == props["cidr_block"]
        and _text(rule, "Action") == props["action"].upper()
    )


def _owned(rule: dict[str, Any]) -> bool:
    return owned(str(rule.get("PolicyDescription") or ""))


def _shadowed(
    ingress: list[dict[str, Any]], index: int, props: dict[str, Any], templates: Templates | None = None
) -> bool:
    """A DROP above position ``index`` matches (part of) this rule's traffic (templates read)."""
    port = int(props["port"])
    return any(rule_drops(rule, props["cidr_block"], (port, port), templates) for rule in ingress[:index])


def _templates(api: Any, ingress: list[dict[str, Any]]) -> Templates | None:
    """The protocol-port and address templates (and groups), read only when a rule names one."""
    if not any(uses_templates(r) for r in ingress):
        return None

    def listing(action: str, key: str, id_key: str, members: str) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        offset, total = 0, 1
        while offset < total:
            resp = call(api, "vpc", action, {"Offset": str(offset), "Limit": "100"})
            total = int(resp.get("TotalCount") or 0)
            items = resp.get(key) or []
            out.update({i[id_key]: tuple(i.get(members) or ()) for i in items})
            offset += 100
            if not items:
                break
        return out

    return Templates(
        services=listing("DescribeServiceTemplates", "ServiceTemplateSet", "ServiceTemplateId", "ServiceSet"),
        service_groups=listing(
            "DescribeServiceTemplateGroups", "ServiceTemplateGroupSet", "ServiceTemplateGroupId",
            "ServiceTemplateIdSet",
        ),
        addresses=listing(
            "DescribeAddressTemplates", "AddressTemplateSet", "AddressTemplateId", "AddressSet"
        ),
        address_groups=listing(
            "DescribeAddressTemplateGroups", "AddressTemplateGroupSet", "AddressTemplateGroupId",
            "AddressTemplateIdSet",
        ),
    )


def _policies(api: Any, group: str) -> dict[str, Any]:
    return call(api, "vpc", "DescribeSecurityGroupPolicies", {"SecurityGroupId": group})[
        "SecurityGroupPolicySet"
    ]


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


def _effective(
    ingress: list[dict[str, Any]], props: dict[str, Any], templates: Templates | None = None
) -> int | None:
    """Index of the first identical rule no DROP shadows, or None."""
    return next(
        (
            i
            for i, r in enumerate(ingress)
            if _identical(r, props) and not _shadowed(ingress, i, props, templates)
        ),
        None,
    )


class SecurityGroupIngressRuleProvider(dyn.ResourceProvider):
    """One ingress rule that admits ``cidr_block`` on ``port``, above any DROP."""

    KEYS = ("security_group_id", "cidr_block", "protocol", "port", "action", "region")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        failures = public_cidr_failures(news) or limit_failures("sg_rule", olds, news)
        return dyn.CheckResult(news, failures)

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        api, group = api_for(props["region"]), props["security_group_id"]
        description = props.get("description", "")
        for _attempt in range(ATTEMPTS):
            current = _policies(api, group)
            ingress, version = current.get("Ingress") or [], current["Version"]
            top = _effective(ingress, props, _templates(api, ingress))
            if top is not None:
                return {**props, "adopted": not _owned(ingress[top])}
            shadowed = next((r for r in ingress if _identical(r, props)), None)
            if shadowed is not None:  # under a DROP: take it out (the API refuses a duplicate) ...
                description = shadowed.get("PolicyDescription") or ""  # ... and it stays its owner's
                _mutate(
                    api,
                    "DeleteSecurityGroupPolicies",
                    group,
                    version,
                    {"PolicyIndex": shadowed["PolicyIndex"]},
                )
                continue
            rule = {
                "Protocol": props["protocol"],
                "Port": str(props["port"]),
                # an IPv6 source goes in Ipv6CidrBlock: in CidrBlock it is InvalidParameterValue.Malformed
                # (SDK SecurityGroupPolicy: CidrBlock IPv4 "网段或IP", Ipv6CidrBlock "网段或IPv6")
                ("Ipv6CidrBlock" if ":" in props["cidr_block"] else "CidrBlock"): props["cidr_block"],
                "Action": props["action"],
                "PolicyDescription": description,
                "PolicyIndex": int(props.get("policy_index", 0)),
            }
            if _mutate(api, "CreateSecurityGroupPolicies", group, version, rule):
                return {**props, "adopted": not _owned(rule)}
        raise FixError(f"{group} kept changing while tcremedy inserted its rule; try again")

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=_rule_id(props), outs=self._ensure(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._ensure(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        def drifted() -> bool:
            api = api_for(news["region"])
            ingress = _policies(api, news["security_group_id"]).get("Ingress") or []
            return _effective(ingress, news, _templates(api, ingress)) is None

        return diff(olds, news, self.KEYS, ("description", "policy_index"), drifted)

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        ingress = _policies(api_for(props["region"]), props["security_group_id"]).get("Ingress") or []
        found = any(_identical(r, props) for r in ingress)
        return dyn.ReadResult(id_=id_ if found else None, outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Remove tcremedy's own rule; an adopted rule (or anyone else's identical one) stays."""
        if props.get("adopted"):
            return
        api, group = api_for(props["region"]), props["security_group_id"]
        for _attempt in range(ATTEMPTS):
            try:
                current = _policies(api, group)
            except FixError as exc:
                if "ResourceNotFound" in str(exc):
                    return  # the group is gone, and the rule with it
                raise
            ours = next((r for r in current.get("Ingress") or [] if _identical(r, props) and _owned(r)), None)
            if ours is None:
                return
            _mutate(
                api,
                "DeleteSecurityGroupPolicies",
                group,
                current["Version"],
                {"PolicyIndex": ours["PolicyIndex"]},
            )
        raise FixError(f"{group} kept changing while tcremedy removed its rule")
