"""The address x port plane a reachability question lives on, and first-match evaluation over it.

A rule is reduced to a ``Matcher``: the boxes (address interval x port interval, one IP version)
where it certainly matches, and those where it might (an unresolvable part). ``evaluate_space``
walks the rules in order and splits the question's space wherever a rule covers only part of it;
``verdict`` groups the pieces into a ``ReachVerdict`` whose parts name the rule that decided them.
What a rule of each kind covers is worked out in ``reachability`` (security groups, TRIPLE ACLs)
and ``quintuple`` (QUINTUPLE ACLs).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tcremedy.diagnose.model import Access, Coverage, RangeVerdict, ReachVerdict, RuleRef

EPHEMERAL_PORTS = (49152, 65535)  # Windows RDP clients' source ports = the replies' destination

ALL_PORTS = (0, 65535)

BITS = {4: 32, 6: 128}

Box = tuple[int, int, int, int]  # address lo, address hi, port lo, port hi (inclusive)


@dataclass(frozen=True)
class Matcher:
    """A rule reduced to the question's address x port plane (one IP version)."""

    ref: RuleRef
    definite: tuple[Box, ...]  # where the rule certainly matches
    maybe: tuple[Box, ...] = ()  # where it might match (unresolvable parts)

    @property
    def possible_actions(self) -> frozenset[str]:
        return frozenset({self.ref.action}) if self.ref.action else frozenset({"ACCEPT", "DROP"})


def boxes(intervals: Iterable[tuple[int, int]], ports: Iterable[tuple[int, int]]) -> tuple[Box, ...]:
    ports = tuple(ports)
    return tuple((a, b, p, q) for a, b in intervals for p, q in ports)


def whole_space(version: int) -> Box:
    return (0, (1 << BITS[version]) - 1, *ALL_PORTS)


# ---------------------------------------------------------------- the evaluation


def evaluate_space(
    space: Box, matchers: Sequence[Matcher], default: RuleRef
) -> list[tuple[Box, Access, RuleRef, tuple[RuleRef, ...]]]:
    """First-match evaluation of every point of ``space``: a list of disjoint boxes with their decision.

    Each result is (box, access, deciding rule, unresolvable rules that might have matched first).
    """
    undecided: list[tuple[Box, tuple[Matcher, ...]]] = [(space, ())]
    decided = []
    for matcher in matchers:
        if not undecided:
            break
        remaining = []
        for box, pending in undecided:
            inside, outside = _split(box, matcher.definite)
            for piece in inside:
                decided.append(_decide(piece, matcher.ref, pending))
            for piece in outside:
                maybe_in, maybe_out = _split(piece, matcher.maybe)
                remaining.extend((p, (*pending, matcher)) for p in maybe_in)
                remaining.extend((p, pending) for p in maybe_out)
        undecided = remaining
    decided.extend(_decide(box, default, pending) for box, pending in undecided)
    return decided


def _decide(box: Box, ref: RuleRef, pending: tuple[Matcher, ...]) -> tuple[Box, Access, RuleRef, tuple]:
    access = Access.ALLOW if ref.action == "ACCEPT" else Access.DENY
    if any(m.possible_actions != {ref.action} for m in pending):
        return box, Access.UNKNOWN, ref, tuple(m.ref for m in pending)
    return box, access, ref, ()


def _split(box: Box, region: Iterable[Box]) -> tuple[list[Box], list[Box]]:
    """(parts of ``box`` inside ``region``, parts outside), all disjoint."""
    inside: list[Box] = []
    outside = [box]
    for r in region:
        nxt = []
        for o in outside:
            inter = _intersect(o, r)
            if inter is None:
                nxt.append(o)
            else:
                inside.append(inter)
                nxt.extend(_subtract(o, inter))
        outside = nxt
        if not outside:
            break
    return inside, outside


def _intersect(a: Box, b: Box) -> Box | None:
    lo, hi, plo, phi = max(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3])
    return (lo, hi, plo, phi) if lo <= hi and plo <= phi else None


def _subtract(a: Box, inner: Box) -> list[Box]:
    """``a`` minus ``inner`` (``inner`` lies within ``a``) as up to four boxes."""
    out = []
    if a[0] < inner[0]:
        out.append((a[0], inner[0] - 1, a[2], a[3]))
    if inner[1] < a[1]:
        out.append((inner[1] + 1, a[1], a[2], a[3]))
    if a[2] < inner[2]:
        out.append((inner[0], inner[1], a[2], inner[2] - 1))
    if inner[3] < a[3]:
        out.append((inner[0], inner[1], inner[3] + 1, a[3]))
    return out


def verdict(
    layer: str, net: Any, ports: tuple[int, int], matchers: Sequence[Matcher], default: RuleRef
) -> ReachVerdict:
    """The verdict of one layer on ``net`` x ``ports``: its parts grouped by decision and deciding rule."""
    space = (int(net.network_address), int(net.broadcast_address), *ports)
    pieces = evaluate_space(space, matchers, default)
    grouped: dict[tuple, list] = {}
    for box, access, ref, uncertain in pieces:
        key = (access, _ref_key(ref), box[2], box[3], tuple(_ref_key(u) for u in uncertain))
        grouped.setdefault(key, [ref, uncertain, []])[2].append((box[0], box[1]))
    ranked = []  # ((lowest address, ports text), part): one IP version, so the address orders them
    for (access, _, plo, phi, _), (ref, uncertain, intervals) in grouped.items():
        span = ports_text(plo, phi)
        part = RangeVerdict(_to_cidrs(net.version, intervals), span, access, ref, uncertain)
        ranked.append(((min(lo for lo, _ in intervals), span), part))
    ranked.sort(key=lambda r: r[0])
    parts = [part for _, part in ranked]
    accesses = {p.access for p in parts}
    if accesses == {Access.ALLOW}:
        coverage = Coverage.ALL
    elif accesses == {Access.DENY}:
        coverage = Coverage.NONE
    elif Access.UNKNOWN in accesses:
        coverage = Coverage.UNKNOWN
    else:
        coverage = Coverage.PARTIAL
    return ReachVerdict(layer, str(net), ports_text(*ports), coverage, tuple(parts))


def _ref_key(ref: RuleRef) -> tuple:
    return (ref.kind, ref.resource_id, ref.direction, ref.index)


def _to_cidrs(version: int, intervals: list[tuple[int, int]]) -> tuple[str, ...]:
    """The intervals as the fewest CIDRs, lowest first (what ``ipaddress.summarize_address_range`` gives)."""
    merged: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple(cidr for lo, hi in merged for cidr in _summarize(version, lo, hi))


def _summarize(version: int, lo: int, hi: int) -> list[str]:
    """[lo, hi] as aligned blocks, each the largest that starts at the cursor and fits."""
    bits = BITS[version]
    address = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    out = []
    while lo <= hi:
        size = (lo & -lo).bit_length() - 1 if lo else bits  # alignment of lo
        size = min(size, (hi - lo + 1).bit_length() - 1)  # and no larger than what is left
        out.append(f"{address(lo)}/{bits - size}")
        lo += 1 << size
    return out


def ports_text(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"
