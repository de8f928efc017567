#!/usr/bin/env bash
# Install the Debian packages the tests use, when they are missing (needs root and apt-get).
# poppler-utils: pdftotext/pdffonts/pdfdetach/pdftoppm read the PDF reports back.
# nsd: a real authoritative DNS server for the DNS and email tests. tmux: the end-to-end TUI test.
set -euo pipefail
declare -A need=([pdftotext]=poppler-utils [nsd]=nsd [tmux]=tmux [openssl]=openssl [git]=git)
missing=()
for bin in "${!need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${need[$bin]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # nsd's package starts a system service on port 53; the tests run their own instance.
  (systemctl stop nsd 2>/dev/null || service nsd stop 2>/dev/null || pkill -x nsd 2>/dev/null) || true
else
  echo "missing system packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
