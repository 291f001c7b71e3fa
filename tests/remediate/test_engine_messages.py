"""Engine diagnostics become one line: the exception at the end of a provider's traceback."""

from __future__ import annotations

from tcremedy.remediate.engine_messages import exception_text, step_line

PROVIDER_TRACEBACK = """Traceback (most recent call last):
  File "/venv/site-packages/pulumi/dynamic/__main__.py", line 170, in Create
    result = provider.create(props)
             ^^^^^^^^^^^^^^^^^^^^^^
  File "/repo/cli/tcremedy/remediate/sdk_common.py", line 57, in call
    raise FixError(f"{action} failed: {exc.code}: {exc.message}") from None
tcremedy.remediate.sdk_common.FixError: CreateSecurityGroupPolicies failed: LimitExceeded: too many rules
"""


def test_tcremedys_own_errors_keep_only_their_message():
    assert (
        exception_text(PROVIDER_TRACEBACK)
        == "CreateSecurityGroupPolicies failed: LimitExceeded: too many rules"
    )
    line = step_line("create", "sg-rule-x", PROVIDER_TRACEBACK)
    assert line == "create sg-rule-x: CreateSecurityGroupPolicies failed: LimitExceeded: too many rules"


def test_other_exceptions_keep_their_short_type_and_multi_line_messages_join():
    text = "Program failed:\n" + PROVIDER_TRACEBACK.rsplit("\n", 2)[0] + "\nKeyError: 'SecurityGroupId'\n"
    assert exception_text(text) == "KeyError: 'SecurityGroupId'"
    last = PROVIDER_TRACEBACK.strip().splitlines()[-1]
    chained = PROVIDER_TRACEBACK.replace(last, "ValueError: first line\nsecond line")
    assert exception_text(chained) == "ValueError: first line second line"
    assert exception_text("plain\n  engine   text") == "plain engine text"
