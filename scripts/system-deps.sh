#!/bin/bash
# Installs the Debian packages a task needs (demo, test, interop, bench) when run as root;
# otherwise prints the exact apt-get line to run and fails. Idempotent: installs only what is
# missing.
set -euo pipefail
recommends="--no-install-recommends"
case "${1:-test}" in
  demo) packages="prosody gnupg openssl" ;;
  # python3-lxml: the reference C14N 2.0 (what Libervia signs) for the signing tests
  test) packages="prosody gnupg openssl sqop gnome-keyring dbus libsecret-tools tmux groff-base ejabberd zsh fish python3-lxml" ;;
  # Libervia 0.9 with the Python modules its OX plugins import but the package does not pull in,
  # and its recommended packages (templates, markdown, OMEMO…), as a user would have them
  interop) packages="prosody libervia-backend libervia-cli python3-gpg python3-xmlschema gnupg openssl"; recommends="" ;;
  # the interop set, plus Prosody's SQL storage for big nodes
  bench) packages="prosody lua-dbi-sqlite3 libervia-backend libervia-cli python3-gpg python3-xmlschema gnupg openssl"; recommends="" ;;
  *) echo "usage: $0 demo|test|interop|bench" >&2; exit 2 ;;
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
apt-get install -y -q $recommends $missing >&2
