"""CrossGuard pack: the tcremedy policy applied to what a Pulumi program is about to deploy.

The tcremedy policy file comes from $TCREMEDY_POLICY, else ../windows-rdp.yaml beside this pack.
Every check lives in ``tcremedy.remediate.crossguard``; this file only wires it into pulumi_policy.

One stack policy: a rule whose source is an address template (or whose protocol is a protocol
template) is judged by what the template resources it depends on hold (``property_dependencies``),
which a per-resource policy cannot see; a template id the program names literally without declaring
it is read from the cloud when the engine's environment has credentials (``crossguard_cloud``), as
are the rules of an existing security group a declaration binds to instances (one that cannot be
read is not judged: binding groups is what nearly every instance declares).
What cannot be resolved either way is the pack's documented choice: an address template is refused
as unverifiable, a protocol template is judged as every protocol and port. Unknown values (outputs
not known at preview) are passed to the checks as ``guard.UNKNOWN`` instead of aborting the whole
policy as "can't run during preview".
"""

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy
from pulumi_policy import proxy as policy_proxy

from tcremedy.policy.loader import load_policy
from tcremedy.remediate import crossguard as guard
from tcremedy.remediate.crossguard_cloud import CloudReader

POLICY_FILE = os.environ.get("TCREMEDY_POLICY") or Path(__file__).parent.parent / "windows-rdp.yaml"
POLICY = load_policy(Path(POLICY_FILE))
CLOUD = CloudReader()
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


def _members(resource, seen):
    """Addresses (CIDRs) or services (``proto:ports``) of a declared template or group of them;
    None when they cannot be known at preview."""
    if resource.urn in seen:
        return ()
    seen.add(resource.urn)
    if resource.resource_type in guard.GROUP_TYPES:
        members = [d for deps in resource.property_dependencies.values() for d in deps]
        kind = guard.ADDRESS if resource.resource_type == guard.ADDRESS_TEMPLATE_GROUP else guard.SERVICE
        out = []
        for ref in plain(resource.props).get("templateIds") or ():
            known = CLOUD.resolve(kind, ref) if isinstance(ref, str) and ref != guard.UNKNOWN else None
            if known is None and not members:
                return None  # neither declared here nor in the cloud
            out += known or ()  # else it is one of the declared members (judged below)
        if not out and not members:
            return None
        for member in members:
            found = _members(member, seen)
            if found is None:
                return None
            out += found
        return tuple(out)
    props = plain(resource.props)
    return guard.template_addresses(resource.resource_type, props) or guard.template_services(
        resource.resource_type, props
    )


def _resolver(resource):
    """Template references of ``resource`` -> what the templates it depends on hold; a literal id
    the program does not declare -> the cloud (``crossguard_cloud``); else None (unverifiable).

    Several references of one resource (a rule set's items) are judged by all its templates of that
    kind together: a reference is never judged by less than its own template."""
    kinds = {guard.ADDRESS: guard.ADDRESS_TYPES, guard.SERVICE: guard.SERVICE_TYPES}
    deps = [d for ds in resource.property_dependencies.values() for d in ds]

    def resolve(kind, ref):
        templates = [d for d in deps if d.resource_type in kinds[kind]]
        known = CLOUD.resolve(kind, ref) if ref != guard.UNKNOWN else None  # an id that already exists
        if not templates:
            return known
        out = list(known or ())  # a literal id is judged by the cloud's members AND the declared ones
        # (a declared template may be about to change what an existing id holds)
        for template in templates:
            found = _members(template, set())
            if found is None:
                return None
            out += found
        return tuple(out)

    return resolve


def _validate(args, report_violation) -> None:
    for resource in args.resources:
        props = plain(resource.props)
        found = guard.declared_violations(
            POLICY, resource.resource_type, props, _resolver(resource), CLOUD.group_ingress
        )
        for message in found:
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
