#!/usr/bin/env bash
# Validates SARIF files with the official SARIF multitool: zero errors and
# zero warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=".tools/sarif-multitool/bin/sarif"
[ -x "$tool" ] || scripts/install-test-deps.sh
status=0
for f in "$@"; do
  out="${f%.sarif}.validation.sarif"
  "$tool" validate "$f" --output "$out" --log ForceOverwrite >/dev/null 2>&1 || true
  if [ ! -s "$out" ]; then
    echo "sarif-validate: the multitool produced no result for $f" >&2
    status=1
    continue
  fi
  # A result without a level is a warning (SARIF's default level).
  errors=$(jq '[.runs[].results[]? | select(.level == "error")] | length' "$out")
  warnings=$(jq '[.runs[].results[]? | select((.level // "warning") == "warning")] | length' "$out")
  echo "sarif-validate: $f: $errors errors, $warnings warnings"
  if [ "$errors" != 0 ]; then
    jq -r '.runs[].results[]? | select(.level == "error") | "  \(.ruleId) \(.message.id): \(.message.arguments // [] | join(" | "))"' "$out" >&2
    status=1
  fi
  if [ "$warnings" != 0 ]; then
    status=1
    jq -r '.runs[].results[]? | select((.level // "warning") == "warning") | "  warning \(.ruleId) \(.message.id): \(.message.arguments // [] | join(" | "))"' "$out"
  fi
done
exit $status
