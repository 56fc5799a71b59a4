#!/usr/bin/env bash
# The scan step of action.yml: writes SARIF to $INPUT_SARIF_FILE, the
# Markdown report to $GITHUB_STEP_SUMMARY, and exits with ospo-scan's exit
# code for $INPUT_FAIL_ON. Kept as a script so the tests run exactly what
# the action runs.
set -uo pipefail

bin="${OSPO_SCAN:-ospo-scan}"
target="${INPUT_TARGET:-.}"
command="${INPUT_COMMAND:-}"
fail_on="${INPUT_FAIL_ON:-error}"
sarif="${INPUT_SARIF_FILE:-ospo-scan.sarif}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"

if [ -z "$command" ]; then
  if [ -d "$target" ]; then
    command=check
  elif [[ "$target" == */* && "$target" != gitlab.* ]]; then
    command=repo
  else
    command=org
  fi
fi
case "$command" in
  check|repo|org) ;;
  *) echo "::error::ospo-scan: input command must be check, repo or org, not '$command'"; exit 2 ;;
esac

args=(--no-progress)
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")

# SARIF first, never failing on findings: code scanning needs the file
# even (especially) when there are findings.
"$bin" "$command" "$target" "${args[@]}" -f sarif -o "$sarif" --fail-on never
rc=$?
if [ "$rc" -eq 2 ]; then
  exit 2
fi

# The Markdown report for the job summary decides the exit code.
"$bin" "$command" "$target" "${args[@]}" -f markdown --fail-on "$fail_on" >> "$summary"
rc=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "sarif-file=$sarif"
    echo "exit-code=$rc"
  } >> "$GITHUB_OUTPUT"
fi
exit "$rc"
