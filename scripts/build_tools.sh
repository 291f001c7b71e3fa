#!/usr/bin/env bash
# Builds the linters the docs tests run, from Go modules, into a cache outside the repository (as
# engine/build.sh does for the engine; binaries are never committed):
#   actionlint (github.com/rhysd/actionlint) checks docs/examples/github-actions-shards.yml.
#   scripts/build_tools.sh               build what is missing, one line per tool
#   scripts/build_tools.sh --print-dir   print the directory holding the binaries
# A failed build is reported and does not fail the caller: tests/cli/test_shards.py then skips the
# actionlint check, naming this script and its log.
set -uo pipefail

ACTIONLINT_VERSION="v1.7.12"
DIR="${TCREMEDY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcremedy/tools}"

if [[ "${1:-}" == "--print-dir" ]]; then echo "$DIR"; exit 0; fi

mkdir -p "$DIR"
if [[ -x "$DIR/actionlint" && "$("$DIR/actionlint" -version 2>/dev/null | head -1)" == "$ACTIONLINT_VERSION" ]]; then
  echo "tools: actionlint $ACTIONLINT_VERSION already built ($DIR/actionlint)"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "tools: actionlint not built: the go command is required" | tee "$DIR/actionlint.log"
  exit 0
fi
echo "tools: building actionlint $ACTIONLINT_VERSION from github.com/rhysd/actionlint"
if CGO_ENABLED=0 GOBIN="$DIR" GOFLAGS="${GOFLAGS:-} -mod=mod" \
   go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >"$DIR/actionlint.log" 2>&1; then
  echo "tools: actionlint $ACTIONLINT_VERSION built ($DIR/actionlint)"
else
  echo "tools: actionlint not built (see $DIR/actionlint.log)"
fi
exit 0
