#!/bin/sh
# Install Debian packages when we can (root, or passwordless sudo); otherwise say what to install.
set -e
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "Please install these Debian packages: $*" >&2; exit 1; fi
if ! command -v apt-get >/dev/null; then echo "No apt-get here; please install: $*" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
# An old or missing package list finds nothing: refresh it once per hour at most.
stamp=/var/lib/apt/periodic/htpm-update-stamp
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; then
  $SUDO apt-get update -qq && $SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
fi
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
