#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds ESeal's TEST-ONLY software tokens (see test-tokens/README.md):
#   libsm2testtoken.so  PKCS#11 v2.40 module with SM2 vendor mechanisms (profiles A/B) + ECDSA P-256
#   libsoftskf.so       GM/T 0016 SKF library (SM2)
# Usage: scripts/build-test-tokens.sh [OUTDIR]      (default: test-tokens/build)
# Idempotent and fast: a library is rebuilt only when a source is newer. Safe to run
# concurrently (flock). Installs libssl-dev with apt-get when the OpenSSL headers are missing
# and we run as root (CI); otherwise it fails with a clear message. Prints the library paths.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test-tokens"
out="${1:-$src/build}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

need_headers() { [ ! -f /usr/include/openssl/evp.h ] && ! echo '#include <openssl/evp.h>' | cc -E -x c - >/dev/null 2>&1; }
if ! command -v cc >/dev/null 2>&1 || need_headers; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "build-test-tokens: installing gcc/libssl-dev" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev libssl-dev >/dev/null
  else
    echo "build-test-tokens: a C compiler and the OpenSSL 3 headers are needed (Debian: apt-get install gcc libssl-dev)" >&2
    exit 1
  fi
fi

CFLAGS=(-shared -fPIC -O2 -g -std=gnu11 -Wall -Wextra -Werror)
LIBS=(-lcrypto -lpthread)
common_deps=("$src/common/tt_common.c" "$src/common/tt_common.h" "$0")

# build LIB MAIN_SOURCE [EXTRA_DEPS...]: compile into a temporary file, then rename, so a
# concurrent reader never loads half a library.
build() {
  local lib="$out/$1" main="$2"; shift 2
  local f stale=0
  [ -f "$lib" ] || stale=1
  for f in "$main" "$@" "${common_deps[@]}"; do [ "$f" -nt "$lib" ] && stale=1; done
  [ "$stale" = 1 ] || return 0
  local tmp="$lib.tmp.$$"
  if ! cc "${CFLAGS[@]}" -o "$tmp" "$main" "$src/common/tt_common.c" "${LIBS[@]}"; then
    rm -f "$tmp"
    echo "build-test-tokens: compiling $(basename "$lib") failed" >&2
    exit 1
  fi
  mv -f "$tmp" "$lib"
}

(
  flock 9
  build libsm2testtoken.so "$src/pkcs11/sm2testtoken.c" "$src/pkcs11/p11min.h"
  build libsoftskf.so "$src/skf/softskf.c"
) 9>"$out/.build.lock"

echo "$out/libsm2testtoken.so"
echo "$out/libsoftskf.so"
