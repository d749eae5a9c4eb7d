/* SPDX-License-Identifier: Apache-2.0
 *
 * Helpers shared by the two ESeal test tokens (sm2testtoken, softskf): configuration files,
 * PIN state with a retry counter, key/certificate loading and the SM2/ECDSA maths on
 * OpenSSL libcrypto 3.0. TEST ONLY: keys live in plain PEM files.
 */
#ifndef ESEAL_TT_COMMON_H
#define ESEAL_TT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#pragma GCC visibility push(hidden)

#define TT_MAX_CONF 32
#define TT_PATH_MAX 4096

typedef struct {
  int n;
  char key[TT_MAX_CONF][64];
  char val[TT_MAX_CONF][256];
} tt_conf;

/* Parses "key=value" lines ('#' comments, surrounding blanks trimmed). 0 on success. */
int tt_conf_load(const char *path, tt_conf *conf);
const char *tt_conf_get(const tt_conf *conf, const char *key, const char *dflt);
long tt_conf_get_long(const tt_conf *conf, const char *key, long dflt);

/* Whole-file read (malloc'ed, NUL-terminated one past len). 0 on success. */
int tt_read_file(const char *path, unsigned char **buf, size_t *len);
/* Write via a temporary file + rename, so readers never see half a file. 0 on success. */
int tt_write_file_atomic(const char *path, const unsigned char *buf, size_t len);
int tt_file_exists(const char *path);

/* PIN state: SHA-256 of the PIN (hex) + remaining tries, persisted in a small text file
 * so a lock-out survives C_Finalize and new processes. The PIN itself is never stored. */
typedef struct {
  char hash[65];
  char initial_hash[65];
  long retries;
  long max_retries;
} tt_pin;

void tt_pin_hash(const unsigned char *pin, size_t len, char out[65]);
/* Loads `statefile` if present, otherwise starts from `initial_pin` with max tries. */
void tt_pin_load(tt_pin *pin, const char *statefile, const char *initial_pin, long max_retries);
int tt_pin_save(const tt_pin *pin, const char *statefile);
/* Returns 1 if the PIN matches (constant-time compare of the hashes). */
int tt_pin_matches(const tt_pin *pin, const unsigned char *p, size_t len);

/* Key kinds */
enum { TT_KEY_OTHER = 0, TT_KEY_SM2 = 1, TT_KEY_P256 = 2 };
EVP_PKEY *tt_load_private_key(const char *path);
int tt_key_kind(EVP_PKEY *pkey);
/* Loads a certificate (DER or PEM) and returns its DER encoding (malloc'ed). */
int tt_load_cert_der(const char *path, unsigned char **der, size_t *len);
/* Uncompressed affine coordinates, 32 bytes each (big-endian, left-padded). */
int tt_pub_xy(EVP_PKEY *pkey, unsigned char x[32], unsigned char y[32]);

/* SM2: Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GM/T 0003.2-2012 §5.5,
 * GB/T 32918.2-2016 §5.5); the default ID is "1234567812345678" (GM/T 0009-2012 §10). */
#define TT_SM2_DEFAULT_ID "1234567812345678"
int tt_sm2_z(const unsigned char x[32], const unsigned char y[32], const unsigned char *id, size_t idlen,
             unsigned char z[32]);
int tt_sm3(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen, unsigned char out[32]);
/* Signs the caller's 32-byte e (= SM3(Z || M)) with an SM2 key. DER SEQUENCE{r,s} out (<= 72 bytes). */
int tt_sm2_sign_e(EVP_PKEY *pkey, const unsigned char *e, size_t elen, unsigned char *der, size_t *derlen);
/* e = SM3(Z || M) with the default ID computed here, then tt_sm2_sign_e. */
int tt_sm2_sign_msg(EVP_PKEY *pkey, const unsigned char *msg, size_t msglen, unsigned char *der, size_t *derlen);
/* Plain ECDSA on a caller-supplied hash (P-256). DER out (<= 72 bytes). */
int tt_ecdsa_sign_hash(EVP_PKEY *pkey, const unsigned char *hash, size_t hlen, unsigned char *der, size_t *derlen);
/* DER ECDSA/SM2 signature → r || s, each `half` bytes, left-padded. */
int tt_der_to_raw(const unsigned char *der, size_t derlen, unsigned char *raw, size_t half);

#pragma GCC visibility pop

#endif
