#!/usr/bin/env bash
# The two steps of reviewing Kiln plans in pull requests, for any CI system:
#
#   kiln-ci.sh plan DIR OUT    plan DIR without taking the state lock, save the plan to
#                              OUT/plan.kplan and render it: OUT/plan.txt (terminal),
#                              OUT/plan.md (the PR comment), OUT/plan.json (Terraform's
#                              JSON plan format, for policy checks such as checkov).
#                              Exits 0 whether or not there are changes, 1 on errors;
#                              writes changes=true|false to $GITHUB_OUTPUT when set.
#   kiln-ci.sh apply FILE      apply exactly the reviewed plan. Kiln refuses it if the
#                              state moved, the configuration changed or it was applied.
#
# Sensitive variables come from KILN_VAR_<name> in both steps: a plan file never holds
# them, only digests that apply checks the values against.
set -euo pipefail

kiln="${KILN:-kiln}"

case "${1:-}" in
  plan)
    dir="${2:?usage: kiln-ci.sh plan DIR OUT}"
    out="${3:?usage: kiln-ci.sh plan DIR OUT}"
    mkdir -p "$out"
    set +e
    "$kiln" plan "$dir" --out "$out/plan.kplan" --lock=false --detailed-exitcode --no-color \
      >"$out/plan.txt"
    code=$?
    set -e
    cat "$out/plan.txt"
    if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
      exit 1
    fi
    "$kiln" show --format markdown "$out/plan.kplan" >"$out/plan.md"
    "$kiln" show --json "$out/plan.kplan" >"$out/plan.json"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
      if [ "$code" -eq 2 ]; then echo "changes=true"; else echo "changes=false"; fi >>"$GITHUB_OUTPUT"
    fi
    ;;
  apply)
    file="${2:?usage: kiln-ci.sh apply FILE}"
    "$kiln" apply "$file" --no-color
    ;;
  *)
    echo "usage: kiln-ci.sh plan DIR OUT | kiln-ci.sh apply FILE" >&2
    exit 2
    ;;
esac
