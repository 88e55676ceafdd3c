#!/usr/bin/env bash
# Makes the vendor's clients that the Cloud Run test server is checked against ready, and prints where they are:
#   node=PATH  node, with Google's official JavaScript clients (@google-cloud/run, google-auth-library and
#              @google-cloud/logging) installed by `npm ci` from the committed package-lock.json into
#              CrossCheck/js/node_modules beside this script (git-ignored).
#   js=PATH    that folder (check.mjs, the scenario runner, is there).
# (gcloud is no cross-check here: `gcloud run` speaks the older v1 API.)
# Exits non-zero naming what is missing; the tests then fail, under CI=true and without, and say why.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v node >/dev/null; then
  if [ "$(id -u)" != 0 ]; then echo "node is not on PATH (install it: apt-get install nodejs npm)" >&2; exit 3; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq nodejs npm >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq nodejs npm >/dev/null; }
fi
command -v node >/dev/null || { echo "node did not install (apt-get install nodejs npm)" >&2; exit 4; }

js="$here/CrossCheck/js"
if [ ! -f "$js/node_modules/@google-cloud/run/package.json" ] || [ ! -f "$js/node_modules/google-auth-library/package.json" ] \
  || [ ! -f "$js/node_modules/@google-cloud/logging/package.json" ]; then
  command -v npm >/dev/null || { echo "npm is not on PATH (install it: apt-get install npm)" >&2; exit 3; }
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "npm ci in $js failed (run it there by hand to see why)" >&2; exit 4; }
fi

echo "node=$(command -v node)"
echo "js=$js"
