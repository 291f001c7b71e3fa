"""The Pulumi driver: the ONLY module that imports ``pulumi.automation``.

One stack per account+region scope (``stack_name``), an inline program, a file backend under
``./.tcremedy/state`` by default, passphrase secrets, offline engine settings. It previews
(collecting each step's operation for the guardrails), updates with progress, reads back the
record of earlier fixes, and repairs what an interrupted run left behind: a lock whose process is
dead, pending operations in the checkpoint, an empty or truncated checkpoint file.

Crash safety of the record of fixes: ``up(..., staged_outputs=...)`` stages the outputs before the
update and ``outputs()`` merges what a killed run staged (``stack_files.StagedOutputs``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pulumi import automation as auto

from tcremedy.errors import EngineError
from tcremedy.remediate import stack_lock
from tcremedy.remediate.engine import Engine
from tcremedy.remediate.engine_messages import TRACEBACK_HEADER, exception_text, is_noise, step_line
from tcremedy.remediate.guardrails import StepOp
from tcremedy.remediate.stack_files import StagedOutputs, repair_checkpoint

PROJECT = "tcremedy-remediation"
DEFAULT_DIR = Path(".tcremedy")
PASSPHRASE_ENVS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")


def stack_name(endpoint_url: str, region: str, account_hint: str = "") -> str:
    """``emu-127-0-0-1-8080-ap-guangzhou`` for an endpoint, ``acct-<hash>-<region>`` for the cloud.

    ``account_hint`` (the SecretId) is only hashed: credentials never appear in names.
    """
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        scope = "emu-" if parts.hostname in ("127.0.0.1", "localhost", "::1") else "ep-"
        scope += re.sub(r"[^0-9A-Za-z]+", "-", parts.netloc).strip("-")
    else:
        scope = "acct-" + hashlib.sha256(account_hint.encode()).hexdigest()[:12]
    return f"{scope}-{region}"


@dataclass(frozen=True)
class StackSettings:
    """Where the stack lives and how the engine runs."""

    name: str
    backend_url: str
    home: Path  # PULUMI_HOME and the workspace dir live under here
    engine_env: dict[str, str] = field(
        default_factory=dict, repr=False
    )  # credentials, endpoint (never logged)


def default_backend_url(base: Path = DEFAULT_DIR) -> str:
    return (base / "state").resolve().as_uri()


@dataclass(frozen=True)
class Preview:
    ops: tuple[StepOp, ...]
    change_summary: dict[str, int]
    diagnostics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Update:
    result: str
    resource_changes: dict[str, int]
    outputs: dict[str, Any]


def _passphrase_env(home: Path) -> tuple[dict[str, str], str]:
    """Use the user's PULUMI_CONFIG_PASSPHRASE(_FILE); else a generated one in a 0600 file."""
    for var in PASSPHRASE_ENVS:
        if os.environ.get(var) is not None:
            return {var: os.environ[var]}, ""
    path = home / "passphrase"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
        note = (
            f"note: generated a passphrase for stack secrets in {path} "
            "(set PULUMI_CONFIG_PASSPHRASE to use your own)"
        )
        return {"PULUMI_CONFIG_PASSPHRASE_FILE": str(path.resolve())}, note
    return {"PULUMI_CONFIG_PASSPHRASE_FILE": str(path.resolve())}, ""


