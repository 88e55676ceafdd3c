#!/usr/bin/env bash
# Cold start and whole-command timings of the runbook binary (hyperfine when installed, else a loop).
#   bench/cold-start.sh            uses dist/runbook (builds it when missing) and the JIT build for comparison
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -x dist/runbook ] || ./build.sh publish >/dev/null
./runbook providers >/dev/null            # builds .build/cli (the JIT build) when needed
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

cat > "$work/one-step.yaml" <<'YAML'
apiVersion: runbook/v1
kind: Playbook
name: one-step
phases:
  assess:
    - id: hello
      run: "true"
      mutates: false
YAML
{
  printf 'apiVersion: runbook/v1\nkind: Playbook\nname: hundred-waits\nphases:\n  gather:\n    parallel: true\n    steps:\n'
  for i in $(seq 1 100); do printf '      - { id: w%d, uses: wait.sleep, with: { duration: 1s } }\n' "$i"; done
} > "$work/hundred-waits.yaml"

median() { # command... -> median milliseconds over N runs
  local n=$1; shift
  for _ in $(seq "$n"); do
    local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    echo $(( (e - s) / 1000 ))
  done | sort -n | awk '{a[NR]=$1} END {printf "%.1f ms (median of %d)\n", a[int((NR+1)/2)]/1000, NR}'
}

echo "cold start, runbook validate playbooks/high-error-rate.yaml:"
echo "  native: $(median 50 dist/runbook validate playbooks/high-error-rate.yaml)"
echo "  jit:    $(median 20 dotnet .build/cli/runbook.dll validate playbooks/high-error-rate.yaml)"
echo "cold start, runbook exec of a one-step playbook (SQLite journal in a temp dir):"
echo "  native: $(median 30 dist/runbook exec "$work/one-step.yaml" --provider compose --journal "$work/j1.db")"
echo "  jit:    $(median 10 dotnet .build/cli/runbook.dll exec "$work/one-step.yaml" --provider compose --journal "$work/j2.db")"
echo "100 parallel one-second waits, --max-parallel 100:"
echo "  native: $(median 3 dist/runbook exec "$work/hundred-waits.yaml" --provider compose --journal "$work/j3.db" --max-parallel 100)"
