"""What `tcremedy plan` and `tcremedy check` share (their options live in ``commands.options``):
the pipeline policy -> live state (cloud or file) -> diagnosis -> proposed fixes -> report.

The pipeline itself (``PipelineOptions``, ``run_pipeline``, ``collect_live``) is the use case
``tcremedy.usecase.pipeline``; this module reports its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from tcremedy.errors import TcremedyError
from tcremedy.report.document import dumps
from tcremedy.report.markdown import markdown_summary, write_markdown
from tcremedy.report.sarif import sarif_document
from tcremedy.report.views import HumanView, JsonView, write_report_file
from tcremedy.usecase.pipeline import (  # noqa: F401  (the use case; re-exported for the commands)
    PipelineOptions,
    PipelineResult,
    collect_live,
    run_pipeline,
)


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def emit(
    result: PipelineResult,
    view: HumanView | JsonView,
    sarif: Path | None,
    markdown: Path | None = None,
    command: str = "plan",
) -> None:
    """Report on stdout, the SARIF file and the Markdown summary, shared by plan and check."""
    shown = _display_path(result.policy_path)
    several = result.policies is not None and len(result.policies.policies) > 1
    files = result.policies.paths if several and result.policies else ()
    judged = result.policies.policies if several and result.policies else ()
    policies = [(p.name, _display_path(f)) for p, f in zip(judged, files, strict=True)]
    view.report(
        result.fleet,
        result.fixes,
        policy_path=shown,
        endpoint=result.state.endpoint,
        collected_at=result.state.collected_at,
        policies=policies,
    )
    if sarif is not None:
        sources = {name: (path, Path(path).read_text(encoding="utf-8")) for name, path in policies}
        text = result.policy_bytes.decode("utf-8") if not several else ""
        document = sarif_document(result.fleet, shown, policy_text=text, sources=sources or None)
        write_report_file(sarif, dumps(document), "SARIF file")
    if markdown is not None:
        text = markdown_summary(
            result.fleet,
            result.fixes,
            command=command,
            policy_path=shown,
            endpoint=result.state.endpoint,
            collected_at=result.state.collected_at,
        )
        for place in write_markdown(markdown, text):
            view.note(f"Markdown summary written to {place}")


def report(params: Mapping[str, Any], view: HumanView | JsonView, command: str = "plan") -> PipelineResult:
    """Run the pipeline for a command's shared options and report (stdout, ``--sarif``, ``--markdown``)."""
    result = run_pipeline(PipelineOptions.from_params(params))
    emit(result, view, params["sarif"], params.get("markdown"), command)
    return result


def fail(view: HumanView | JsonView, exc: TcremedyError) -> typer.Exit:
    """Show the error in the command's view; the exit to raise."""
    view.error(exc)
    return typer.Exit(code=exc.exit_code)
