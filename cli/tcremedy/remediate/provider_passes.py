"""What the provider path does around its engine run, where pulumi-tencentcloud needs more than one
declaration to get the SDK path's outcome.

* a rule identical to a security-group fix's (another description) sits under a DROP: the provider
  creates rules at index 0 and the API refuses a duplicate (``UnsupportedOperation.DuplicatePolicy``),
  so the first pass adopts the rule (``import_``) and a second pass replaces it (delete, then insert
  at the top keeping its description) -- the SDK path deletes and re-inserts in one step;
* a password reset needed again (the finding seen open again) must send the same password again:
  the recorded password is forgotten, so the provider's diff sees it as new;
* the provider's password reset leaves the instance stopped: a pass more, whose diff (Read saw it
  stopped, ``running_flag`` is declared true) starts it -- the SDK path starts it in the same step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tcremedy.errors import GuardrailViolation
from tcremedy.remediate.guardrails import violations
from tcremedy.remediate.planner import FixResource


def more_passes(
    driver: Any,
    program: Callable[[], Callable[[], None]],
    backend: Any,
    api: Any,
    done: Sequence[FixResource],
    ui: Any,
    progress: Callable[[str, str, str], None] | None,
) -> Any:
    """The provider path's passes after the first; the last update, or None when none ran."""
    from tcremedy.remediate.effects import stopped_after_reset

    update = None
    if getattr(backend, "adopting", None):
        update = move_adopted_rules(driver, program, ui, progress)
    stopped = stopped_after_reset(api, done)
    if stopped:
        ui.say(
            f"Starting {', '.join(stopped)} again after the password reset (the provider leaves it stopped)"
        )
        update = _pass(driver, program(), progress)
    return update


def _pass(driver: Any, prog: Callable[[], None], progress: Callable[[str, str, str], None] | None) -> Any:
    refused = violations(driver.preview(prog).ops)
    if refused:
        raise GuardrailViolation("refusing the next pass; the preview wants to:\n  " + "\n  ".join(refused))
    return driver.up(prog, progress)


def move_adopted_rules(
    driver: Any,
    program: Callable[[], Callable[[], None]],
    ui: Any,
    progress: Callable[[str, str, str], None] | None,
) -> Any:
    """The second pass: ``program()`` builds the program again from the stack as it is now."""
    prog = program()
    preview = driver.preview(prog)
    refused = violations(preview.ops)
    if refused:
        raise GuardrailViolation("refusing the second pass; the preview wants to:\n  " + "\n  ".join(refused))
    moved = dict.fromkeys(o.name for o in preview.ops if o.op in ("replace", "create-replacement"))
    ui.say(f"Moving adopted rule(s) above the DROP: {', '.join(moved) or 'none'}")
    return driver.up(prog, progress)


def reset_again(previous: Sequence[FixResource], resources: Sequence[FixResource]) -> list[FixResource]:
    """Password fixes whose trigger changed since the last run (the reset failed or came back)."""
    before = {r.key: r.params.get("trigger") for r in previous if r.kind == "password"}
    return [
        r
        for r in resources
        if r.kind == "password" and r.key in before and before[r.key] != r.params.get("trigger")
    ]