class Driver:
    """One stack of the remediation project."""

    def __init__(self, engine: Engine, settings: StackSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.notes: list[str] = []
        home = settings.home.resolve()
        env = engine.env(home / "pulumi-home")
        passphrase, note = _passphrase_env(home)
        if note:
            self.notes.append(note)
        env.update(passphrase)
        env["PULUMI_BACKEND_URL"] = settings.backend_url
        env.update(settings.engine_env)
        if settings.backend_url.startswith("file://"):
            Path(urlsplit(settings.backend_url).path).mkdir(parents=True, exist_ok=True)
        work = home / "work"
        work.mkdir(parents=True, exist_ok=True)
        self._opts = auto.LocalWorkspaceOptions(
            work_dir=str(work),
            env_vars=env,
            secrets_provider="passphrase",
            pulumi_command=auto.PulumiCommand(root=str(engine.root)),
            project_settings=auto.ProjectSettings(name=PROJECT, runtime="python"),
        )
        self._stack: auto.Stack | None = None
        self.staged = StagedOutputs(settings.home, settings.name, settings.backend_url)

    @property
    def stack(self) -> auto.Stack:
        if self._stack is None:
            try:
                self._stack = auto.create_or_select_stack(
                    self.settings.name, project_name=PROJECT, program=lambda: None, opts=self._opts
                )
            except auto.CommandError as exc:
                raise EngineError(f"could not open stack {self.settings.name}: {_tail(exc)}") from None
        return self._stack

    # ------------------------------------------------------------ crash recovery

    def recover(self) -> list[str]:
        """Clear a stale lock (its process is dead) and pending operations; say what was done."""
        done = repair_checkpoint(self.settings.backend_url, PROJECT, self.settings.name)
        done += self._clear_stale_locks()
        try:
            deployment = self.stack.export_stack()
            pending = (deployment.deployment or {}).get("pending_operations") or []
            if pending:
                deployment.deployment["pending_operations"] = []
                self.stack.import_stack(deployment)
        except auto.CommandError as exc:
            raise EngineError(
                f"could not repair the state of stack {self.settings.name}: {_tail(exc)}"
            ) from None
        if pending:
            kinds = ", ".join(
                sorted(
                    {
                        f"{p.get('type')} {p.get('resource', {}).get('urn', '').rsplit('::', 1)[-1]}"
                        for p in pending
                    }
                )
            )
            done.append(
                f"cleared {len(pending)} pending operation(s) left by an interrupted run ({kinds}); "
                "the fixes look at the cloud first, so re-running them makes no duplicates"
            )
        return done

    def _lock_files(self) -> list[Path]:
        return stack_lock.lock_files(self.settings.backend_url, PROJECT, self.settings.name)

    def _clear_stale_locks(self) -> list[str]:
        found = stack_lock.locks(self.settings.backend_url, PROJECT, self.settings.name)
        if not found:
            return []
        for lock in found:
            if lock.readable and (not lock.here or lock.live):
                raise EngineError(stack_lock.busy_message(self.settings.name, lock))
        self.stack.cancel()  # the DIY backend's cancel deletes the stack's lock files
        return [f"removed a stale lock of stack {self.settings.name} (its process is gone)"]

    # ------------------------------------------------------------ preview, update, outputs

    def set_config(self, config: Mapping[str, Any]) -> None:
        """Stack configuration (``ConfigEntry``-like: ``value``, ``secret``); an empty value is removed.

        Secret values are encrypted with the stack's passphrase; nothing is printed.
        """
        keep = {k: auto.ConfigValue(v.value, secret=v.secret) for k, v in config.items() if v.value}
        try:
            if keep:
                self.stack.set_all_config(keep)
            for key in sorted(k for k, v in config.items() if not v.value):
                with contextlib.suppress(auto.CommandError):
                    self.stack.remove_config(key)
        except auto.CommandError as exc:
            raise EngineError(f"could not configure stack {self.settings.name}: {_tail(exc)}") from None

    def resource_inputs(self) -> dict[str, dict[str, Any]]:
        """The recorded inputs of each resource the stack holds, by name (the last element of its URN)."""
        try:
            deployment = self.stack.export_stack()
        except auto.CommandError as exc:
            raise EngineError(
                f"could not read the state of stack {self.settings.name}: {_tail(exc)}"
            ) from None
        return {
            str(r.get("urn", "")).rsplit("::", 1)[-1]: dict(r.get("inputs") or {})
            for r in (deployment.deployment or {}).get("resources") or []
        }

    def forget_inputs(self, name: str, keys: tuple[str, ...]) -> bool:
        """Drop ``keys`` from the recorded inputs and outputs of resource ``name``, so the next diff
        sees them as new (a one-shot input, such as a password to set again). True if found."""
        try:
            deployment = self.stack.export_stack()
            found = False
            for res in (deployment.deployment or {}).get("resources") or []:
                if str(res.get("urn", "")).endswith(f"::{name}"):
                    for part in ("inputs", "outputs"):
                        for key in keys:
                            found = (res.get(part) or {}).pop(key, None) is not None or found
            if found:
                self.stack.import_stack(deployment)
        except auto.CommandError as exc:
            raise EngineError(
                f"could not update the state of stack {self.settings.name}: {_tail(exc)}"
            ) from None
        return found

    def outputs(self) -> dict[str, Any]:
        """The stack's outputs, merged with the outputs a killed update had staged (see above)."""
        try:
            outs = {k: v.value for k, v in self.stack.outputs().items()}
        except auto.CommandError as exc:
            raise EngineError(
                f"could not read the outputs of stack {self.settings.name}: {_tail(exc)}"
            ) from None
        outs = self.staged.merged_into(outs)
        self.notes.extend(self.staged.notes)
        return outs

    def preview(self, program: Callable[[], None]) -> Preview:
        ops: list[StepOp] = []
        diags = _Diagnostics()

        def on_event(event: auto.EngineEvent) -> None:
            if event.resource_pre_event is not None:
                meta = event.resource_pre_event.metadata
                op = getattr(meta.op, "value", meta.op)
                ops.append(StepOp(op=str(op), urn=meta.urn, type=meta.type, keys=tuple(meta.keys or ())))
            diags.see(event)

        try:
            result = self.stack.preview(program=program, on_event=on_event, color="never")
        except auto.CommandError as exc:
            raise EngineError(_failure("preview", exc, diags, self._lock_files())) from None
        return Preview(
            tuple(ops), {str(k): int(v) for k, v in (result.change_summary or {}).items()}, tuple(diags.lines)
        )

    def up(
        self,
        program: Callable[[], None],
        progress: Callable[[str, str, str], None] | None = None,
        *,
        staged_outputs: Mapping[str, Sequence[Any]] | None = None,
    ) -> Update:
        """Run the update; ``progress(op, name, type)`` is called as each resource finishes.

        ``staged_outputs``: list-valued outputs the program will export, kept on disk until the
        update succeeds (items with the same ``key`` field replace the older one when merged).
        """
        diags = _Diagnostics()
        if staged_outputs:
            self.staged.write(staged_outputs)

        def on_event(event: auto.EngineEvent) -> None:
            if event.res_outputs_event is not None and progress is not None:
                meta = event.res_outputs_event.metadata
                op = str(getattr(meta.op, "value", meta.op))
                if op != "same" and not meta.type.startswith(("pulumi:pulumi:Stack", "pulumi:providers:")):
                    progress(op, meta.urn.rsplit("::", 1)[-1], meta.type)
            diags.see(event)

        try:
            result = self.stack.up(program=program, on_event=on_event, color="never")
        except auto.CommandError as exc:
            raise EngineError(_failure("update", exc, diags, self._lock_files())) from None
        self.staged.clear()
        return Update(
            result.summary.result,
            {str(k): int(v) for k, v in (result.summary.resource_changes or {}).items()},
            {k: v.value for k, v in result.outputs.items()},
        )


class _Diagnostics:
    """Error diagnostics as one line per failed step: ``<op> <resource>: <why>`` (no traceback)."""

    def __init__(self) -> None:
        self.ops: dict[str, str] = {}  # urn -> the step's operation, from its pre-event
        self.lines: list[str] = []

    def see(self, event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            self.ops[meta.urn] = str(getattr(meta.op, "value", meta.op))
        diag = event.diagnostic_event
        if diag is None or diag.severity != "error":
            return
        if TRACEBACK_HEADER not in diag.message and is_noise(diag.message):
            return
        urn = diag.urn or ""
        name = urn.rsplit("::", 1)[-1]
        if "::pulumi:pulumi:Stack::" in urn:
            name = "the remediation program"
        line = step_line(self.ops.get(urn, ""), name, diag.message)
        if line not in self.lines:
            self.lines.append(line)


def _failure(what: str, exc: auto.CommandError, diags: _Diagnostics, locks: Sequence[Path] = ()) -> str:
    if "currently locked" in str(exc) and locks:  # the engine's own text says `pulumi cancel`
        return (
            "the stack is being changed by another tcremedy run; wait for it to finish. If that run "
            f"is dead, release its lock with `{stack_lock.UNLOCK_HINT}` (lock: "
            + ", ".join(str(p) for p in locks)
            + ")"
        )
    useful = diags.lines or [exception_text(_tail(exc))]
    return f"the Pulumi {what} failed:\n  " + "\n  ".join(useful)


def _tail(exc: Exception, lines: int = 6) -> str:
    text = str(getattr(exc, "stderr", "") or exc).strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:] if line.strip())
