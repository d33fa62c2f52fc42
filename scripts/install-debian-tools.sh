#!/usr/bin/env bash
# The deployment checkers CI runs, from Debian's packages: prometheus (and
# promtool) for the alert unit tests and the dashboard test, docker-compose
# for validating the compose files without a Docker engine. Installs only
# what is missing; apt keeps the downloaded packages in its own cache.
set -euo pipefail
missing=()
command -v promtool >/dev/null && command -v prometheus >/dev/null || missing+=(prometheus)
command -v docker-compose >/dev/null || missing+=(docker-compose)
if [ ${#missing[@]} -eq 0 ]; then
  echo "Debian tools present: $(prometheus --version 2>&1 | sed -n 1p); $(docker-compose version --short 2>&1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
# A machine whose package lists are stale needs them refreshed first.
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" ||
  { "${as_root[@]}" apt-get update && "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; }
echo "installed: ${missing[*]}"
