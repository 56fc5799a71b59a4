#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: staticcheck and
# actionlint (Go module proxy), Chromium and jq (Debian) for the HTML report test and SARIF checks,
# and the SARIF multitool (npm) for SARIF validation. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(go env GOPATH)/bin"

[ -x "$tools/staticcheck" ] || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
[ -x "$tools/actionlint" ] || go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "install-test-deps: missing ${missing[*]}; install them (Debian: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

sarif_dir=".tools/sarif-multitool"
if [ ! -x "$sarif_dir/bin/sarif" ]; then
  mkdir -p "$sarif_dir"
  npm install --silent --no-audit --no-fund --prefix "$sarif_dir" @microsoft/sarif-multitool@5.7.0 >/dev/null
  mkdir -p "$sarif_dir/bin"
  # npm may skip the package's postinstall step, leaving the platform
  # binary without its run bit.
  find "$sarif_dir/node_modules/@microsoft" -name 'Sarif.Multitool' -type f -exec chmod +x {} +
  bin=$(find "$sarif_dir/node_modules/@microsoft" -name 'Sarif.Multitool' -type f | head -1)
  ln -sf "$(cd "$(dirname "$bin")" && pwd)/Sarif.Multitool" "$sarif_dir/bin/sarif"
fi
