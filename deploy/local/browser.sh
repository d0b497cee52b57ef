#!/usr/bin/env bash
# Make sure Debian's headless browser is here for the dashboard's browser test:
# chromium and chromium-driver from apt (never a browser downloaded by a tool).
# Idempotent: does nothing when /usr/bin/chromium already runs. Prints the path.
#   deploy/local/browser.sh        install when missing, print /usr/bin/chromium
set -euo pipefail

CHROMIUM=/usr/bin/chromium
say() { echo "browser: $*" >&2; }

if [ -x "$CHROMIUM" ] && "$CHROMIUM" --headless --no-sandbox --version >/dev/null 2>&1; then
  echo "$CHROMIUM"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
say "installing Debian's chromium and chromium-driver (once)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >&2
"$CHROMIUM" --headless --no-sandbox --version >&2
echo "$CHROMIUM"
