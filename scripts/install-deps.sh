#!/usr/bin/env bash
# Installs what faultline needs on a fresh Debian machine: the npm packages and the
# Debian tools it drives for real (fping for ping sweeps, nftables so the lab can make
# addresses truly unreachable, openssl for the lab's Kubernetes CA). With --test, also
# what the test suite drives: Chromium (HTML report in a real browser), the OpenStack
# CLI, the OpenSSH client, python3-kubernetes and python3-sushy (fidelity checks against the lab), and
# PostgreSQL (the store tests start their own server from it), and Prometheus with
# promtool (the lab backfills metric history and serves it to the collector). Safe to run again:
# installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(fping nftables openssl)
if [ "${1:-}" = "--test" ]; then debs+=(chromium python3-openstackclient openssh-client python3-kubernetes python3-sushy postgresql prometheus prometheus-alertmanager faketime); fi
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
