#!/usr/bin/env bash
# The browser the console's tests drive: Debian's Chromium and a font with Chinese glyphs,
# installed with apt when missing (as root, or with sudo that asks no password). Without
# them the browser tests are skipped, except under CI=true, where they are required.
set -euo pipefail
CHROMIUM=${LIANXIN_CHROMIUM:-/usr/bin/chromium}
need=()
[ -x "$CHROMIUM" ] || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo"; else
  echo "== the browser tests need ${need[*]}: apt-get install ${need[*]} (as root)" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
echo "== installing ${need[*]} for the browser tests"
$sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
  { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
