#!/usr/bin/env bash
# Runs every benchmark and prints the figures recorded in bench/README.md.
#   bench/run.sh        BenchmarkDotNet (short job) for the language, executor and journals, then cold starts
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"; chmod 777 "$work"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort | tail -1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { [ -n "$pg_bin" ] && [ -d "$work/data" ] && as_pg "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
if [ -n "$pg_bin" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg "$pg_bin/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$work/data" -l "$work/log" -w -o "-p $port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
  export RUNBOOK_BENCH_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
fi
dotnet run -c Release --project bench/Runbook.Bench -- --filter '*' --job short --exporters markdown "$@"
bench/cold-start.sh
