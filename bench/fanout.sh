#!/usr/bin/env bash
# for_each at scale (issue 20): validate, exec --dry-run and exec of a playbook whose one step fans out over
# N items (10, 100, 1,000, 10,000), each item a no-op `assert`. Per size: wall time and peak resident memory
# (GNU time's maximum RSS) of the whole process, the SQLite journal's bytes on disk and its event count, and
# the same figures per item, so linear growth (or worse) shows. Prints a markdown table.
#   bench/fanout.sh                       dist/runbook (built when missing)
#   RUNBOOK_BENCH_BIN="dotnet .build/cli/runbook.dll" bench/fanout.sh    the JIT build
#   FANOUT_SIZES="10 100" FANOUT_REPEAT=1 bench/fanout.sh                 fewer sizes or repetitions
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -z "${RUNBOOK_BENCH_BIN:-}" ]; then
  [ -x dist/runbook ] || ./build.sh publish >/dev/null
  RUNBOOK_BENCH_BIN=dist/runbook
fi
[ -x /usr/bin/time ] || { echo "GNU time is needed: sudo apt-get install time" >&2; exit 2; }
read -r -a bin <<<"$RUNBOOK_BENCH_BIN"
sizes=(${FANOUT_SIZES:-10 100 1000 10000})
repeat="${FANOUT_REPEAT:-3}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export NO_COLOR=1 RUNBOOK_USER=bench RUNBOOK_HOME="$work/home"

generate() { # N -> a playbook whose step `each` fans out over N literal items
  local n=$1 i
  {
    printf 'apiVersion: runbook/v1\nkind: Playbook\nname: fanout-%d\ndescription: One step over %d items.\nphases:\n  mitigate:\n' "$n" "$n"
    printf '    - id: each\n      mutates: true\n      uses: assert\n      with: { condition: "${{ item_index >= 0 }}" }\n      rollback: { uses: assert, with: { condition: "${{ item_index >= 0 }}" } }\n      for_each:\n'
    for ((i = 0; i < n; i++)); do printf '        - svc-%05d\n' "$i"; done
  } > "$work/fanout-$n.yaml"
}

# Runs the command REPEAT times (fresh journal each time); writes "SECONDS PEAK_KB" of the median run (by time)
# to $work/median. A failing command stops the script with its output.
measure() {
  local i
  : >"$work/times"
  for ((i = 0; i < repeat; i++)); do
    rm -f "$work"/journal.db*
    if ! /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1; then
      echo "failed: $*" >&2; tail -20 "$work/out" >&2; exit 1
    fi
    cat "$work/time" >>"$work/times"
  done
  sort -n "$work/times" | awk '{t[NR]=$1; m[NR]=$2} END {i=int((NR+1)/2); print t[i], m[i]}' >"$work/median"
}

echo "| items | validate | dry-run | exec | peak memory (validate / dry-run / exec) | journal (exec) | events | per item: exec time | per item: journal | per item: memory above 10 items |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
base_kb=""
for n in "${sizes[@]}"; do
  generate "$n"
  file="$work/fanout-$n.yaml"
  measure "${bin[@]}" validate "$file"; read -r v_s v_kb <"$work/median"
  measure "${bin[@]}" exec "$file" --journal "$work/journal.db" --dry-run; read -r d_s d_kb <"$work/median"
  measure "${bin[@]}" exec "$file" --journal "$work/journal.db"; read -r e_s e_kb <"$work/median"
  # The last exec's journal: the database file plus any write-ahead log left beside it.
  bytes=$(cat "$work"/journal.db* | wc -c)
  run_id=$("${bin[@]}" history --journal "$work/journal.db" --limit 1 | grep -oE '^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}' | head -1)
  events=$("${bin[@]}" show "$run_id" --journal "$work/journal.db" --format json | grep -c '"kind"' || true)
  [ -z "$base_kb" ] && base_kb=$e_kb
  awk -v n="$n" -v vs="$v_s" -v ds="$d_s" -v es="$e_s" -v vk="$v_kb" -v dk="$d_kb" -v ek="$e_kb" -v b="$bytes" -v ev="$events" -v base="$base_kb" 'BEGIN {
    per_mem = (n > 10) ? sprintf("%.2f KB", (ek - base) / (n - 10)) : "-";
    printf "| %d | %.2f s | %.2f s | %.2f s | %.0f / %.0f / %.0f MB | %.2f MB | %d | %.3f ms | %.0f B | %s |\n",
      n, vs, ds, es, vk / 1024, dk / 1024, ek / 1024, b / 1048576, ev, es * 1000 / n, b / n, per_mem }'
done
