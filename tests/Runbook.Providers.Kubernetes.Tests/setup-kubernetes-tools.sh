#!/usr/bin/env bash
# Makes sure the real Kubernetes clients the cross-checks run are here: kubectl (the Google Cloud CLI's, with
# its pinned kubectl.1.NN beside it; Debian's kubernetes-client is not installed, its kubectl clashes) and the
# official Python client (Debian's python3-kubernetes, installed when missing). Prints the kubectl binaries found.
set -euo pipefail
if ! command -v kubectl >/dev/null; then
  echo "kubectl is not on PATH (it comes with the Google Cloud CLI on these machines)" >&2
  exit 3
fi
if ! /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
  if [ "$(id -u)" != 0 ]; then echo "python3-kubernetes is needed (run as root to install it)" >&2; exit 3; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq python3-kubernetes >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq python3-kubernetes >/dev/null; }
fi
/usr/bin/python3 -c 'import kubernetes' || { echo "python3-kubernetes did not install" >&2; exit 4; }
real="$(readlink -f "$(command -v kubectl)")"
echo "kubectl=$(command -v kubectl)"
for pinned in "$(dirname "$real")"/kubectl.1.*; do
  [ -x "$pinned" ] && echo "$(basename "$pinned")=$pinned"
done
exit 0
