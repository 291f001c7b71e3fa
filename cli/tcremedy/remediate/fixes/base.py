"""The fix contract, its registry, and the one record a fix step is (in memory and in plan files).

A fix is one class in one module, registered by name (``@FIXES.register``), in the style of Cloud
Custodian's action registries. It declares what it closes, whether it is opt-in, the kind of
resource it makes, the types both remediation backends declare for it, and implements ``steps``
(what would close one finding), ``still_wanted`` (does the policy still want what an earlier apply
made) and ``violations`` (does a resource go beyond the policy's limits). Tables that other layers
need (fix per code, owned resource types, guest scripts...) are derived from the registry.

A fix without a resource kind is a manual step: it only says what to do by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.codes import manual_text
from tcremedy.diagnose.findings import Finding
from tcremedy.policy.model import Policy

if TYPE_CHECKING:
    import pulumi

    from tcremedy.remediate.limits import Limits

DYNAMIC = "pulumi-python:dynamic/tcremedy:"  # the sdk-dynamic path's type tokens
MANUAL = "manual"  # the ``fix`` of a step that only says what to do by hand (plan JSON contract)
HOLD = "hold"  # param of an earlier fix kept as it is (a scoped apply): not acted on


@dataclass(frozen=True)
class FixResource:
    """One resource of the remediation program, owned by tcremedy.

    ``kind``: a registered fix's ``kind`` (sg_rule, acl_entry, bandwidth, running, reboot, password,
    guest_fix). ``params`` are its plain inputs; one-shot kinds carry a ``trigger`` that changes each
    time the finding is seen open, so the action runs again when the drift comes back.
    """

    kind: str
    key: str
    fix: str
    instance_id: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FixStep:
    """What would close one finding on one instance: the fix plan's record, written to plan files as is.

    Field names are the plan JSON's (``docs/json-schema.md``): ``fix`` (a registered name, or
    ``manual``), ``auto`` (the policy lets it run without a human), ``description`` (what and why),
    ``parameters`` (its resource's inputs), ``manual`` (what to do by hand), ``resource``.
    """

    fix: str
    instance_id: str
    finding_code: str
    auto: bool
    parameters: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    manual: str = ""
    resource: FixResource | None = None  # None for manual steps

    @property
    def applies(self) -> bool:
        """Apply changes the cloud for it: automatic, with a resource."""
        return self.auto and self.resource is not None

    # The names FixStep had before it became the plan's record (read-only; not serialised).
    @property
    def automatic(self) -> bool:
        return self.auto

    @property
    def reason(self) -> str:
        return self.description

    @property
    def params(self) -> dict[str, Any]:
        return self.parameters


@dataclass(frozen=True)
class StepInput:
    """What a fix's ``steps`` works from."""

    policy: Policy
    state: LiveState
    instance: Instance
    finding: Finding
    env: frozenset[str] = frozenset()  # names of the environment variables that are set

    @property
    def trigger(self) -> str:
        """One occurrence of the finding: one-shot actions run once per trigger."""
        return f"{self.finding.code}@{self.state.collected_at}"


class ProviderProgram(Protocol):
    """What a fix's pulumi-tencentcloud declaration reads from the program
    (``remediate.program.provider_backend.TencentCloudProviderBackend``, which dispatches to the fix)."""

    state: LiveState  # the live state the plan was made from
    in_state: Mapping[str, Mapping[str, Any]]  # the recorded inputs of each resource the stack holds
    passwords: Mapping[str, str]  # instance id -> new password
    adopting: list[str]  # shadowed rules adopted this run: a second pass moves them up
    exports: dict[str, Any]  # stack outputs the program exports

    def gate(self, instance_id: str, step: str, before: Sequence[pulumi.Resource]) -> pulumi.Output[str]:
        """The instance id, once ``before`` are done and the guest can take a fix."""
        ...


class Fix:
    """Base class. Subclasses set the declarations and implement ``steps`` (and the others as needed)."""

    name: ClassVar[str] = ""
    closes: ClassVar[tuple[str, ...]] = ()  # finding codes
    opt_in: ClassVar[bool] = False  # runs only when fixes.auto names it (never by default)
    kind: ClassVar[str] = ""  # FixResource.kind it makes; "" = manual step only
    scope: ClassVar[str] = ""  # what its resources group by: security_group | network_acl | instance
    provider_type: ClassVar[str] = ""  # pulumi-tencentcloud type it declares
    provider_adopts: ClassVar[bool] = False  # that type is an adopted resource (never replaced/deleted)
    dynamic_type: ClassVar[str] = ""  # the sdk-dynamic resource's type name (after DYNAMIC)
    stands_for_instance: ClassVar[bool] = False  # its resource is the instance's own setting: never replaced
    noun: ClassVar[tuple[str, str]] = ("change", "changes")  # one resource, several (plan summaries)
    verb: ClassVar[str] = "to make"

    def steps(self, given: StepInput) -> list[FixStep]:
        """The steps that would close ``given.finding`` (the check chose this fix)."""
        return self.manual(given)

    def manual(self, given: StepInput) -> list[FixStep]:
        """What to do by hand when no fix runs (the check chose none): the code's manual text."""
        return [hand_step(given.finding, port=given.policy.rdp.port)]

    def still_wanted(self, res: FixResource, policy: Policy, state: LiveState) -> bool:
        """Whether the policy still wants what an earlier apply made (else it is removed)."""
        return res.instance_id in state.instances

    def violations(self, params: Mapping[str, Any], limits: Limits) -> list[str]:
        """Why ``params`` go beyond the policy's limits (the fix's own inputs); [] when they do not."""
        return []

    # -- the provider path (pulumi-tencentcloud): what the fix declares. Import pulumi inside these
    # methods only: planning imports every fix, and must not pay for the Pulumi SDK.

    provider_order: ClassVar[int] = 1  # among one instance's own resources (reboots first)
    provider_outputs: ClassVar[tuple[str, ...]] = ()  # stack outputs (dicts) it fills in ``exports``

    def provider_inputs(self, program: ProviderProgram, res: FixResource, inst: Instance) -> dict[str, Any]:
        """Instance scope: the adopted instance's inputs this fix sets (all other inputs are ignored)."""
        return {}

    def provider_resource(
        self, program: ProviderProgram, res: FixResource, depends_on: Sequence[pulumi.Resource]
    ) -> pulumi.Resource | None:
        """The resource this fix declares on its own, after ``depends_on`` (security-group scope: the
        group's previous rule; instance scope: the adopted instance and its earlier resources)."""
        return None

    def provider_group(
        self, program: ProviderProgram, group_id: str, resources: Sequence[FixResource]
    ) -> list[pulumi.Resource]:
        """Network-ACL scope: everything declared for one ACL from all of its fix resources at once."""
        return []

    def provider_manual(self, step: FixStep) -> str:
        """Why, and exactly what to do by hand, if the provider path cannot carry ``step`` ("" if it can)."""
        return ""

    def provider_trigger(self, res: FixResource) -> str:
        """A new value re-runs a one-shot action (a new occurrence of the finding)."""
        return f"{res.params.get('trigger', '')}/"

    # -- the sdk-dynamic path: one Pulumi dynamic resource of type ``dynamic_type`` per fix resource,
    # made by the provider class ``dynamic_provider`` names (``remediate/sdk_*.py``; the engine
    # unpickles it by reference, so it lives in a module of its own that imports pulumi.dynamic).

    dynamic_provider: ClassVar[str] = ""  # "module:Class"
    dynamic_outputs: ClassVar[tuple[str, ...]] = ()  # outputs its provider sets (declared unknown)
    dynamic_order: ClassVar[int] = 0  # among one instance's resources, each after the ones before

    def dynamic_inputs(self, res: FixResource, passwords: Mapping[str, str]) -> dict[str, Any]:
        """The dynamic resource's inputs (``passwords``: instance id -> new password)."""
        return dict(res.params)

    # -- helpers for subclasses

    def auto(self, given: StepInput, res: FixResource, description: str) -> FixStep:
        """A step that runs when the policy's fixes.auto allows this fix."""
        allowed = given.policy.allows_fix(self.name)
        return FixStep(
            fix=self.name,
            instance_id=given.instance.instance_id,
            finding_code=given.finding.code,
            auto=allowed,
            parameters=dict(res.params),
            description=description,
            manual="" if allowed else f"Not run: `{self.name}` is not listed in the policy's fixes.auto.",
            resource=res,
        )


def manual_step(f: Finding, text: str) -> FixStep:
    """A step that only says what to do by hand."""
    return FixStep(
        fix=MANUAL,
        instance_id=f.instance_id,
        finding_code=f.code,
        auto=False,
        description=f.message,
        manual=text,
    )


def evidence_values(f: Finding) -> dict[str, str]:
    """The manual texts' placeholders a finding's evidence fills: reason, culprit, services."""
    top = f.evidence.get("top_processes") or []
    first = top[0] if top and isinstance(top[0], dict) else {}
    services = f.evidence.get("services") or []
    return {
        "reason": str(f.evidence.get("reason", f.message)),
        "culprit": f" (top process {first.get('Name')}, pid {first.get('Id')})" if first else "",
        "services": ", ".join(str(s.get("Name")) for s in services if isinstance(s, dict)),
    }


def hand_step(f: Finding, **values: Any) -> FixStep:
    """The finding code's own manual text (``diagnose.codes``), filled with ``values`` and its evidence."""
    return manual_step(f, manual_text(f.code, **{**evidence_values(f), **values}))


def not_automatic(step: FixStep, text: str) -> FixStep:
    return replace(step, auto=False, manual=text)


F = TypeVar("F", bound=type[Fix])


class FixRegistry:
    """Name -> fix. ``register`` is a class decorator; the lookups below derive every fix table."""

    def __init__(self) -> None:
        self._fixes: dict[str, Fix] = {}

    def register(self, klass: F) -> F:
        if not klass.name or klass.name in self._fixes:
            raise ValueError(f"fix {klass.name!r}: no name, or registered twice")
        claimed = {c for f in self._fixes.values() for c in f.closes}
        if clash := sorted(set(klass.closes) & claimed):
            raise ValueError(f"fix {klass.name!r}: {', '.join(clash)} already closed by another fix")
        self._fixes[klass.name] = klass()
        return klass

    def get(self, name: str) -> Fix | None:
        return self._fixes.get(name)

    def of(self, res: FixResource) -> Fix:
        """The fix that declares ``res`` on either path: by its name, else by its kind."""
        fix = self._fixes.get(res.fix) or self.for_kind(res.kind)
        if fix is None or fix.kind != res.kind:
            raise ValueError(f"{res.key}: no registered fix makes a {res.kind} resource named {res.fix!r}")
        return fix

    def for_code(self, code: str) -> Fix | None:
        """The fix that closes ``code`` (automatic or manual), or None."""
        return next((f for f in self._fixes.values() if code in f.closes), None)

    def for_kind(self, kind: str) -> Fix | None:
        """The automatic fix making resources of ``kind`` (guest fixes: the first; see ``kind_fixes``)."""
        return next((f for f in self._fixes.values() if kind and f.kind == kind), None)

    def kind_fixes(self, kind: str) -> tuple[str, ...]:
        return tuple(f.name for f in self._fixes.values() if kind and f.kind == kind)

    def automatic(self) -> tuple[Fix, ...]:
        """The fixes that make a resource (what fixes.auto may name)."""
        return tuple(f for f in self._fixes.values() if f.kind)

    def manual(self) -> tuple[Fix, ...]:
        return tuple(f for f in self._fixes.values() if not f.kind)

    def kinds(self, scope: str | None = None) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.kind for f in self.automatic() if scope is None or f.scope == scope))

    def owned_types(self) -> frozenset[str]:
        """Resource types tcremedy creates and therefore owns (may update, replace, delete)."""
        provider = {f.provider_type for f in self.automatic() if f.provider_type and not f.provider_adopts}
        return frozenset(provider | {DYNAMIC + f.dynamic_type for f in self.automatic() if f.dynamic_type})

    def instance_types(self) -> frozenset[str]:
        """Types that stand for one instance: never replaced (that would mean a new instance)."""
        provider = {f.provider_type for f in self.automatic() if f.stands_for_instance and f.provider_adopts}
        dynamic = {DYNAMIC + f.dynamic_type for f in self.automatic() if f.stands_for_instance}
        return frozenset(provider | dynamic)

    def __iter__(self) -> Iterator[Fix]:
        return iter(self._fixes.values())

    def __len__(self) -> int:
        return len(self._fixes)

    def names(self) -> tuple[str, ...]:
        return tuple(self._fixes)


FIXES = FixRegistry()
