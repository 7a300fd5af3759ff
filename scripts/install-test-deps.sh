#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine: the npm
# packages and the Debian tools the tests drive for real (Chromium for the HTML
# report's browser test). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(chromium fping nftables python3-openstackclient)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
