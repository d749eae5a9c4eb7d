#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Creates a SoftHSM2 token for ESeal's PKCS#11 tests and manual trials (TEST ONLY).
#
# Usage: scripts/softhsm-setup.sh DIR
#   Environment (optional): SOFTHSM_LABEL (default "ESeal SoftHSM"), SOFTHSM_SO_PIN (12345678),
#   SOFTHSM_PIN (123456), SOFTHSM_MODULE (default /usr/lib/softhsm/libsofthsm2.so).
#
# Writes into DIR (created if needed):
#   softhsm2.conf        its own SoftHSM2 configuration (tokendir = DIR/tokens)
#   ec.key.pem  ec.cert.pem  ec.cert.der  ec.pub.pem      P-256 key, CKA_ID 01, CKA_LABEL seal-ec
#   rsa.key.pem rsa.cert.pem rsa.cert.der rsa.pub.pem     RSA-2048 key, CKA_ID 02, CKA_LABEL seal-rsa
#   seal.data            a CKO_DATA object (CKA_APPLICATION "ESeal", CKA_LABEL "seal-1")
#   env.sh               the environment to use (also printed on stdout)
# The private keys are imported with softhsm2-util --import, the certificates and the data object
# with pkcs11-tool --write-object. Idempotent: when DIR/.complete exists and the token is there,
# nothing is redone (about 0.1 s); otherwise DIR/tokens is wiped and everything is recreated
# (about 1 s). Requires softhsm2, opensc (pkcs11-tool) and openssl (CI: scripts/test.sh).
#
# What SoftHSM2 2.6.1 cannot do (specs tokens.md §4): no CKM_ECDSA_SHA256 (hash first, use raw
# CKM_ECDSA), no PIN lockout (never CKR_PIN_LOCKED), no removal events. The C test token
# (test-tokens/, libsm2testtoken.so) covers those paths.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
mkdir -p "$1"
dir="$(cd "$1" && pwd)"
label="${SOFTHSM_LABEL:-ESeal SoftHSM}"
so_pin="${SOFTHSM_SO_PIN:-12345678}"
pin="${SOFTHSM_PIN:-123456}"
module="${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"

for tool in softhsm2-util pkcs11-tool openssl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "softhsm-setup: $tool not found (Debian: apt-get install softhsm2 opensc openssl)" >&2
    exit 1
  fi
done
if [ ! -e "$module" ]; then
  echo "softhsm-setup: PKCS#11 module $module not found (Debian: apt-get install softhsm2)" >&2
  exit 1
fi

conf="$dir/softhsm2.conf"
export SOFTHSM2_CONF="$conf"

print_env() {
  cat > "$dir/env.sh" <<EOF
export SOFTHSM2_CONF='$conf'
export PKCS11_MODULE='$module'
export PKCS11_TOKEN_LABEL='$label'
export PKCS11_PIN='$pin'
export PKCS11_SO_PIN='$so_pin'
EOF
  cat "$dir/env.sh"
}

if [ -f "$dir/.complete" ] && [ -f "$conf" ] && softhsm2-util --show-slots 2>/dev/null | grep -q "Label: *$label *$"; then
  print_env
  exit 0
fi

rm -rf "$dir/tokens" "$dir/.complete"
mkdir -p "$dir/tokens"
cat > "$conf" <<EOF
# SoftHSM2 configuration written by scripts/softhsm-setup.sh (TEST ONLY)
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF

softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$pin" >/dev/null

# make_pair NAME ID CKA_LABEL GENPKEY_ARGS... : key (PKCS#8 PEM) + self-signed certificate, imported
make_pair() {
  local name="$1" id="$2" objlabel="$3"; shift 3
  openssl genpkey "$@" -out "$dir/$name.key.pem" 2>/dev/null
  openssl req -x509 -new -key "$dir/$name.key.pem" -subj "/CN=ESeal SoftHSM $name/O=ESeal Test" -days 365 -sha256 \
    -out "$dir/$name.cert.pem" 2>/dev/null
  openssl x509 -in "$dir/$name.cert.pem" -outform DER -out "$dir/$name.cert.der"
  openssl pkey -in "$dir/$name.key.pem" -pubout -out "$dir/$name.pub.pem"
  softhsm2-util --import "$dir/$name.key.pem" --token "$label" --label "$objlabel" --id "$id" --pin "$pin" >/dev/null
  pkcs11-tool --module "$module" --token-label "$label" --login --pin "$pin" \
    --write-object "$dir/$name.cert.der" --type cert --id "$id" --label "$objlabel" >/dev/null 2>&1
}

make_pair ec 01 seal-ec -algorithm EC -pkeyopt ec_paramgen_curve:P-256
make_pair rsa 02 seal-rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048

# A seal as a CKO_DATA object (placeholder bytes: a DER SEQUENCE, not a real SESeal).
printf '\x30\x03\x02\x01\x04' > "$dir/seal.data"
pkcs11-tool --module "$module" --token-label "$label" --login --pin "$pin" \
  --write-object "$dir/seal.data" --type data --application-label ESeal --label seal-1 >/dev/null 2>&1

touch "$dir/.complete"
print_env
