"""Drift: the policy's desired projection of an instance against its live projection.

Both projections are flat ``{attribute path: value}`` dicts built from the same paths, so a
report can show "desired vs live" beside the root cause. Desired values are plain values or
``Constraint`` objects (">=5", "one of [1, 2, absent]"). The comparison is DeepDiff's
(``ignore_order``, a custom operator judging constraints); the common value shapes are judged
directly, the same way. Paths whose live value is not known (guest not probed, metrics missing)
are left out: those checks are reported as UNKNOWN or masked instead.

Paths: ``state``, ``restrict_state``, ``public_ip_addresses``, ``internet_max_bandwidth_out``,
``security_groups.ingress[tcp/<port>]`` (admin CIDRs fully admitted),
``security_groups.ingress[tcp/<port>].beyond_policy`` (rules admitting sources outside the admin CIDRs),
``network_acl[tcp/<port>]`` (admin CIDRs passing in and back out), ``metrics.cpu_max_percent``,
``metrics.memory_max_percent``, ``metrics.wan_out_max_mbps``, ``guest.*``, ``password_reset``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from tcremedy.cloud.state import Instance, LiveState, NetworkAcl
from tcremedy.diagnose.context import Context
from tcremedy.diagnose.model import Access, DriftItem, ReachVerdict
from tcremedy.diagnose.readings import guest_facts, silent_listener_cause, window_max
from tcremedy.policy.model import Policy
from tcremedy.policy.values import is_public_cidr


@dataclass(frozen=True)
class Constraint:
    """A desired value that is a condition rather than one value."""

    text: str
    holds: Callable[[Any], bool]

    def __repr__(self) -> str:
        return self.text


def at_least(n: float) -> Constraint:
    return Constraint(f">={n:g}", lambda v: isinstance(v, (int, float)) and v >= n)


def below(n: float) -> Constraint:
    return Constraint(f"<{n:g}", lambda v: isinstance(v, (int, float)) and v < n)


def one_of(values: tuple[Any, ...]) -> Constraint:
    shown = ", ".join("absent" if v is None else str(v) for v in values)
    return Constraint(f"one of [{shown}]", lambda v: v in values)


def not_equal(value: Any) -> Constraint:
    return Constraint(f"not {value}", lambda v: v != value)


NON_EMPTY = Constraint("at least one", lambda v: bool(v))


class _ConstraintOperator:
    """DeepDiff custom operator: a Constraint on the desired side is judged, not compared."""

    def match(self, level: Any) -> bool:
        return isinstance(level.t1, Constraint)

    def give_up_diffing(self, level: Any, diff_instance: Any) -> bool:
        if not level.t1.holds(level.t2):
            diff_instance.custom_report_result("constraint_violated", level, {"constraint": level.t1.text})
        return True

    def normalize_value_for_hashing(self, parent: Any, obj: Any) -> Any:
        return obj


def projections(
    policy: Policy, instance: Instance, state: LiveState, ctx: Context | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(desired, live) for one instance, over the same keys."""
    ctx = ctx or Context(state)
    desired: dict[str, Any] = {}
    live: dict[str, Any] = {}

    def put(path: str, want: Any, have: Any) -> None:
        desired[path], live[path] = want, have

    port = policy.rdp.port
    if policy.instance.must_be_running:
        put("state", "RUNNING", instance.state or None)
    put("restrict_state", "NORMAL", instance.restrict_state)
    put("public_ip_addresses", NON_EMPTY, sorted(instance.public_ip_addresses))
    put(
        "internet_max_bandwidth_out",
        at_least(policy.capacity.min_bandwidth_mbps),
        instance.internet_max_bandwidth_out,
    )

    wanted = tuple(policy.rdp.admin_cidrs)
    admin = ctx.memo(("drift.admin", wanted), lambda: tuple(_collapse(wanted)))
    sg_path = f"security_groups.ingress[tcp/{port}]"
    groups, public_ok = tuple(instance.security_group_ids), policy.rdp.allow_public_rdp
    admitted, beyond = ctx.memo(
        ("drift.sg", groups, admin, port, public_ok), lambda: _sg_live(ctx, groups, admin, port, public_ok)
    )
    put(sg_path, list(admin), list(admitted))
    if beyond is not None:
        put(sg_path + ".beyond_policy", [], list(beyond))

    acl_live = _acl_admitted(instance, ctx, admin, port)
    if acl_live is not None:
        put(f"network_acl[tcp/{port}]", list(admin), list(acl_live))

    window = policy.capacity.window_seconds
    for path, names, ceiling in (
        ("metrics.cpu_max_percent", ("CpuUsage", "BaseCpuUsage"), policy.capacity.cpu_ceiling_percent),
        ("metrics.memory_max_percent", ("MemUsage",), policy.capacity.memory_ceiling_percent),
    ):
        found = window_max(instance, state, names, window)
        if found is not None:
            put(path, below(ceiling), found[0])
    found = window_max(instance, state, ("WanOuttraffic",), window)
    if found is not None and instance.internet_max_bandwidth_out > 0:
        cap = instance.internet_max_bandwidth_out * policy.capacity.bandwidth_ceiling_percent / 100
        put("metrics.wan_out_max_mbps", below(cap), found[0])

    facts, _ = guest_facts(instance, state)
    if facts is not None:
        g = policy.guest
        running = Constraint("Running", lambda v: str(v).lower() == "running")
        wanted = [
            (g.rdp_enabled, "guest.fDenyTSConnections", 0, facts.deny_ts_connections),
            (g.termservice_running, "guest.termservice_state", running, facts.termservice_state),
            (
                g.rdp_listening and not silent_listener_cause(facts, port),  # else that cause's drift shows
                "guest.listening",
                True,
                facts.listening,
            ),
            (g.listener_port_matches, "guest.rdp_port", port, facts.rdp_port),
            (g.listener_port_matches, "guest.tds_port", port, facts.tds_port),
            (
                g.firewall_allows_port and bool(facts.firewall_profiles_enabled),
                "guest.firewall_allows_rdp_port",
                True,
                facts.firewall_allows_rdp_port,
            ),
        ]
        for enabled, path, want, have in wanted:
            if enabled and have is not None:  # not reported: the check says UNKNOWN
                put(path, want, have)
        # None here is a reported fact: the value is absent from the registry.
        put(
            "guest.allow_encryption_oracle",
            one_of(g.allowed_encryption_oracle),
            facts.allow_encryption_oracle,
        )
    if instance.latest_operation == "ResetInstancesPassword":
        put("password_reset", not_equal("FAILED"), instance.latest_operation_state)
    return desired, live


