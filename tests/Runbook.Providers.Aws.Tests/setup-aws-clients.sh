#!/usr/bin/env bash
# Makes the vendor's clients that the ECS test server is checked against ready, and prints where they are:
#   aws=PATH   the AWS CLI (this machine's v1 with botocore; Debian's awscli is installed when none is on PATH)
#   node=PATH  node, with the official AWS SDK for JavaScript v3 clients (@aws-sdk/client-ecs,
#              @aws-sdk/client-cloudwatch-logs) installed by `npm ci` from the committed package-lock.json into
#              CrossCheck/js/node_modules beside this script (git-ignored).
# Exits non-zero naming what is missing; the tests then fail under CI=true and say why elsewhere.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# A pyenv-installed CLI may be there without its shims on PATH (a non-login shell): use it directly.
if ! command -v aws >/dev/null; then
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/aws; do
    [ -x "$candidate" ] && PATH="$(dirname "$candidate"):$PATH" && break
  done
fi
if ! command -v aws >/dev/null; then
  if [ "$(id -u)" != 0 ]; then echo "the AWS CLI is not on PATH (install it: apt-get install awscli)" >&2; exit 3; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq awscli >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq awscli >/dev/null; }
fi
command -v aws >/dev/null || { echo "the AWS CLI did not install (apt-get install awscli)" >&2; exit 4; }

command -v node >/dev/null || { echo "node is not on PATH (install it: apt-get install nodejs npm)" >&2; exit 3; }
js="$here/CrossCheck/js"
if [ ! -f "$js/node_modules/@aws-sdk/client-ecs/package.json" ] || [ ! -f "$js/node_modules/@aws-sdk/client-cloudwatch-logs/package.json" ]; then
  command -v npm >/dev/null || { echo "npm is not on PATH (install it: apt-get install npm)" >&2; exit 3; }
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "npm ci in $js failed (run it there by hand to see why)" >&2; exit 4; }
fi

aws="$(command -v aws)"
# A pyenv shim re-resolves the interpreter on every call; the real script starts faster.
if [[ "$aws" == */shims/aws ]] && command -v pyenv >/dev/null && real="$(pyenv which aws 2>/dev/null)"; then aws="$real"; fi
"$aws" --version >/dev/null 2>&1 || { echo "$aws --version failed" >&2; exit 4; }
echo "aws=$aws"
echo "node=$(command -v node)"
echo "js=$js"
