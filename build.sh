#!/usr/bin/env bash
# The project's build entry point.
#   ./build.sh publish   NativeAOT: writes dist/runbook (one self-contained executable, zero trim/AOT warnings)
#   ./build.sh test      everything CI runs: build, format check, unit tests, the native binary, end-to-end CLI tests on both
#   ./build.sh test-library   the library run cases (tests/library) on both builds, after what test builds (not yet in CI)
#   ./build.sh pack      the .NET tool package (command: runbook) into dist/nuget
#   ./build.sh format    check formatting (dotnet format --verify-no-changes)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

publish() {
  # SQLite is linked into the binary from Debian's libsqlite3.a, so dist/runbook is the only file.
  if [ ! -f /usr/lib/x86_64-linux-gnu/libsqlite3.a ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null
  fi
  # -warnaserror: a trim or AOT warning (IL2xxx/IL3xxx) fails the build.
  dotnet publish engine/Runbook.Cli/Runbook.Cli.csproj -c Release -r linux-x64 -o dist -nologo -warnaserror -p:DebugType=none
  rm -f dist/*.dbg dist/*.pdb
  if [ -f /usr/lib/x86_64-linux-gnu/libsqlite3.a ]; then rm -f dist/libe_sqlite3.so; fi
  echo "dist/runbook: $(du -h dist/runbook | cut -f1)"
}

run_tests() {
  dotnet build RunbookEngine.sln -c Release -nologo -warnaserror
  dotnet format RunbookEngine.sln --verify-no-changes --no-restore
  publish
  # One test run over the whole solution; the end-to-end tests run every case against the JIT build and against
  # dist/runbook. The library run cases are left to `test-library`: the JIT and native runs of one case still share
  # its backup folder and databases, so running them side by side is not yet reliable (tests/library/README.md).
  local status=0
  test_run "FullyQualifiedName!~Library.LibraryCaseTests" "$root/.build/test.log" || status=1
  summarize "$root/.build/test.log"
  return "$status"
}

run_library_cases() {
  local status=0
  test_run "FullyQualifiedName~Library.LibraryCaseTests" "$root/.build/test-library.log" || status=1
  summarize "$root/.build/test-library.log"
  return "$status"
}

# One dotnet test over the solution with a filter, its output kept in a log; fails when a test fails.
test_run() {
  set +e
  RUNBOOK_NATIVE="$root/dist/runbook" dotnet test RunbookEngine.sln -c Release --no-build -nologo --filter "$1" \
    --logger "console;verbosity=normal" 2>&1 | tee "$2"
  local status=${PIPESTATUS[0]}
  set -e
  return "$status"
}

# One closing line 'N passed, N failed, N skipped' over every test assembly of every run.
summarize() {
  awk '/^ +Passed: [0-9]+$/ { p += $2 } /^ +Failed: [0-9]+$/ { f += $2 } /^ +Skipped: [0-9]+$/ { s += $2 }
       END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$@"
}

case "${1:-}" in
  publish) publish ;;
  test) mkdir -p .build; run_tests ;;
  test-library) mkdir -p .build; run_library_cases ;;
  pack) dotnet pack engine/Runbook.Cli/Runbook.Cli.csproj -c Release -o dist/nuget -nologo -p:PublishAot=false ;;
  format) dotnet format RunbookEngine.sln --verify-no-changes ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
