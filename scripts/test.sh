#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, from a fresh Debian machine: installs what it needs, builds, type-checks,
# lints and runs every test (unit, cross-checks against OpenSSL and sm-crypto, integration).
# .ci/run calls exactly this. Prints "N passed, N failed" as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. System packages (Debian): real tokens, validators and the browser for end-to-end tests.
declare -A provides=([softhsm2-util]=softhsm2 [pkcs11-tool]=opensc [chromium]=chromium [pdfsig]=poppler-utils [qpdf]=qpdf [openssl]=openssl [cc]=gcc)
missing=()
for tool in "${!provides[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("${provides[$tool]}"); done
# Data packages (no command to probe): Chromium's zh-CN UI (the extension's pages and screenshots in
# Chinese), a CJK font for rendering, and poppler-data's CMaps (the demo notice PDF test).
[ -e /usr/lib/chromium/locales/zh-CN.pak ] || missing+=(chromium-l10n)
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=(fonts-wqy-microhei)
[ -e /usr/share/fonts/cmap/adobe-gb1/UniGB-UCS2-H ] || missing+=(poppler-data)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: not root; missing Debian packages: ${missing[*]} (tests needing them will fail)" >&2
  fi
fi

# 2. npm packages, pinned by package-lock.json. Native modules build against the system Node headers.
export npm_config_nodedir=/usr
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.eseal-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.eseal-lock-sha256
fi

# 3. Build, type-check, lint.
echo "== build";     node scripts/build.mjs all
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== lint";      npx eslint . --max-warnings 0

# 4. Tests. The JSON report gives the closing count line CI reads.
mkdir -p .tmp
echo "== vitest"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json || status=$?
node scripts/test-summary.mjs .tmp/vitest.json || status=$?
exit "$status"
