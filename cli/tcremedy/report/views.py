"""Views of plan/check results, chosen before options are validated (terraform's rule), so that
``--json`` runs get their errors as JSON too. Data goes to stdout, diagnostics to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TextIO

from rich.console import Console

from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import TcremedyError
from tcremedy.remediate.fixes import FixStep as ProposedFix
from tcremedy.report.document import PLAN_FORMAT, dumps, error_document, plan_document
from tcremedy.report.human import ReportContext, render_plan


class View(Protocol):
    def error(self, exc: BaseException) -> None: ...

    def note(self, text: str) -> None: ...

    def report(
        self,
        fleet: FleetDiagnosis,
        fixes: Sequence[ProposedFix],
        *,
        policy_path: str,
        endpoint: str,
        collected_at: str,
        policies: Sequence[tuple[str, str]] = (),
    ) -> None: ...


class HumanView:
    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        quiet: bool = False,
        width: int | None = None,
        *,
        verbose: bool = False,
        show_compliant: bool = False,
    ) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.quiet = quiet
        self.width = width  # None: the terminal's width (80 columns when not a terminal)
        self.verbose = verbose  # every instance's full diagnosis, as in --json
        self.show_compliant = show_compliant

    def error(self, exc: BaseException) -> None:
        print(f"error: {exc}", file=self.stderr)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stderr)

    def report(
        self,
        fleet: FleetDiagnosis,
        fixes: Sequence[ProposedFix],
        *,
        policy_path: str,
        endpoint: str,
        collected_at: str,
        policies: Sequence[tuple[str, str]] = (),
    ) -> None:
        render_plan(
            Console(file=self.stdout, highlight=False, width=self.width),
            fleet,
            fixes,
            context=ReportContext(policy_path, endpoint, collected_at, tuple(policies)),
            verbose=self.verbose,
            show_compliant=self.show_compliant,
        )


class JsonView:
    """One JSON document on stdout: the plan report, or ``{"format", "error"}``."""

    def __init__(
        self, stdout: TextIO | None = None, stderr: TextIO | None = None, kind: str = PLAN_FORMAT
    ) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.kind = kind

    def error(self, exc: BaseException) -> None:
        self.stdout.write(dumps(error_document(exc, self.kind)))

    def note(self, text: str) -> None:
        pass  # stdout carries only the document

    def report(
        self,
        fleet: FleetDiagnosis,
        fixes: Sequence[ProposedFix],
        *,
        policy_path: str,
        endpoint: str,
        collected_at: str,
        policies: Sequence[tuple[str, str]] = (),
    ) -> None:
        doc = plan_document(
            fleet,
            fixes,
            policy_path=policy_path,
            endpoint=endpoint,
            collected_at=collected_at,
            policies=policies,
        )
        self.stdout.write(dumps(doc))


def make_view(
    json_output: bool, quiet: bool = False, *, verbose: bool = False, show_compliant: bool = False
) -> HumanView | JsonView:
    if json_output:
        return JsonView()
    return HumanView(quiet=quiet, verbose=verbose, show_compliant=show_compliant)


def write_report_file(path: Path | str, text: str, what: str) -> None:
    """Write a SARIF / JUnit / state file; an unwritable path is a user error, not a traceback."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TcremedyError(f"{path}: cannot write the {what}: {exc.strerror or exc}") from None
