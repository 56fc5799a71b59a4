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

# finish records the outputs and exits with code $1. Every exit goes
# through it, so a later step can read exit-code even after a usage error.
finish() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
      echo "sarif-file=$sarif"
      echo "exit-code=$1"
    } >> "$GITHUB_OUTPUT"
  fi
  exit "$1"
}

# A directory is a checkout. Otherwise OWNER/NAME (after an optional host
# such as github.com/) is one repository and OWNER alone an organisation;
# on a gitlab.* host every path is taken as a group, since groups nest (set
# command: repo for a single project).
if [ -z "$command" ]; then
  path="$target"
  if [[ "${target%%/*}" == *.* && "$target" == */* ]]; then
    path="${target#*/}"
  fi
  if [ -d "$target" ]; then
    command=check
  elif [[ "$target" == gitlab.* ]]; then
    command=org
  elif [[ "$path" == */* ]]; then
    command=repo
  else
    command=org
  fi
fi
case "$command" in
  check|repo|org) ;;
  *) echo "::error::ospo-scan: input command must be check, repo or org, not '$command'"; finish 2 ;;
esac

args=(--no-progress)
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")

# SARIF first, never failing on findings: code scanning needs the file
# even (especially) when there are findings.
"$bin" "$command" "$target" "${args[@]}" -f sarif -o "$sarif" --fail-on never
rc=$?
if [ "$rc" -eq 2 ]; then
  finish 2
fi

# The Markdown report for the job summary decides the exit code.
"$bin" "$command" "$target" "${args[@]}" -f markdown --fail-on "$fail_on" >> "$summary"
finish $?