def drift(
    policy: Policy, instance: Instance, state: LiveState, ctx: Context | None = None
) -> tuple[DriftItem, ...]:
    """Attribute paths where live differs from desired, in projection order.

    The value shapes the projections make (a constraint, a scalar, a list of strings) are judged
    directly, exactly as DeepDiff with ``ignore_order`` and the constraint operator judges them;
    DeepDiff judges any other shape. On a 10,000-instance plan this keeps DeepDiff's setup (about
    0.4 ms a call) off the per-instance path.
    """
    desired, live = projections(policy, instance, state, ctx)
    changed: set[str] = set()
    unsure: list[str] = []
    for key, want in desired.items():
        verdict = _differs(want, live[key])
        if verdict is None:
            unsure.append(key)
        elif verdict:
            changed.add(key)
    if unsure:
        diff = DeepDiff(
            {k: desired[k] for k in unsure},
            {k: live[k] for k in unsure},
            ignore_order=True,
            custom_operators=[_ConstraintOperator()],
        )
        for levels in diff.tree.values():
            for level in levels:
                path = level.path(output_format="list")
                if path:
                    changed.add(str(path[0]))
    if not changed:
        return ()
    return tuple(DriftItem(key, _shown(desired[key]), live[key]) for key in desired if key in changed)


