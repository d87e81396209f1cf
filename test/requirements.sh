#!/usr/bin/env bash
# The programs the tests drive, installed from Debian's packages when missing: the test script runs
# this first, so `bun run test` works as written on a fresh machine (and CI needs nothing else).
#   tmux: the client in a real terminal · openssl: the TLS test certificate · redis-server: the cluster
#   tests start their own · chromium: the real browser of the web client tests (playwright-core drives
#   it and downloads none) · python3: the slow-consumer test's client that stops reading
set -euo pipefail

missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif sudo -n true 2>/dev/null; then apt=(sudo -n apt-get); else apt=(); fi
if [ ${#apt[@]} -eq 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}), then run the tests again." >&2
  exit 1
fi
echo "Installing what the tests need: ${missing[*]} (apt-get)" >&2
"${apt[@]}" update -qq
DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null
