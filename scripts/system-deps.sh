#!/usr/bin/env bash
# Install the Debian packages the tests use, when they are missing (needs root and apt-get).
# poppler-utils: pdftotext/pdffonts/pdfdetach/pdftoppm read the PDF reports back.
# nsd: a real authoritative DNS server for the DNS and email tests. tmux: the end-to-end TUI test.
# libharfbuzz-subset0: WeasyPrint subsets the report's fonts with it; without it, it falls back to
# fontTools in Python (slower: see bench/bench_report.py). A library, so ldconfig is asked, not PATH.
set -euo pipefail
declare -A need=([pdftotext]=poppler-utils [nsd]=nsd [tmux]=tmux [openssl]=openssl [git]=git)
declare -A need_lib=([libharfbuzz-subset.so.0]=libharfbuzz-subset0)
missing=()
for bin in "${!need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${need[$bin]}")
done
libs=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
for lib in "${!need_lib[@]}"; do
  grep -qF "$lib" <<<"$libs" || missing+=("${need_lib[$lib]}")
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
