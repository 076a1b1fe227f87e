#!/bin/bash
# What `npm run test:interop` needs on the system: the Libervia peer of the shared harness
# (../shared/interop/libervia, next to the repository). As root, runs the harness's own
# install.sh (idempotent: installs only what is missing); otherwise checks the same packages and
# prints the exact apt-get line to run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
harness="${OXPS_LIBERVIA_HARNESS:-$repo/../shared/interop/libervia}"
if [ ! -f "$harness/install.sh" ]; then
  echo "oxps: the Libervia harness is missing: $harness/install.sh (the shared folder sits next to the repository)" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  exec bash "$harness/install.sh"
fi
# Not root: the package list is install.sh's own (its pkgs="..." line).
packages="$(sed -n 's/^pkgs="\(.*\)"$/\1/p' "$harness/install.sh")"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "oxps: missing system packages for the Libervia interop tests:$missing" >&2
echo "oxps: install them with: sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1
