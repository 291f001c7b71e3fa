#!/usr/bin/env bash
# Builds the Pulumi engine binaries from Go module sources into a cache outside the repository.
#   engine/build.sh            build what is missing, print one line per binary
#   engine/build.sh --print-root   print the engine root (the directory holding bin/)
# Each binary is rebuilt only when its stamp (pinned version) differs.
set -euo pipefail

PULUMI_VERSION="v3.274.1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_BASE="${TCREMEDY_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcremedy/engine}"
ROOT="$CACHE_BASE/$PULUMI_VERSION"
BIN="$ROOT/bin"

if [[ "${1:-}" == "--print-root" ]]; then echo "$ROOT"; exit 0; fi

command -v go >/dev/null || { echo "engine: the go command is required (Go >= 1.26)" >&2; exit 1; }
mkdir -p "$BIN"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod"

stamp_ok() { [[ -x "$BIN/$1" && -f "$BIN/.$1.stamp" && "$(cat "$BIN/.$1.stamp")" == "$2" ]]; }

build_pulumi() {
  local stamp="pulumi $PULUMI_VERSION"
  if stamp_ok pulumi "$stamp"; then echo "engine: pulumi $PULUMI_VERSION already built ($BIN/pulumi)"; return; fi
  echo "engine: building pulumi $PULUMI_VERSION from github.com/pulumi/pulumi/pkg/v3 (cold: ~10-20 min on 2 cores)"
  local t0=$SECONDS
  (cd "$HERE/pulumi" && go build -trimpath -tags osusergo,grpcnotrace \
     -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
     -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  echo "$stamp" > "$BIN/.pulumi.stamp"
  echo "engine: pulumi $PULUMI_VERSION built in $((SECONDS - t0))s"
}

# Helper scripts shipped inside the sdk/v3 module zip: the dynamic-provider plugin runs
# `python -m pulumi.dynamic`, and the language-python executor for local programs.
install_sdk_scripts() {
  local sdk_dir
  sdk_dir="$(cd "$HERE/pulumi" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  for f in python/dist/pulumi-resource-pulumi-python python/cmd/pulumi-language-python-exec; do
    install -m 0755 "$sdk_dir/$f" "$BIN/$(basename "$f")"
  done
  echo "engine: pulumi-resource-pulumi-python and pulumi-language-python-exec installed from sdk/v3 $PULUMI_VERSION"
}

# The Tencent Cloud provider plugin, in its own wrapper module (engine/tencentcloud). Optional:
# when the module proxy does not serve it, say why and go on (tcremedy then uses its sdk-dynamic path).
TENCENTCLOUD_VERSION="0.2.3"
build_tencentcloud() {
  local stamp="tencentcloud $TENCENTCLOUD_VERSION" bin=pulumi-resource-tencentcloud log
  if stamp_ok "$bin" "$stamp"; then echo "engine: $bin $TENCENTCLOUD_VERSION already built"; return; fi
  echo "engine: building $bin $TENCENTCLOUD_VERSION from github.com/tencentcloudstack/pulumi-tencentcloud/provider"
  local pkg=github.com/tencentcloudstack/pulumi-tencentcloud/provider
  log="$(mktemp)"
  if (cd "$HERE/tencentcloud" && go build -trimpath \
        -ldflags "-s -w -X $pkg/pkg/version.Version=$TENCENTCLOUD_VERSION" \
        -o "$BIN/$bin.tmp" "$pkg/cmd/$bin") >"$log" 2>&1; then
    mv "$BIN/$bin.tmp" "$BIN/$bin"
    echo "$stamp" > "$BIN/.$bin.stamp"
    echo "engine: $bin $TENCENTCLOUD_VERSION built"
  else
    echo "engine: $bin NOT built (apply will use its sdk-dynamic path): $(grep -m1 -E 'Forbidden|error|not available' "$log" || tail -1 "$log")"
  fi
  rm -f "$log" "$BIN/$bin.tmp"
}

build_pulumi
install_sdk_scripts
build_tencentcloud
"$BIN/pulumi" version
