"""Run the console script's entry point (``tcremedy.main:run``) in-process, as a user would.

In-process so that hundreds of cases stay cheap; ``run`` is what maps errors to exit codes, so
nothing between the user and the code under test is skipped. Any exception other than the
``SystemExit`` it raises escapes: that is the traceback a user would see.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def invoke(*args: str, env: Mapping[str, str] | None = None) -> Run:
    from tcremedy.main import run

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_argv = dict(os.environ), sys.argv
    os.environ.update(env or {})
    sys.argv = ["tcremedy", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
    return Run(code, out.getvalue(), err.getvalue())
