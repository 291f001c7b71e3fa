"""The check contract and its registry (finding code -> check class)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, TypeVar

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.context import Context
from tcremedy.diagnose.findings import CAUSAL_ORDER, CODE_TITLES, Finding, Severity, Status
from tcremedy.diagnose.model import ReachVerdict
from tcremedy.policy.model import Policy
from tcremedy.serde import to_data


class Check:
    """Base class. Subclasses set ``severity``, ``fix`` and implement ``evaluate``.

    The engine calls ``assess`` with the diagnosis ``Context``; a check whose work other instances or
    drift can share (reachability verdicts) overrides ``assess`` and has ``evaluate`` delegate to it.
    """

    code: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.HIGH
    fix: ClassVar[str | None] = None

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        raise NotImplementedError

    def assess(self, policy: Policy, instance: Instance, ctx: Context) -> list[Finding]:
        """``evaluate`` within one diagnosis, reusing what ``ctx`` has already worked out."""
        return self.evaluate(policy, instance, ctx.state)

    def fail(
        self, instance: Instance, message: str, evidence: dict[str, Any], fix: str | None = ""
    ) -> Finding:
        """A FAIL finding; ``fix`` overrides the class's fix ("" keeps it, None = manual)."""
        return self._finding(instance, Status.FAIL, message, evidence, self.fix if fix == "" else fix)

    def unknown(self, instance: Instance, reason: str, **evidence: Any) -> Finding:
        """An UNKNOWN finding: the check could not be made, ``reason`` says why."""
        message = f"{CODE_TITLES.get(self.code, self.code)}: could not check ({reason})"
        return self._finding(instance, Status.UNKNOWN, message, {"reason": reason, **evidence}, None)

    def _finding(
        self, instance: Instance, status: Status, message: str, evidence: dict[str, Any], fix: str | None
    ) -> Finding:
        return Finding(
            code=self.code,
            instance_id=instance.instance_id,
            severity=self.severity,
            message=message,
            status=status,
            evidence=evidence,
            fix=fix,
        )


C = TypeVar("C", bound=type[Check])


class CheckRegistry:
    """Name -> check class. ``register(code)`` is a class decorator that also stamps ``code``."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Check]] = {}

    def register(self, code: str) -> Callable[[C], C]:
        if code not in CAUSAL_ORDER:
            raise ValueError(f"{code} is not a finding code in CAUSAL_ORDER")
        if code in self._classes:
            raise ValueError(f"check {code} registered twice")

        def decorate(klass: C) -> C:
            klass.code = code
            self._classes[code] = klass
            return klass

        return decorate

    def get(self, code: str) -> type[Check]:
        return self._classes[code]

    def names(self) -> tuple[str, ...]:
        """Registered codes in causal order."""
        return tuple(sorted(self._classes, key=CAUSAL_ORDER.index))

    def __iter__(self) -> Iterator[Check]:
        return (self._classes[code]() for code in self.names())

    def __len__(self) -> int:
        return len(self._classes)


CHECKS = CheckRegistry()


def unique(items: Iterable[str]) -> list[str]:
    """The items once each, in first-seen order."""
    return list(dict.fromkeys(items))


def verdicts_data(verdicts: list[ReachVerdict]) -> list[dict[str, Any]]:
    """Reachability verdicts as plain evidence data."""
    return [to_data(v) for v in verdicts]
