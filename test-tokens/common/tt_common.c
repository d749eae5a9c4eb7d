/* SPDX-License-Identifier: Apache-2.0
 * Shared helpers for the ESeal test tokens. TEST ONLY. See tt_common.h.
 */
#include "tt_common.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static char *trim(char *s) {
  while (*s && isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

int tt_conf_load(const char *path, tt_conf *conf) {
  memset(conf, 0, sizeof *conf);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *s = trim(line);
    if (*s == '\0' || *s == '#') continue;
    char *eq = strchr(s, '=');
    if (!eq || conf->n >= TT_MAX_CONF) continue;
    *eq = '\0';
    char *k = trim(s), *v = trim(eq + 1);
    snprintf(conf->key[conf->n], sizeof conf->key[0], "%s", k);
    snprintf(conf->val[conf->n], sizeof conf->val[0], "%s", v);
    conf->n++;
  }
  fclose(f);
  return 0;
}

const char *tt_conf_get(const tt_conf *conf, const char *key, const char *dflt) {
  for (int i = conf->n - 1; i >= 0; i--)
    if (strcmp(conf->key[i], key) == 0) return conf->val[i];
  return dflt;
}

long tt_conf_get_long(const tt_conf *conf, const char *key, long dflt) {
  const char *v = tt_conf_get(conf, key, NULL);
  if (!v || !*v) return dflt;
  char *end;
  long r = strtol(v, &end, 0);
  return *end ? dflt : r;
}

int tt_read_file(const char *path, unsigned char **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 4096, n = 0;
  unsigned char *b = malloc(cap + 1);
  if (!b) { fclose(f); return -1; }
  for (;;) {
    if (n == cap) {
      unsigned char *nb = realloc(b, cap * 2 + 1);
      if (!nb) { free(b); fclose(f); return -1; }
      b = nb;
      cap *= 2;
    }
    size_t r = fread(b + n, 1, cap - n, f);
    if (r == 0) break;
    n += r;
  }
  int err = ferror(f);
  fclose(f);
  if (err) { free(b); return -1; }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return 0;
}

int tt_write_file_atomic(const char *path, const unsigned char *buf, size_t len) {
  char tmp[TT_PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) return -1;
  FILE *f = fopen(tmp, "wb");
  if (!f) return -1;
  int ok = (len == 0 || fwrite(buf, 1, len, f) == len);
  ok = (fflush(f) == 0) && ok;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) { unlink(tmp); return -1; }
  return 0;
}

int tt_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

void tt_pin_hash(const unsigned char *pin, size_t len, char out[65]) {
  unsigned char md[32];
  unsigned int mdlen = 0;
  static const char hex[] = "0123456789abcdef";
  if (!EVP_Digest(pin, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
    memset(out, 'x', 64); /* never matches a hex hash */
    out[64] = '\0';
    return;
  }
  for (int i = 0; i < 32; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[64] = '\0';
  OPENSSL_cleanse(md, sizeof md);
}

void tt_pin_load(tt_pin *pin, const char *statefile, const char *initial_pin, long max_retries) {
  memset(pin, 0, sizeof *pin);
  pin->max_retries = max_retries > 0 ? max_retries : 6;
  tt_pin_hash((const unsigned char *)initial_pin, strlen(initial_pin), pin->initial_hash);
  memcpy(pin->hash, pin->initial_hash, sizeof pin->hash);
  pin->retries = pin->max_retries;
  tt_conf st;
  if (tt_conf_load(statefile, &st) != 0) return;
  const char *h = tt_conf_get(&st, "hash", NULL);
  if (h && strlen(h) == 64) memcpy(pin->hash, h, 65);
  long r = tt_conf_get_long(&st, "retries", pin->max_retries);
  if (r < 0) r = 0;
  if (r > pin->max_retries) r = pin->max_retries;
  pin->retries = r;
}

int tt_pin_save(const tt_pin *pin, const char *statefile) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "# test token PIN state (SHA-256 of the PIN, tries left)\nhash=%s\nretries=%ld\n",
                   pin->hash, pin->retries);
  if (n < 0 || n >= (int)sizeof buf) return -1;
  return tt_write_file_atomic(statefile, (const unsigned char *)buf, (size_t)n);
}

