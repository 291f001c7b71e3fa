"""What one ``diagnose()`` call works out about the live state, shared by the checks and drift.

A fleet's instances share a handful of security-group bindings and ACLs, so the question "is TCP/port
from this admin CIDR admitted through these groups?" has few distinct answers. A ``Context`` answers each
one once per call and hands the same (frozen) verdicts to the SG/ACL checks and to drift.

A context belongs to one state (which is frozen) and lives no longer than the call that made it; there
is no module-level cache, so states built one after another never see each other's answers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from tcremedy.cloud.state import LiveState, NetworkAcl
from tcremedy.diagnose.model import ReachVerdict
from tcremedy.diagnose.quintuple import quintuple_verdicts
from tcremedy.diagnose.reachability import acl_verdicts, no_acl_verdicts, security_group_verdict

T = TypeVar("T")

AclPair = tuple[ReachVerdict, ReachVerdict]


class Context:
    """Memoised readings of one ``LiveState`` for the length of one diagnosis."""

    def __init__(self, state: LiveState) -> None:
        self.state = state
        self._memo: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key``; the value must be immutable or treated as such by callers."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def sg_verdicts(
        self, group_ids: Sequence[str], sources: Sequence[str], port: int
    ) -> tuple[ReachVerdict, ...]:
        """``security_group_verdict`` for each source, in order."""
        groups = tuple(group_ids)
        return tuple(
            self.memo(
                ("sg", groups, source, port),
                lambda s=source: security_group_verdict(self.state, groups, s, port),
            )
            for source in sources
        )

    def acl_verdicts(
        self, acl: NetworkAcl | None, sources: Sequence[str], port: int, instance_ips: Sequence[str] = ()
    ) -> tuple[AclPair, ...]:
        """(inbound, outbound) per source through ``acl`` (None: the subnet has no ACL).

        A QUINTUPLE ACL also matches the instance's side, so its answers depend on ``instance_ips``.
        """
        ips = tuple(instance_ips) if acl is not None and acl.acl_type == "QUINTUPLE" else ()

        def compute(source: str) -> AclPair:
            if acl is None:
                return no_acl_verdicts(source, port)
            if acl.acl_type == "QUINTUPLE":
                return quintuple_verdicts(acl, source, port, ips)
            return acl_verdicts(acl, source, port)

        return tuple(
            self.memo(("acl", acl, source, port, ips), lambda s=source: compute(s))  # frozen: keyed by value
            for source in sources
        )