def _differs(want: Any, have: Any) -> bool | None:
    """Whether DeepDiff would report ``have`` as differing from ``want``; None when the shape is not
    one judged here. DeepDiff asks a custom operator first (a Constraint: judged by ``holds``),
    reports a scalar of another type as a type change and compares an ``ignore_order`` list of
    strings as a set (repetitions are not reported)."""
    if isinstance(want, Constraint):
        return not want.holds(have)
    if type(want) in _SCALARS and type(have) in _SCALARS:
        return not (type(want) is type(have) and want == have)
    strings = type(want) is list and type(have) is list and all(type(v) is str for v in (*want, *have))
    return set(want) != set(have) if strings else None


_SCALARS = (str, int, float, bool, type(None))


def _shown(value: Any) -> Any:
    return value.text if isinstance(value, Constraint) else value


def _fully_admitted(verdicts: list[ReachVerdict]) -> list[str]:
    """The addresses of the asked CIDRs that every part (all ports) admits, as CIDRs."""
    out: list[str] = []
    for v in verdicts:
        bad = [c for p in v.parts if p.access is not Access.ALLOW for c in p.cidrs]
        out.extend(_exclude([v.source], bad))
    return _collapse(out)


def _sg_live(
    ctx: Context, groups: tuple[str, ...], admin: tuple[str, ...], port: int, public_ok: bool
) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """(admin addresses fully admitted, rules admitting sources beyond the admin CIDRs).

    The second is None when the policy allows public RDP and names a public admin CIDR (not asked).
    """
    admitted = tuple(_fully_admitted(list(ctx.sg_verdicts(groups, admin, port))))
    if public_ok and any(is_public_cidr(c) for c in admin):
        return admitted, None
    wide = ctx.sg_verdicts(groups, ("0.0.0.0/0", "::/0"), port)
    beyond = [
        p.decided_by.text
        for v in wide
        for p in v.parts
        if p.access is Access.ALLOW and _exclude(list(p.cidrs), list(admin))
    ]
    return admitted, tuple(dict.fromkeys(beyond))


def _acl_admitted(
    instance: Instance, ctx: Context, admin: tuple[str, ...], port: int
) -> tuple[str, ...] | None:
    state = ctx.state
    subnet = state.subnets.get(instance.subnet_id) if instance.subnet_id else None
    if instance.subnet_id and subnet is None:
        return None
    acl_id = subnet.network_acl_id if subnet else ""
    if acl_id and acl_id not in state.network_acls:
        return None
    acl = state.network_acls[acl_id] if acl_id else None
    ips = instance.private_ip_addresses if acl is not None and acl.acl_type == "QUINTUPLE" else ()
    return ctx.memo(("drift.acl", acl_id, admin, port, ips), lambda: _acl_live(ctx, acl, admin, port, ips))


def _acl_live(
    ctx: Context, acl: NetworkAcl | None, admin: tuple[str, ...], port: int, ips: tuple[str, ...] = ()
) -> tuple[str, ...]:
    pairs = ctx.acl_verdicts(acl, admin, port, ips)
    inbound = _fully_admitted([p[0] for p in pairs])
    outbound = _fully_admitted([p[1] for p in pairs])
    return tuple(_intersect(inbound, outbound))


def _nets(cidrs: list[str]) -> list[Any]:
    return [ipaddress.ip_network(c, strict=False) for c in cidrs]


def _collapse(cidrs: Any) -> list[str]:
    nets = _nets(list(cidrs))
    out = []
    for version in (4, 6):
        out += [str(n) for n in ipaddress.collapse_addresses(n for n in nets if n.version == version)]
    return out


def _exclude(cidrs: list[str], remove: list[str]) -> list[str]:
    """``cidrs`` minus ``remove``, collapsed."""
    current = _nets(_collapse(cidrs))
    for r in _nets(remove):
        nxt = []
        for n in current:
            if n.version != r.version or not n.overlaps(r):
                nxt.append(n)
            elif not r.supernet_of(n):
                nxt.extend(n.address_exclude(r))
        current = nxt
    return _collapse([str(n) for n in current])


def _intersect(a: list[str], b: list[str]) -> list[str]:
    out = []
    for x in _nets(a):
        for y in _nets(b):
            if x.version == y.version and x.overlaps(y):
                out.append(str(x if y.supernet_of(x) else y))
    return _collapse(out)
