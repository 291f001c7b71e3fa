#!/usr/bin/env bash
# The tcremedy demo: a broken 14-instance Windows fleet in the local emulator (scenario demo-fleet),
# diagnosed, repaired through Pulumi, diagnosed again and shown compliant. Run from the repository root (`make demo`). Needs the engine (`make engine`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TCREMEDY="${TCREMEDY:-$ROOT/.venv/bin/tcremedy}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tcremedy-demo.XXXXXX")"
EMULATOR_PID=""

cleanup() {
  if [[ -n "$EMULATOR_PID" ]] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Starting the local Tencent Cloud emulator (scenario: demo-fleet, 14 instances)"
mkfifo "$WORK/emulator.out"
"$TCREMEDY" emulator serve --scenario demo-fleet --fleet-size 14 --port 0 --state "$WORK/world.json" \
  >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
EMULATOR_PID=$!
exec 3<"$WORK/emulator.out"
if ! read -r -t 30 ENDPOINT <&3; then
  echo "the emulator did not start:" >&2; cat "$WORK/emulator.err" >&2; exit 1
fi
cat <&3 >/dev/null &   # keep draining its stdout
echo "endpoint: $ENDPOINT"

# Everything tcremedy keeps (Pulumi state, passphrase, engine home) goes to the temp dir.
export PULUMI_CONFIG_PASSPHRASE="tcremedy-demo"
cd "$WORK"

step "tcremedy plan: why can't the admins RDP in?"
"$TCREMEDY" plan --endpoint "$ENDPOINT" --quiet || true
"$TCREMEDY" plan --endpoint "$ENDPOINT" --json --quiet >"$WORK/before.json" || true

step "tcremedy apply --yes --verify-connect: repair as code through Pulumi (preview, guardrails, update, re-plan, RDP handshake)"
apply_rc=0
"$TCREMEDY" apply --yes --verify-connect --connect-timeout 2 --endpoint "$ENDPOINT" --quiet || apply_rc=$?

step "tcremedy plan --detailed-exitcode: what is left"
plan_rc=0
"$TCREMEDY" plan --endpoint "$ENDPOINT" --detailed-exitcode --quiet || plan_rc=$?
case "$plan_rc" in
  0) echo "demo: every instance is compliant." ;;
  2) echo "demo: what is left needs a human (listed above with what to do); everything fixable as code is fixed." ;;
  *) echo "demo: plan failed (exit $plan_rc)" >&2; exit "$plan_rc" ;;
esac
if [[ "$apply_rc" -ne 0 ]]; then
  echo "demo: apply exited $apply_rc (a fixed finding is still open)" >&2; exit "$apply_rc"
fi

step "tcremedy verify --detailed-exitcode: can the admins connect now? (an RDP handshake to each instance)"
verify_rc=0
"$TCREMEDY" verify --endpoint "$ENDPOINT" --timeout 2 --detailed-exitcode --quiet || verify_rc=$?
case "$verify_rc" in
  0) echo "demo: every instance answers the RDP handshake." ;;
  *) echo "demo: verify exited $verify_rc (an instance does not answer over RDP)" >&2; exit "$verify_rc" ;;
esac

step "The emulator's own judge: does an admin address connect to each repaired instance, and an outsider not?"
oracle_rc=0
"$(dirname "$TCREMEDY")/python" "$ROOT/scripts/oracle_check.py" "$ENDPOINT" "$WORK/before.json" || oracle_rc=$?
if [[ "$oracle_rc" -ne 0 ]]; then
  echo "demo: the emulator's judge disagrees (see above)" >&2; exit "$oracle_rc"
fi
echo "demo: the judge admits every admin range and refuses outsiders on every repaired instance."
