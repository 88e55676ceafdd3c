#!/usr/bin/env bash
# Makes the vendor's client that the ARM test server is checked against ready, and prints where it is:
#   node=PATH  node, with the official Azure SDK for JavaScript management client for Container Apps
#              (@azure/arm-appcontainers, and @azure/core-auth) installed by `npm ci` from the committed
#              package-lock.json into CrossCheck/js/node_modules beside this script (git-ignored).
#   js=PATH    the folder holding check.mjs and those node_modules
# Exits non-zero naming what is missing; the tests then fail (never skip) and name this script.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

command -v node >/dev/null || { echo "node is not on PATH (install it: apt-get install nodejs npm)" >&2; exit 3; }
js="$here/CrossCheck/js"
if [ ! -f "$js/node_modules/@azure/arm-appcontainers/package.json" ] || [ ! -f "$js/node_modules/@azure/core-auth/package.json" ]; then
  command -v npm >/dev/null || { echo "npm is not on PATH (install it: apt-get install npm)" >&2; exit 3; }
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "npm ci in $js failed (run it there by hand to see why)" >&2; exit 4; }
fi
version="$(node -p "require('$js/node_modules/@azure/arm-appcontainers/package.json').version")"
[ "$version" = "4.0.0" ] || { echo "@azure/arm-appcontainers $version is installed in $js, not 4.0.0 (delete its node_modules and run this again)" >&2; exit 4; }

echo "node=$(command -v node)"
echo "js=$js"
