#!/bin/bash
# What `npm run test:interop` needs on the system (Debian 12): Prosody, Libervia 0.9 (backend and
# CLI) with the Python modules its OX plugins import but the package does not pull in, GnuPG and
# OpenSSL. As root: installs whatever is missing (idempotent: nothing when all is there).
# Otherwise: prints the exact apt-get line to run and fails.
set -euo pipefail
packages="prosody libervia-backend libervia-cli python3-gpg python3-xmlschema gnupg openssl"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "oxps: missing system packages for the Libervia interop tests:$missing" >&2
  echo "oxps: install them with: sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "oxps: installing system packages for the Libervia interop tests:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# with Libervia's recommended packages (templates, markdown, OMEMO…), as a user would have them
apt-get install -y -q $missing >&2
