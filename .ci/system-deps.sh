#!/usr/bin/env bash
# Installs what the test suite needs from Debian packages when it is missing:
# a PostgreSQL server (the store's tests start their own throw-away cluster),
# a Java runtime (PySpark in local mode) and Chromium (the report renders in
# headless Chromium through Playwright; never a downloaded browser).
# Idempotent; does nothing when present.
set -euo pipefail

need=()
if ! command -v java >/dev/null 2>&1; then
  need+=(default-jre-headless)
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
fi
java -version 2>&1 | head -1
ls -d /usr/lib/postgresql/*/bin | head -1
/usr/bin/chromium --version 2>/dev/null | head -1
