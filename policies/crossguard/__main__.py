"""CrossGuard pack: the tcremedy policy applied to what a Pulumi program is about to deploy.

The tcremedy policy file comes from $TCREMEDY_POLICY, else ../windows-rdp.yaml beside this pack.
Every check lives in ``tcremedy.remediate.crossguard``; this file only wires it into pulumi_policy.

One stack policy: a rule whose source is an address template is judged by the addresses of the
template resources it depends on (``property_dependencies``), which a per-resource policy cannot
see. Unknown values (outputs not known at preview) are passed to the checks as
``guard.UNKNOWN`` instead of aborting the whole policy as "can't run during preview".
"""

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy
from pulumi_policy import proxy as policy_proxy

from tcremedy.remediate import crossguard as guard
from tcremedy.policy.loader import load_policy

POLICY_FILE = os.environ.get("TCREMEDY_POLICY") or Path(__file__).parent.parent / "windows-rdp.yaml"
POLICY = load_policy(Path(POLICY_FILE))
_SENTINELS = {v for k, v in vars(policy_proxy).items() if k.startswith("UNKNOWN_") and isinstance(v, str)}


def plain(value):
    """Resource properties without the analyzer's unknown-checking proxies (unknowns -> UNKNOWN)."""
    if isinstance(value, Mapping):
        raw = value["__target"] if type(value).__name__ == "_DictProxy" else value
        return {k: plain(v) for k, v in raw.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        raw = value["__target"] if type(value).__name__ == "_ListProxy" else value
        return [plain(v) for v in raw]
    return guard.UNKNOWN if isinstance(value, str) and value in _SENTINELS else value


def _addresses(resource, seen):
    """CIDRs of an address template (or a group of them); None when they cannot be known."""
    if resource.urn in seen:
        return ()
    seen.add(resource.urn)
    if resource.resource_type == guard.ADDRESS_TEMPLATE_GROUP:
        members = [d for deps in resource.property_dependencies.values() for d in deps]
        if not members:
            return None
        out = []
        for member in members:
            cidrs = _addresses(member, seen)
            if cidrs is None:
                return None
            out += cidrs
        return tuple(out)
    return guard.template_addresses(resource.resource_type, plain(resource.props))


def _resolver(resource):
    """Template references of ``resource`` -> the addresses of the templates it depends on."""
    templates = [
        d
        for deps in resource.property_dependencies.values()
        for d in deps
        if d.resource_type in guard.TEMPLATE_TYPES
    ]

    def resolve(_ref):
        if not templates:
            return None
        out = []
        for template in templates:
            cidrs = _addresses(template, set())
            if cidrs is None:
                return None
            out += cidrs
        return tuple(out)

    return resolve


def _validate(args, report_violation) -> None:
    for resource in args.resources:
        props = plain(resource.props)
        for message in guard.declared_violations(POLICY, resource.resource_type, props, _resolver(resource)):
            report_violation(message, resource.urn)


PolicyPack(
    name="tcremedy-rdp",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        StackValidationPolicy(
            name="rdp-within-policy",
            description=f"RDP ingress and bandwidth follow the tcremedy policy `{POLICY.name}`.",
            validate=_validate,
        )
    ],
)