int tt_pin_matches(const tt_pin *pin, const unsigned char *p, size_t len) {
  char h[65];
  tt_pin_hash(p, len, h);
  return CRYPTO_memcmp(h, pin->hash, 64) == 0;
}

EVP_PKEY *tt_load_private_key(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  return k;
}

int tt_key_kind(EVP_PKEY *pkey) {
  if (!pkey) return TT_KEY_OTHER;
  char g[64] = {0};
  size_t gl = 0;
  if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof g, &gl)) return TT_KEY_OTHER;
  if (EVP_PKEY_is_a(pkey, "SM2") && strcmp(g, "SM2") == 0) return TT_KEY_SM2;
  if (EVP_PKEY_is_a(pkey, "EC") && (strcmp(g, "prime256v1") == 0 || strcmp(g, "P-256") == 0)) return TT_KEY_P256;
  return TT_KEY_OTHER;
}

int tt_load_cert_der(const char *path, unsigned char **der, size_t *len) {
  unsigned char *buf;
  size_t n;
  *der = NULL;
  *len = 0;
  if (tt_read_file(path, &buf, &n) != 0) return -1;
  X509 *x = NULL;
  const unsigned char *p = buf;
  if (n > 0 && buf[0] == 0x30) {
    x = d2i_X509(NULL, &p, (long)n);
  } else {
    BIO *b = BIO_new_mem_buf(buf, (int)n);
    if (b) x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
  }
  free(buf);
  if (!x) return -1;
  int l = i2d_X509(x, NULL);
  if (l <= 0) { X509_free(x); return -1; }
  unsigned char *out = malloc((size_t)l), *q = out;
  if (!out) { X509_free(x); return -1; }
  i2d_X509(x, &q);
  X509_free(x);
  *der = out;
  *len = (size_t)l;
  return 0;
}

int tt_pub_xy(EVP_PKEY *pkey, unsigned char x[32], unsigned char y[32]) {
  BIGNUM *bx = NULL, *by = NULL;
  int ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) &&
           EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) &&
           BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32;
  BN_free(bx);
  BN_free(by);
  return ok ? 0 : -1;
}

/* sm2p256v1 domain parameters, GM/T 0003.5-2012 (GB/T 32918.5-2017) §"推荐曲线参数". */
static const unsigned char SM2_A[32] = {
  0xFF,0xFF,0xFF,0xFE,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,
  0xFF,0xFF,0xFF,0xFF,0x00,0x00,0x00,0x00,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFC};
static const unsigned char SM2_B[32] = {
  0x28,0xE9,0xFA,0x9E,0x9D,0x9F,0x5E,0x34,0x4D,0x5A,0x9E,0x4B,0xCF,0x65,0x09,0xA7,
  0xF3,0x97,0x89,0xF5,0x15,0xAB,0x8F,0x92,0xDD,0xBC,0xBD,0x41,0x4D,0x94,0x0E,0x93};
static const unsigned char SM2_GX[32] = {
  0x32,0xC4,0xAE,0x2C,0x1F,0x19,0x81,0x19,0x5F,0x99,0x04,0x46,0x6A,0x39,0xC9,0x94,
  0x8F,0xE3,0x0B,0xBF,0xF2,0x66,0x0B,0xE1,0x71,0x5A,0x45,0x89,0x33,0x4C,0x74,0xC7};
static const unsigned char SM2_GY[32] = {
  0xBC,0x37,0x36,0xA2,0xF4,0xF6,0x77,0x9C,0x59,0xBD,0xCE,0xE3,0x6B,0x69,0x21,0x53,
  0xD0,0xA9,0x87,0x7C,0xC6,0x2A,0x47,0x40,0x02,0xDF,0x32,0xE5,0x21,0x39,0xF0,0xA0};

