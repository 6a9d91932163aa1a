#!/bin/sh
# What the browser, PostgreSQL and queue tests need from Debian: chromium, a PostgreSQL server
# and redis-server.
# Installed when possible; otherwise those tests skip (or fail, where CI makes them mandatory).
missing=""
[ -x "${HTPM_CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing="$missing postgresql"
fi
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing="$missing redis-server"
[ -z "$missing" ] && exit 0
echo "Installing for the tests:$missing"
sh "$(dirname "$0")/apt-install.sh" $missing || echo "Could not install$missing: those tests will be skipped." >&2
exit 0
