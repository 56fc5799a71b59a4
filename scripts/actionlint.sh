#!/usr/bin/env bash
# Lints this repository's workflows and the example workflows in docs/ with
# actionlint. Workflows that use the action locally (`uses: ./`) make
# actionlint check action.yml's inputs too.
set -euo pipefail
cd "$(dirname "$0")/.."
lint="$(go env GOPATH)/bin/actionlint"
[ -x "$lint" ] || go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml docs/examples/github-workflow.yml)
"$lint" -shellcheck= -pyflakes= "${files[@]}"
echo "actionlint: ${#files[@]} workflows clean"
