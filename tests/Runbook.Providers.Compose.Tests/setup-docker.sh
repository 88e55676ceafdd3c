#!/usr/bin/env bash
# Starts a private Docker engine for the provider tests, installing Debian's docker.io, docker-compose and
# busybox-static when missing. Usage: setup-docker.sh DIR   (the socket is DIR/docker.sock)
# No registry is reachable here, so the test images are made with `docker import` from busybox-static.
set -euo pipefail
dir="$1"
missing=()
command -v dockerd >/dev/null || missing+=(dockerd)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /bin/busybox ] || missing+=(busybox)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "missing: ${missing[*]} (Debian's docker.io, docker-compose and busybox-static; installing them needs root and apt-get)" >&2
    exit 3
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io docker-compose busybox-static >/dev/null
  hash -r
  command -v dockerd >/dev/null || { echo "docker.io installed, but dockerd is still not on PATH ($PATH)" >&2; exit 3; }
fi
mkdir -p "$dir/data" "$dir/exec"
dockerd --iptables=false --bridge=none --storage-driver=vfs --data-root "$dir/data" --exec-root "$dir/exec" \
  --host "unix://$dir/docker.sock" --pidfile "$dir/docker.pid" >"$dir/dockerd.log" 2>&1 &
export DOCKER_HOST="unix://$dir/docker.sock"
for _ in $(seq 150); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
docker version >/dev/null 2>&1 || { echo "dockerd did not start:" >&2; tail -20 "$dir/dockerd.log" >&2; exit 4; }
root="$dir/image"
mkdir -p "$root/bin" "$root/tmp" "$root/www"
cp /bin/busybox "$root/bin/busybox"
for applet in sh sleep echo cat httpd wget true false ls env wc sha256sum; do ln -sf busybox "$root/bin/$applet"; done
echo ok > "$root/www/health"
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - rb-busybox:1 >/dev/null
docker tag rb-busybox:1 rb-busybox:2
