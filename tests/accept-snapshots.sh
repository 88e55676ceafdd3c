#!/usr/bin/env bash
# Accepts every snapshot a failing test run left for review: each X.received.md becomes X.md, each
# X.received.txt becomes X.verified.txt. Review `git diff` afterwards; commit what you mean.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count=0
while IFS= read -r -d '' received; do
  case "$received" in
    *.received.md) approved="${received%.received.md}.md" ;;
    *.received.txt) approved="${received%.received.txt}.verified.txt" ;;
    *) continue ;;
  esac
  mv -f "$received" "$approved"
  echo "accepted ${approved#"$root"/}"
  count=$((count + 1))
done < <(find "$root/tests" -path '*/bin' -prune -o -path '*/obj' -prune -o \( -name '*.received.md' -o -name '*.received.txt' \) -print0)
echo "$count snapshot(s) accepted"