int tt_sm3(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen, unsigned char out[32]) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  EVP_MD *md = EVP_MD_fetch(NULL, "SM3", NULL);
  unsigned int l = 0;
  int ok = c && md && EVP_DigestInit_ex(c, md, NULL) && (alen == 0 || EVP_DigestUpdate(c, a, alen)) &&
           (blen == 0 || EVP_DigestUpdate(c, b, blen)) && EVP_DigestFinal_ex(c, out, &l) && l == 32;
  EVP_MD_free(md);
  EVP_MD_CTX_free(c);
  return ok ? 0 : -1;
}

int tt_sm2_z(const unsigned char x[32], const unsigned char y[32], const unsigned char *id, size_t idlen,
             unsigned char z[32]) {
  if (idlen > 8191) return -1; /* ENTL is 16 bits of *bit* length */
  unsigned char buf[2 + 8192 + 6 * 32];
  size_t n = 0;
  unsigned entl = (unsigned)(idlen * 8);
  buf[n++] = (unsigned char)(entl >> 8);
  buf[n++] = (unsigned char)entl;
  if (idlen) memcpy(buf + n, id, idlen);
  n += idlen;
  memcpy(buf + n, SM2_A, 32); n += 32;
  memcpy(buf + n, SM2_B, 32); n += 32;
  memcpy(buf + n, SM2_GX, 32); n += 32;
  memcpy(buf + n, SM2_GY, 32); n += 32;
  memcpy(buf + n, x, 32); n += 32;
  memcpy(buf + n, y, 32); n += 32;
  return tt_sm3(buf, n, NULL, 0, z);
}

/* OpenSSL 3.0's SM2 signature provider signs its input *as e* when EVP_PKEY_sign is used
 * (providers/implementations/signature/sm2_sig.c: sm2sig_sign → ossl_sm2_internal_sign, which
 * does e = BN_bin2bn(dgst) and no hashing). The Z/e computation is therefore ours. */
static int pkey_sign_raw(EVP_PKEY *pkey, const unsigned char *tbs, size_t tbslen, unsigned char *der, size_t *derlen) {
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  size_t cap = *derlen;
  int ok = c && EVP_PKEY_sign_init(c) > 0 && EVP_PKEY_sign(c, der, &cap, tbs, tbslen) > 0;
  EVP_PKEY_CTX_free(c);
  if (!ok) return -1;
  *derlen = cap;
  return 0;
}

int tt_sm2_sign_e(EVP_PKEY *pkey, const unsigned char *e, size_t elen, unsigned char *der, size_t *derlen) {
  if (elen != 32 || tt_key_kind(pkey) != TT_KEY_SM2) return -1;
  return pkey_sign_raw(pkey, e, elen, der, derlen);
}

int tt_sm2_sign_msg(EVP_PKEY *pkey, const unsigned char *msg, size_t msglen, unsigned char *der, size_t *derlen) {
  unsigned char x[32], y[32], z[32], e[32];
  if (tt_pub_xy(pkey, x, y) != 0) return -1;
  if (tt_sm2_z(x, y, (const unsigned char *)TT_SM2_DEFAULT_ID, strlen(TT_SM2_DEFAULT_ID), z) != 0) return -1;
  if (tt_sm3(z, 32, msg, msglen, e) != 0) return -1;
  return tt_sm2_sign_e(pkey, e, 32, der, derlen);
}

int tt_ecdsa_sign_hash(EVP_PKEY *pkey, const unsigned char *hash, size_t hlen, unsigned char *der, size_t *derlen) {
  if (hlen == 0 || hlen > 64 || tt_key_kind(pkey) != TT_KEY_P256) return -1;
  return pkey_sign_raw(pkey, hash, hlen, der, derlen);
}

int tt_der_to_raw(const unsigned char *der, size_t derlen, unsigned char *raw, size_t half) {
  const unsigned char *p = der;
  ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
  if (!s) return -1;
  const BIGNUM *r = NULL, *ss = NULL;
  ECDSA_SIG_get0(s, &r, &ss);
  int ok = BN_bn2binpad(r, raw, (int)half) == (int)half && BN_bn2binpad(ss, raw + half, (int)half) == (int)half;
  ECDSA_SIG_free(s);
  return ok ? 0 : -1;
}
