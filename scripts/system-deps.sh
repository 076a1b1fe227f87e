#!/bin/bash
# Installs the Debian packages a task needs (demo, test, interop) when run as root; otherwise
# prints the exact apt-get line to run and fails. Idempotent: installs only what is missing.
set -euo pipefail
case "${1:-test}" in
  demo) packages="prosody gnupg openssl" ;;
  test) packages="prosody gnupg openssl sqop gnome-keyring dbus libsecret-tools tmux groff-base ejabberd" ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "oxps: missing system packages:$missing" >&2
  echo "oxps: install them with: sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "oxps: installing system packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends $missing >&2
