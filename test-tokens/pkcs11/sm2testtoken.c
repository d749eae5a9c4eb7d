/* SPDX-License-Identifier: Apache-2.0
 *
 * sm2testtoken: a small PKCS#11 v2.40 module with SM2 (vendor mechanism numbers) and ECDSA
 * P-256, written for ESeal's integration tests. TEST ONLY: keys are plain PEM files in a
 * directory, there is no secure storage, and the code is written for clarity, not hardening.
 *
 * Configuration: env SM2TESTTOKEN_DIR = one token directory, or several separated by ':'
 * (one slot each, slot IDs 1..N). See test-tokens/README.md for the directory layout.
 *
 * Vendor numbers (no SM2 in PKCS#11 up to 3.2; see docs in tokens research §1.2):
 *   profile A (Sansec/"swpkcs11" family): CKK_SM2 0x80000004,
 *     CKM_SM3_SM2_APPID1 0x80008102 (SM3 with Z inside, raw r||s), _DER 0x80008103,
 *     CKM_SM2_SIGN 0x80008104 (caller's e, DER), CKM_SM2_SIGN_NO_DER 0x80008105 (caller's e, raw)
 *   profile B (IBM EP11/opencryptoki family): CKK_IBM_SM2 0x80050002,
 *     CKM_IBM_SM2 0x8005000B (caller's e, raw), CKM_IBM_SM2_SM3 0x8005000C (SM3 with Z inside, raw)
 *   both: CKM_ECDSA 0x1041 (caller's hash, raw r||s) for CKK_EC P-256 keys.
 * Z uses the default ID "1234567812345678" (GM/T 0009-2012 §10).
 */
#define _GNU_SOURCE
#include "p11min.h"
#include "../common/tt_common.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

/* ---------------------------------------------------------------- constants */

#define CKK_SM2 0x80000004UL
#define CKK_IBM_SM2 0x80050002UL
#define CKM_SM3_SM2_APPID1 0x80008102UL
#define CKM_SM3_SM2_APPID1_DER 0x80008103UL
#define CKM_SM2_SIGN 0x80008104UL
#define CKM_SM2_SIGN_NO_DER 0x80008105UL
#define CKM_IBM_SM2 0x8005000BUL
#define CKM_IBM_SM2_SM3 0x8005000CUL

#define MAX_SLOTS 8
#define MAX_SESSIONS 64
#define MAX_ATTRS 24
#define MAX_PIN_LEN 32
#define DER_SIG_MAX 72
#define DATA_MAGIC "#sm2testtoken-data\n"

enum { IN_E, IN_MSG, IN_HASH };
enum { OUT_RAW, OUT_DER };
enum { PROFILE_A = 1, PROFILE_B = 2 };

typedef struct {
  CK_MECHANISM_TYPE type;
  int profiles; /* bit mask of PROFILE_* */
  int key_kind; /* TT_KEY_SM2 / TT_KEY_P256 */
  int input;
  int output;
} mech_t;

static const mech_t MECHS[] = {
  {CKM_SM3_SM2_APPID1, PROFILE_A, TT_KEY_SM2, IN_MSG, OUT_RAW},
  {CKM_SM3_SM2_APPID1_DER, PROFILE_A, TT_KEY_SM2, IN_MSG, OUT_DER},
  {CKM_SM2_SIGN, PROFILE_A, TT_KEY_SM2, IN_E, OUT_DER},
  {CKM_SM2_SIGN_NO_DER, PROFILE_A, TT_KEY_SM2, IN_E, OUT_RAW},
  {CKM_IBM_SM2, PROFILE_B, TT_KEY_SM2, IN_E, OUT_RAW},
  {CKM_IBM_SM2_SM3, PROFILE_B, TT_KEY_SM2, IN_MSG, OUT_RAW},
  {CKM_ECDSA, PROFILE_A | PROFILE_B, TT_KEY_P256, IN_HASH, OUT_RAW},
};
#define NMECHS (sizeof MECHS / sizeof MECHS[0])

/* DER OIDs for CKA_EC_PARAMS: sm2p256v1 1.2.156.10197.1.301 and prime256v1 1.2.840.10045.3.1.7 */
static const unsigned char OID_SM2[] = {0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D};
static const unsigned char OID_P256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};

/* ---------------------------------------------------------------- state */

typedef struct {
  CK_ATTRIBUTE_TYPE type;
  unsigned char *val;
  CK_ULONG len;
  int sensitive;
} attr_t;

typedef struct {
  CK_OBJECT_HANDLE handle;
  int slot;
  CK_OBJECT_CLASS cls;
  int is_private;
  int key_kind;
  EVP_PKEY *pkey; /* private-key objects only */
  char path[TT_PATH_MAX]; /* data objects only: backing file */
  attr_t attrs[MAX_ATTRS];
  int nattrs;
} obj_t;

typedef struct {
  char dir[TT_PATH_MAX];
  tt_conf conf;
  int profile;
  int present;
  unsigned gen; /* bumped on every removal: sessions of an older generation are dead */
  int event_pending;
  long logged_in; /* -1 none, CKU_USER, CKU_SO */
} slot_t;

typedef struct {
  int used;
  CK_SESSION_HANDLE h;
  int slot;
  unsigned gen;
  int rw;
  /* find */
  int find_active;
  CK_OBJECT_HANDLE *found;
  CK_ULONG nfound, pos;
  /* sign */
  int sign_active;
  const mech_t *mech;
  CK_OBJECT_HANDLE key;
  int multipart;
  unsigned char *acc;
  size_t acclen, acccap;
  unsigned char cached[DER_SIG_MAX];
  size_t cachedlen;
  int has_cached;
} sess_t;

static struct {
  pthread_mutex_t mu;
  int initialized;
  int nslots;
  slot_t slots[MAX_SLOTS];
  obj_t **objs;
  size_t nobjs, capobjs;
  CK_OBJECT_HANDLE next_obj;
  sess_t sessions[MAX_SESSIONS];
  CK_SESSION_HANDLE next_session;
  unsigned data_seq;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

#define LOCK() pthread_mutex_lock(&g.mu)
#define UNLOCK() pthread_mutex_unlock(&g.mu)

/* ---------------------------------------------------------------- small helpers */

static void pad(CK_UTF8CHAR *dst, size_t n, const char *src) {
  memset(dst, ' ', n);
  size_t l = strlen(src);
  if (l > n) {
    l = n;
    while (l > 0 && ((unsigned char)src[l] & 0xC0) == 0x80) l--; /* keep UTF-8 whole */
  }
  memcpy(dst, src, l);
}

static void path_join(char *out, const char *dir, const char *name) {
  int n = snprintf(out, TT_PATH_MAX, "%s/%s", dir, name);
  if (n < 0 || n >= TT_PATH_MAX) out[0] = '\0'; /* too long: open() will fail cleanly */
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* ---------------------------------------------------------------- objects */

static int add_attr(obj_t *o, CK_ATTRIBUTE_TYPE t, const void *v, size_t len, int sensitive) {
  if (o->nattrs >= MAX_ATTRS) return -1;
  unsigned char *copy = malloc(len ? len : 1);
  if (!copy) return -1;
  if (len) memcpy(copy, v, len);
  o->attrs[o->nattrs++] = (attr_t){t, copy, len, sensitive};
  return 0;
}

static int add_ulong(obj_t *o, CK_ATTRIBUTE_TYPE t, CK_ULONG v) { return add_attr(o, t, &v, sizeof v, 0); }
static int add_bool(obj_t *o, CK_ATTRIBUTE_TYPE t, int v) {
  CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
  return add_attr(o, t, &b, 1, 0);
}

static const attr_t *find_attr(const obj_t *o, CK_ATTRIBUTE_TYPE t) {
  for (int i = 0; i < o->nattrs; i++)
    if (o->attrs[i].type == t) return &o->attrs[i];
  return NULL;
}

static void free_obj(obj_t *o) {
  if (!o) return;
  for (int i = 0; i < o->nattrs; i++) {
    OPENSSL_cleanse(o->attrs[i].val, o->attrs[i].len);
    free(o->attrs[i].val);
  }
  EVP_PKEY_free(o->pkey);
  free(o);
}

static obj_t *new_obj(int slot, CK_OBJECT_CLASS cls, int is_private) {
  if (g.nobjs == g.capobjs) {
    size_t nc = g.capobjs ? g.capobjs * 2 : 32;
    obj_t **n = realloc(g.objs, nc * sizeof *n);
    if (!n) return NULL;
    g.objs = n;
    g.capobjs = nc;
  }
  obj_t *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->handle = g.next_obj++;
  o->slot = slot;
  o->cls = cls;
  o->is_private = is_private;
  g.objs[g.nobjs++] = o;
  add_ulong(o, CKA_CLASS, cls);
  add_bool(o, CKA_TOKEN, 1);
  add_bool(o, CKA_PRIVATE, is_private);
  return o;
}

static void remove_obj_at(size_t i) {
  free_obj(g.objs[i]);
  memmove(&g.objs[i], &g.objs[i + 1], (g.nobjs - i - 1) * sizeof g.objs[0]);
  g.nobjs--;
}

static void unload_slot_objects(int slot) {
  for (size_t i = g.nobjs; i-- > 0;)
    if (g.objs[i]->slot == slot) remove_obj_at(i);
}

static obj_t *get_obj(CK_OBJECT_HANDLE h) {
  for (size_t i = 0; i < g.nobjs; i++)
    if (g.objs[i]->handle == h) return g.objs[i];
  return NULL;
}

static CK_KEY_TYPE sm2_key_type(const slot_t *t) {
  const char *kt = tt_conf_get(&t->conf, "sm2KeyType", "vendor");
  if (strcmp(kt, "ec") == 0) return CKK_EC;
  return t->profile == PROFILE_B ? CKK_IBM_SM2 : CKK_SM2;
}

/* Loads NAME.key.pem (+ NAME.cert.der | NAME.cert.pem): private key, public key, certificate.
 * CKA_ID and CKA_LABEL are both NAME (bytes). */
static void load_key_pair(int slot, const char *base) {
  slot_t *t = &g.slots[slot];
  char p[TT_PATH_MAX], name[600];
  if (strlen(base) > 500) return;
  snprintf(name, sizeof name, "%.500s.key.pem", base);
  path_join(p, t->dir, name);
  EVP_PKEY *k = tt_load_private_key(p);
  int kind = tt_key_kind(k);
  if (kind == TT_KEY_OTHER) { EVP_PKEY_free(k); return; }
  unsigned char x[32], y[32];
  if (tt_pub_xy(k, x, y) != 0) { EVP_PKEY_free(k); return; }
  unsigned char point[67] = {0x04, 0x41, 0x04};
  memcpy(point + 3, x, 32);
  memcpy(point + 35, y, 32);
  const unsigned char *oid = kind == TT_KEY_SM2 ? OID_SM2 : OID_P256;
  int with_params = kind != TT_KEY_SM2 || tt_conf_get_long(&t->conf, "sm2EcParams", 1) != 0;
  CK_KEY_TYPE kt = kind == TT_KEY_SM2 ? sm2_key_type(t) : CKK_EC;
  size_t blen = strlen(base);

  /* certificate */
  unsigned char *der = NULL, *subj = NULL;
  size_t derlen = 0;
  int subjlen = 0;
  snprintf(name, sizeof name, "%.500s.cert.der", base);
  path_join(p, t->dir, name);
  if (tt_load_cert_der(p, &der, &derlen) != 0) {
    snprintf(name, sizeof name, "%.500s.cert.pem", base);
    path_join(p, t->dir, name);
    if (tt_load_cert_der(p, &der, &derlen) != 0) der = NULL;
  }
  if (der) {
    const unsigned char *q = der;
    X509 *x509 = d2i_X509(NULL, &q, (long)derlen);
    if (x509) {
      obj_t *c = new_obj(slot, CKO_CERTIFICATE, 0);
      if (c) {
        unsigned char *iss = NULL, *ser = NULL;
        subjlen = i2d_X509_NAME(X509_get_subject_name(x509), &subj);
        int isslen = i2d_X509_NAME(X509_get_issuer_name(x509), &iss);
        int serlen = i2d_ASN1_INTEGER((ASN1_INTEGER *)X509_get0_serialNumber(x509), &ser);
        add_bool(c, CKA_MODIFIABLE, 0);
        add_attr(c, CKA_LABEL, base, blen, 0);
        add_attr(c, CKA_ID, base, blen, 0);
        add_ulong(c, CKA_CERTIFICATE_TYPE, CKC_X_509);
        add_bool(c, CKA_TRUSTED, 0);
        add_ulong(c, CKA_CERTIFICATE_CATEGORY, 0);
        if (subjlen > 0) add_attr(c, CKA_SUBJECT, subj, (size_t)subjlen, 0);
        if (isslen > 0) add_attr(c, CKA_ISSUER, iss, (size_t)isslen, 0);
        if (serlen > 0) add_attr(c, CKA_SERIAL_NUMBER, ser, (size_t)serlen, 0);
        add_attr(c, CKA_VALUE, der, derlen, 0);
        OPENSSL_free(iss);
        OPENSSL_free(ser);
      }
      X509_free(x509);
    }
    free(der);
  }

  obj_t *pub = new_obj(slot, CKO_PUBLIC_KEY, 0);
  if (pub) {
    add_bool(pub, CKA_MODIFIABLE, 0);
    add_attr(pub, CKA_LABEL, base, blen, 0);
    add_attr(pub, CKA_ID, base, blen, 0);
    add_ulong(pub, CKA_KEY_TYPE, kt);
    if (subj && subjlen > 0) add_attr(pub, CKA_SUBJECT, subj, (size_t)subjlen, 0);
    add_bool(pub, CKA_VERIFY, 1);
    add_bool(pub, CKA_ENCRYPT, 0);
    add_bool(pub, CKA_WRAP, 0);
    add_bool(pub, CKA_DERIVE, 0);
    add_bool(pub, CKA_LOCAL, 0);
    if (with_params) add_attr(pub, CKA_EC_PARAMS, oid, sizeof OID_SM2, 0);
    add_attr(pub, CKA_EC_POINT, point, sizeof point, 0);
  }
  obj_t *priv = new_obj(slot, CKO_PRIVATE_KEY, 1);
  if (priv) {
    priv->key_kind = kind;
    priv->pkey = k;
    k = NULL;
    add_bool(priv, CKA_MODIFIABLE, 0);
    add_attr(priv, CKA_LABEL, base, blen, 0);
    add_attr(priv, CKA_ID, base, blen, 0);
    add_ulong(priv, CKA_KEY_TYPE, kt);
    if (subj && subjlen > 0) add_attr(priv, CKA_SUBJECT, subj, (size_t)subjlen, 0);
    add_bool(priv, CKA_SENSITIVE, 1);
    add_bool(priv, CKA_ALWAYS_SENSITIVE, 1);
    add_bool(priv, CKA_EXTRACTABLE, 0);
    add_bool(priv, CKA_NEVER_EXTRACTABLE, 1);
    add_bool(priv, CKA_SIGN, 1);
    add_bool(priv, CKA_SIGN_RECOVER, 0);
    add_bool(priv, CKA_DECRYPT, 0);
    add_bool(priv, CKA_UNWRAP, 0);
    add_bool(priv, CKA_DERIVE, 0);
    add_bool(priv, CKA_LOCAL, 0);
    add_bool(priv, CKA_ALWAYS_AUTHENTICATE, 0);
    if (with_params) add_attr(priv, CKA_EC_PARAMS, oid, sizeof OID_SM2, 0);
    add_attr(priv, CKA_VALUE, "", 0, 1); /* exists but CKR_ATTRIBUTE_SENSITIVE */
  }
  OPENSSL_free(subj);
  EVP_PKEY_free(k);
}

/* Decodes "hex" into a malloc'ed buffer; returns length or -1. */
static long unhex(const char *s, unsigned char **out) {
  size_t n = strlen(s);
  if (n % 2) return -1;
  unsigned char *b = malloc(n / 2 + 1);
  if (!b) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) { free(b); return -1; }
    b[i] = (unsigned char)(hi << 4 | lo);
  }
  *out = b;
  return (long)(n / 2);
}

/* A *.data file is either a raw value (label = file name without ".data"), or starts with
 * the line "#sm2testtoken-data", then key=value header lines (label, application, private,
 * or label.hex / application.hex / objectId.hex), an empty line, and the raw value. */
static void load_data_object(int slot, const char *fname) {
  slot_t *t = &g.slots[slot];
  char p[TT_PATH_MAX];
  path_join(p, t->dir, fname);
  unsigned char *buf;
  size_t len;
  if (tt_read_file(p, &buf, &len) != 0) return;
  char label[256];
  snprintf(label, sizeof label, "%.*s", (int)(strlen(fname) - 5), fname);
  const unsigned char *value = buf;
  size_t vlen = len;
  unsigned char *lab = NULL, *app = NULL, *oid = NULL;
  long lablen = -1, applen = -1, oidlen = -1;
  int priv = 0;
  size_t ml = strlen(DATA_MAGIC);
  if (len >= ml && memcmp(buf, DATA_MAGIC, ml) == 0) {
    size_t pos = ml;
    while (pos < len) {
      unsigned char *nl = memchr(buf + pos, '\n', len - pos);
      size_t end = nl ? (size_t)(nl - buf) : len;
      if (end == pos) { pos = end + 1; break; } /* empty line: value follows */
      char line[8192];
      snprintf(line, sizeof line, "%.*s", (int)(end - pos), (const char *)buf + pos);
      char *eq = strchr(line, '=');
      if (eq) {
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (strcmp(k, "label") == 0) { free(lab); lab = (unsigned char *)strdup(v); lablen = lab ? (long)strlen(v) : -1; }
        else if (strcmp(k, "application") == 0) { free(app); app = (unsigned char *)strdup(v); applen = app ? (long)strlen(v) : -1; }
        else if (strcmp(k, "label.hex") == 0) { free(lab); lablen = unhex(v, &lab); }
        else if (strcmp(k, "application.hex") == 0) { free(app); applen = unhex(v, &app); }
        else if (strcmp(k, "objectId.hex") == 0) { free(oid); oidlen = unhex(v, &oid); }
        else if (strcmp(k, "private") == 0) priv = atoi(v) != 0;
      }
      pos = end + 1;
    }
    if (pos > len) pos = len;
    value = buf + pos;
    vlen = len - pos;
  }
  obj_t *o = new_obj(slot, CKO_DATA, priv);
  if (o) {
    snprintf(o->path, sizeof o->path, "%s", p);
    add_bool(o, CKA_MODIFIABLE, 1);
    if (lablen >= 0) add_attr(o, CKA_LABEL, lab, (size_t)lablen, 0);
    else add_attr(o, CKA_LABEL, label, strlen(label), 0);
    if (applen >= 0) add_attr(o, CKA_APPLICATION, app, (size_t)applen, 0);
    else add_attr(o, CKA_APPLICATION, "", 0, 0);
    if (oidlen >= 0) add_attr(o, CKA_OBJECT_ID, oid, (size_t)oidlen, 0);
    add_attr(o, CKA_VALUE, value, vlen, 0);
  }
  free(lab);
  free(app);
  free(oid);
  free(buf);
}

static void load_slot_objects(int slot) {
  slot_t *t = &g.slots[slot];
  struct dirent **list = NULL;
  int n = scandir(t->dir, &list, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    const char *nm = list[i]->d_name;
    if (nm[0] != '.') {
      if (ends_with(nm, ".key.pem") && strlen(nm) < 500) {
        char base[512];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(nm) - 8), nm);
        load_key_pair(slot, base);
      } else if (ends_with(nm, ".data") && strlen(nm) > 5) {
        load_data_object(slot, nm);
      }
    }
    free(list[i]);
  }
  free(list);
}

/* ---------------------------------------------------------------- slots, presence, PIN */

static void slot_pin_path(const slot_t *t, int so, char *out) {
  path_join(out, t->dir, so ? "so-pin.state" : "pin.state");
}

static void slot_pin_load(const slot_t *t, int so, tt_pin *pin) {
  char p[TT_PATH_MAX];
  slot_pin_path(t, so, p);
  tt_pin_load(pin, p, tt_conf_get(&t->conf, so ? "soPin" : "pin", so ? "12345678" : "123456"),
              tt_conf_get_long(&t->conf, so ? "maxSoPinRetries" : "maxPinRetries", so ? 10 : 6));
}

static int slot_read_conf(slot_t *t) {
  char p[TT_PATH_MAX];
  path_join(p, t->dir, "token.conf");
  if (tt_conf_load(p, &t->conf) != 0) return -1;
  t->profile = strcmp(tt_conf_get(&t->conf, "profile", "A"), "B") == 0 ? PROFILE_B : PROFILE_A;
  return 0;
}

static int slot_present_now(slot_t *t) {
  char p[TT_PATH_MAX];
  path_join(p, t->dir, "removed");
  if (tt_file_exists(p)) return 0;
  path_join(p, t->dir, "token.conf");
  return tt_file_exists(p);
}

static void free_session(sess_t *s) {
  free(s->found);
  if (s->acc) OPENSSL_cleanse(s->acc, s->acccap);
  free(s->acc);
  memset(s, 0, sizeof *s);
}

/* Compare the control files with what we saw last time; a change is a slot event. */
static void poll_slot(int i) {
  slot_t *t = &g.slots[i];
  int now = slot_present_now(t);
  if (now == t->present) return;
  if (!now) {
    t->gen++;
    t->logged_in = -1;
    unload_slot_objects(i);
  } else {
    unload_slot_objects(i);
    if (slot_read_conf(t) == 0) load_slot_objects(i);
    else now = 0;
  }
  if (now != t->present) t->event_pending = 1;
  t->present = now;
}

static void poll_all(void) {
  for (int i = 0; i < g.nslots; i++) poll_slot(i);
}

static CK_RV check_slot(CK_SLOT_ID id, slot_t **out, int need_token) {
  if (!g.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (id < 1 || id > (CK_SLOT_ID)g.nslots) return CKR_SLOT_ID_INVALID;
  poll_slot((int)id - 1);
  slot_t *t = &g.slots[id - 1];
  if (need_token && !t->present) return CKR_TOKEN_NOT_PRESENT;
  *out = t;
  return CKR_OK;
}

static int slot_session_count(int slot, int rw_only) {
  int n = 0;
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (g.sessions[i].used && g.sessions[i].slot == slot && (!rw_only || g.sessions[i].rw)) n++;
  return n;
}

static void close_session(sess_t *s) {
  int slot = s->slot;
  free_session(s);
  if (slot_session_count(slot, 0) == 0) g.slots[slot].logged_in = -1; /* last session closed: logout */
}

/* Session lookup for every session-based call: a session whose token went away answers
 * CKR_DEVICE_REMOVED once and is then gone (later calls: CKR_SESSION_HANDLE_INVALID). */
static CK_RV get_session(CK_SESSION_HANDLE h, sess_t **out) {
  if (!g.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  sess_t *s = NULL;
  for (int i = 0; i < MAX_SESSIONS && h != CK_INVALID_HANDLE; i++)
    if (g.sessions[i].used && g.sessions[i].h == h) s = &g.sessions[i];
  if (!s) return CKR_SESSION_HANDLE_INVALID;
  poll_slot(s->slot);
  slot_t *t = &g.slots[s->slot];
  if (!t->present || s->gen != t->gen) {
    close_session(s);
    return CKR_DEVICE_REMOVED;
  }
  *out = s;
  return CKR_OK;
}

static int obj_visible(const obj_t *o, const sess_t *s) {
  if (o->slot != s->slot) return 0;
  return !o->is_private || g.slots[s->slot].logged_in == (long)CKU_USER;
}

static CK_FLAGS pin_flags(const tt_pin *p, int so) {
  CK_FLAGS f = 0;
  if (p->retries == 0) f |= so ? CKF_SO_PIN_LOCKED : CKF_USER_PIN_LOCKED;
  else {
    if (p->retries < p->max_retries) f |= so ? CKF_SO_PIN_COUNT_LOW : CKF_USER_PIN_COUNT_LOW;
    if (p->retries == 1) f |= so ? CKF_SO_PIN_FINAL_TRY : CKF_USER_PIN_FINAL_TRY;
  }
  return f;
}

/* Reads the PIN "typed on the PIN pad" from a control file; NULL if the user "cancelled". */
static int pinpad_read(const slot_t *t, const char *file, unsigned char *out, size_t *len) {
  char p[TT_PATH_MAX];
  unsigned char *buf;
  size_t n;
  path_join(p, t->dir, file);
  if (tt_read_file(p, &buf, &n) != 0) return -1;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
  if (n > MAX_PIN_LEN) n = MAX_PIN_LEN;
  memcpy(out, buf, n);
  *len = n;
  OPENSSL_cleanse(buf, n);
  free(buf);
  return 0;
}

/* Checks a PIN against the persisted state, updating the retry counter. */
static CK_RV pin_check(slot_t *t, int so, const unsigned char *pin, size_t len) {
  tt_pin st;
  char p[TT_PATH_MAX];
  slot_pin_load(t, so, &st);
  slot_pin_path(t, so, p);
  if (st.retries == 0) return CKR_PIN_LOCKED;
  if (!tt_pin_matches(&st, pin, len)) {
    st.retries--;
    if (tt_pin_save(&st, p) != 0) return CKR_DEVICE_ERROR;
    return st.retries == 0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT;
  }
  if (st.retries != st.max_retries) {
    st.retries = st.max_retries;
    if (tt_pin_save(&st, p) != 0) return CKR_DEVICE_ERROR;
  }
  return CKR_OK;
}

static CK_RV pin_set(slot_t *t, int so, const unsigned char *pin, size_t len) {
  tt_pin st;
  char p[TT_PATH_MAX];
  long minlen = tt_conf_get_long(&t->conf, "minPinLen", 4);
  if ((long)len < minlen || len > MAX_PIN_LEN) return CKR_PIN_LEN_RANGE;
  slot_pin_load(t, so, &st);
  slot_pin_path(t, so, p);
  tt_pin_hash(pin, len, st.hash);
  st.retries = st.max_retries;
  return tt_pin_save(&st, p) == 0 ? CKR_OK : CKR_DEVICE_ERROR;
}

/* ---------------------------------------------------------------- general functions */

static CK_FUNCTION_LIST function_list;

CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  CK_RV rv = CKR_OK;
  if (pInitArgs) {
    CK_C_INITIALIZE_ARGS *a = pInitArgs;
    int nfn = !!a->CreateMutex + !!a->DestroyMutex + !!a->LockMutex + !!a->UnlockMutex;
    if (a->pReserved || (nfn != 0 && nfn != 4)) return CKR_ARGUMENTS_BAD;
    if (nfn == 4 && !(a->flags & CKF_OS_LOCKING_OK)) return CKR_CANT_LOCK;
  }
  LOCK();
  if (g.initialized) { rv = CKR_CRYPTOKI_ALREADY_INITIALIZED; goto out; }
  memset(g.slots, 0, sizeof g.slots);
  memset(g.sessions, 0, sizeof g.sessions);
  g.nslots = 0;
  g.next_obj = 1;
  if (g.next_session == 0) g.next_session = 1; /* handles stay unique across re-initialisation */
  const char *env = getenv("SM2TESTTOKEN_DIR");
  if (env && *env) {
    char *copy = strdup(env), *save = NULL;
    if (!copy) { rv = CKR_HOST_MEMORY; goto out; }
    for (char *d = strtok_r(copy, ":", &save); d && g.nslots < MAX_SLOTS; d = strtok_r(NULL, ":", &save)) {
      slot_t *t = &g.slots[g.nslots];
      snprintf(t->dir, sizeof t->dir, "%s", d);
      t->logged_in = -1;
      t->present = 0;
      t->gen = 1;
      poll_slot(g.nslots);
      t->event_pending = 0; /* the state at initialisation is not an event */
      g.nslots++;
    }
    free(copy);
  }
  g.initialized = 1;
out:
  UNLOCK();
  return rv;
}

CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  if (pReserved) return CKR_ARGUMENTS_BAD;
  LOCK();
  CK_RV rv = CKR_OK;
  if (!g.initialized) rv = CKR_CRYPTOKI_NOT_INITIALIZED;
  else {
    for (int i = 0; i < MAX_SESSIONS; i++)
      if (g.sessions[i].used) free_session(&g.sessions[i]);
    while (g.nobjs) remove_obj_at(g.nobjs - 1);
    free(g.objs);
    g.objs = NULL;
    g.capobjs = 0;
    g.nslots = 0;
    g.initialized = 0;
  }
  UNLOCK();
  return rv;
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  if (!g.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  memset(pInfo, 0, sizeof *pInfo);
  pInfo->cryptokiVersion = (CK_VERSION){2, 40};
  pad(pInfo->manufacturerID, 32, "ESeal test tokens");
  pad(pInfo->libraryDescription, 32, "SM2 test token (TEST ONLY)");
  pInfo->libraryVersion = (CK_VERSION){0, 1};
  return CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (!ppFunctionList) return CKR_ARGUMENTS_BAD;
  *ppFunctionList = &function_list;
  return CKR_OK;
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  LOCK();
  CK_RV rv = CKR_OK;
  if (!g.initialized) { rv = CKR_CRYPTOKI_NOT_INITIALIZED; goto out; }
  poll_all();
  CK_SLOT_ID ids[MAX_SLOTS];
  CK_ULONG n = 0;
  for (int i = 0; i < g.nslots; i++)
    if (!tokenPresent || g.slots[i].present) ids[n++] = (CK_SLOT_ID)i + 1;
  if (pSlotList) {
    if (*pulCount < n) rv = CKR_BUFFER_TOO_SMALL;
    else memcpy(pSlotList, ids, n * sizeof ids[0]);
  }
  *pulCount = n;
out:
  UNLOCK();
  return rv;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  LOCK();
  slot_t *t;
  CK_RV rv = check_slot(slotID, &t, 0);
  if (rv == CKR_OK) {
    memset(pInfo, 0, sizeof *pInfo);
    char desc[64];
    snprintf(desc, sizeof desc, "ESeal SM2 test slot %lu", slotID);
    pad(pInfo->slotDescription, 64, desc);
    pad(pInfo->manufacturerID, 32, "ESeal test tokens");
    pInfo->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (t->present ? CKF_TOKEN_PRESENT : 0);
    pInfo->hardwareVersion = (CK_VERSION){1, 0};
    pInfo->firmwareVersion = (CK_VERSION){1, 0};
  }
  UNLOCK();
  return rv;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  LOCK();
  slot_t *t;
  CK_RV rv = check_slot(slotID, &t, 1);
  if (rv == CKR_OK) {
    memset(pInfo, 0, sizeof *pInfo);
    tt_pin up, sp;
    slot_pin_load(t, 0, &up);
    slot_pin_load(t, 1, &sp);
    pad(pInfo->label, 32, tt_conf_get(&t->conf, "label", "ESeal SM2 Test"));
    pad(pInfo->manufacturerID, 32, tt_conf_get(&t->conf, "manufacturer", "ESeal Test"));
    pad(pInfo->model, 16, t->profile == PROFILE_B ? "SM2TT-B" : "SM2TT-A");
    pad(pInfo->serialNumber, 16, tt_conf_get(&t->conf, "serial", "0000000000000001"));
    pInfo->flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED | pin_flags(&up, 0) |
                   pin_flags(&sp, 1);
    if (tt_conf_get_long(&t->conf, "pinpad", 0)) pInfo->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
    int idx = (int)(t - g.slots);
    pInfo->ulMaxSessionCount = MAX_SESSIONS;
    pInfo->ulSessionCount = (CK_ULONG)slot_session_count(idx, 0);
    pInfo->ulMaxRwSessionCount = MAX_SESSIONS;
    pInfo->ulRwSessionCount = (CK_ULONG)slot_session_count(idx, 1);
    pInfo->ulMaxPinLen = MAX_PIN_LEN;
    pInfo->ulMinPinLen = (CK_ULONG)tt_conf_get_long(&t->conf, "minPinLen", 4);
    pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->hardwareVersion = (CK_VERSION){1, 0};
    pInfo->firmwareVersion = (CK_VERSION){1, 0};
    memset(pInfo->utcTime, ' ', 16);
  }
  UNLOCK();
  return rv;
}

static const mech_t *mech_for(const slot_t *t, CK_MECHANISM_TYPE type) {
  for (size_t i = 0; i < NMECHS; i++)
    if (MECHS[i].type == type && (MECHS[i].profiles & t->profile)) return &MECHS[i];
  return NULL;
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount) {
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  LOCK();
  slot_t *t;
  CK_RV rv = check_slot(slotID, &t, 1);
  if (rv == CKR_OK) {
    CK_ULONG n = 0;
    for (size_t i = 0; i < NMECHS; i++)
      if (MECHS[i].profiles & t->profile) {
        if (pMechanismList && n < *pulCount) pMechanismList[n] = MECHS[i].type;
        n++;
      }
    if (pMechanismList && *pulCount < n) rv = CKR_BUFFER_TOO_SMALL;
    *pulCount = n;
  }
  UNLOCK();
  return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  LOCK();
  slot_t *t;
  CK_RV rv = check_slot(slotID, &t, 1);
  if (rv == CKR_OK) {
    const mech_t *m = mech_for(t, type);
    if (!m) rv = CKR_MECHANISM_INVALID;
    else {
      pInfo->ulMinKeySize = 256;
      pInfo->ulMaxKeySize = 256;
      pInfo->flags = CKF_HW | CKF_SIGN;
      if (m->key_kind == TT_KEY_P256) pInfo->flags |= CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
    }
  }
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- sessions */

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
                    CK_SESSION_HANDLE_PTR phSession) {
  (void)pApplication;
  (void)Notify; /* callbacks are never made */
  if (!phSession) return CKR_ARGUMENTS_BAD;
  LOCK();
  slot_t *t;
  CK_RV rv = check_slot(slotID, &t, 1);
  if (rv != CKR_OK) goto out;
  if (!(flags & CKF_SERIAL_SESSION)) { rv = CKR_SESSION_PARALLEL_NOT_SUPPORTED; goto out; }
  if (!(flags & CKF_RW_SESSION) && t->logged_in == (long)CKU_SO) { rv = CKR_SESSION_READ_WRITE_SO_EXISTS; goto out; }
  sess_t *s = NULL;
  for (int i = 0; i < MAX_SESSIONS && !s; i++)
    if (!g.sessions[i].used) s = &g.sessions[i];
  if (!s) { rv = CKR_SESSION_COUNT; goto out; }
  memset(s, 0, sizeof *s);
  s->used = 1;
  s->h = g.next_session++;
  s->slot = (int)(t - g.slots);
  s->gen = t->gen;
  s->rw = (flags & CKF_RW_SESSION) != 0;
  *phSession = s->h;
out:
  UNLOCK();
  return rv;
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv == CKR_OK) close_session(s);
  else if (rv == CKR_DEVICE_REMOVED) rv = CKR_OK; /* closing a dead session just frees it */
  UNLOCK();
  return rv;
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  LOCK();
  slot_t *t;
  CK_RV rv = check_slot(slotID, &t, 0);
  if (rv == CKR_OK) {
    int idx = (int)(t - g.slots);
    for (int i = 0; i < MAX_SESSIONS; i++)
      if (g.sessions[i].used && g.sessions[i].slot == idx) free_session(&g.sessions[i]);
    t->logged_in = -1;
  }
  UNLOCK();
  return rv;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv == CKR_OK && !pInfo) rv = CKR_ARGUMENTS_BAD;
  if (rv == CKR_OK) {
    long li = g.slots[s->slot].logged_in;
    pInfo->slotID = (CK_SLOT_ID)s->slot + 1;
    pInfo->flags = CKF_SERIAL_SESSION | (s->rw ? CKF_RW_SESSION : 0);
    pInfo->ulDeviceError = 0;
    if (li == (long)CKU_SO) pInfo->state = CKS_RW_SO_FUNCTIONS;
    else if (li == (long)CKU_USER) pInfo->state = s->rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    else pInfo->state = s->rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
  }
  UNLOCK();
  return rv;
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  slot_t *t = &g.slots[s->slot];
  if (userType == CKU_CONTEXT_SPECIFIC) { rv = CKR_OPERATION_NOT_INITIALIZED; goto out; }
  if (userType != CKU_USER && userType != CKU_SO) { rv = CKR_USER_TYPE_INVALID; goto out; }
  if (t->logged_in == (long)userType) { rv = CKR_USER_ALREADY_LOGGED_IN; goto out; }
  if (t->logged_in != -1) { rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN; goto out; }
  if (userType == CKU_SO && slot_session_count(s->slot, 0) != slot_session_count(s->slot, 1)) {
    rv = CKR_SESSION_READ_ONLY_EXISTS;
    goto out;
  }
  unsigned char pad_pin[MAX_PIN_LEN];
  size_t plen = 0;
  const unsigned char *pin = pPin;
  int pinpad = tt_conf_get_long(&t->conf, "pinpad", 0) != 0;
  /* PIN pad: NULL (or, as bindings such as pkcs11js send, an empty) PIN = "typed on the pad". */
  if (!pPin || (pinpad && ulPinLen == 0)) {
    if (!pinpad) { rv = CKR_ARGUMENTS_BAD; goto out; }
    if (pinpad_read(t, "pinpad-input", pad_pin, &plen) != 0) { rv = CKR_FUNCTION_CANCELED; goto out; }
    pin = pad_pin;
  } else {
    plen = ulPinLen;
  }
  rv = pin_check(t, userType == CKU_SO, pin, plen);
  OPENSSL_cleanse(pad_pin, sizeof pad_pin);
  if (rv == CKR_OK) t->logged_in = (long)userType;
out:
  UNLOCK();
  return rv;
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv == CKR_OK) {
    slot_t *t = &g.slots[s->slot];
    if (t->logged_in == -1) rv = CKR_USER_NOT_LOGGED_IN;
    else t->logged_in = -1;
  }
  UNLOCK();
  return rv;
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  slot_t *t = &g.slots[s->slot];
  if (t->logged_in != (long)CKU_SO) { rv = CKR_USER_NOT_LOGGED_IN; goto out; }
  if (!s->rw) { rv = CKR_SESSION_READ_ONLY; goto out; }
  if (!pPin) { rv = CKR_ARGUMENTS_BAD; goto out; }
  rv = pin_set(t, 0, pPin, ulPinLen);
out:
  UNLOCK();
  return rv;
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin,
               CK_ULONG ulNewLen) {
  LOCK();
  sess_t *s;
  unsigned char oldbuf[MAX_PIN_LEN], newbuf[MAX_PIN_LEN];
  size_t ol = ulOldLen, nl = ulNewLen;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  slot_t *t = &g.slots[s->slot];
  if (!s->rw) { rv = CKR_SESSION_READ_ONLY; goto out; }
  int so = t->logged_in == (long)CKU_SO;
  const unsigned char *op = pOldPin, *np = pNewPin;
  int pinpad = tt_conf_get_long(&t->conf, "pinpad", 0) != 0;
  if (!pOldPin || !pNewPin || (pinpad && ulOldLen == 0 && ulNewLen == 0)) {
    if (!pinpad) { rv = CKR_ARGUMENTS_BAD; goto out; }
    if (pinpad_read(t, "pinpad-input", oldbuf, &ol) != 0 || pinpad_read(t, "pinpad-newpin", newbuf, &nl) != 0) {
      rv = CKR_FUNCTION_CANCELED;
      goto out;
    }
    op = oldbuf;
    np = newbuf;
  }
  long minlen = tt_conf_get_long(&t->conf, "minPinLen", 4);
  if ((long)nl < minlen || nl > MAX_PIN_LEN) { rv = CKR_PIN_LEN_RANGE; goto out; }
  rv = pin_check(t, so, op, ol);
  if (rv == CKR_OK) rv = pin_set(t, so, np, nl);
out:
  OPENSSL_cleanse(oldbuf, sizeof oldbuf);
  OPENSSL_cleanse(newbuf, sizeof newbuf);
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- objects API */

static CK_RV read_bool(const CK_ATTRIBUTE *a, int *out) {
  if (!a->pValue || a->ulValueLen != 1) return CKR_ATTRIBUTE_VALUE_INVALID;
  *out = *(const CK_BBOOL *)a->pValue != CK_FALSE;
  return CKR_OK;
}

static void hex_line(FILE *f, const char *key, const void *v, size_t n) {
  static const char hex[] = "0123456789abcdef";
  fprintf(f, "%s=", key);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = ((const unsigned char *)v)[i];
    fputc(hex[c >> 4], f);
    fputc(hex[c & 15], f);
  }
  fputc('\n', f);
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject) {
  LOCK();
  sess_t *s;
  char *mem = NULL;
  size_t memlen = 0;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  slot_t *t = &g.slots[s->slot];
  if (!phObject || (!pTemplate && ulCount)) { rv = CKR_ARGUMENTS_BAD; goto out; }
  if (!s->rw) { rv = CKR_SESSION_READ_ONLY; goto out; }
  const CK_ATTRIBUTE *label = NULL, *app = NULL, *value = NULL, *oid = NULL;
  int have_class = 0, priv = 0, token = 1, modifiable = 1;
  for (CK_ULONG i = 0; i < ulCount; i++) {
    const CK_ATTRIBUTE *a = &pTemplate[i];
    if (a->ulValueLen && !a->pValue) { rv = CKR_ATTRIBUTE_VALUE_INVALID; goto out; }
    switch (a->type) {
      case CKA_CLASS:
        if (a->ulValueLen != sizeof(CK_ULONG)) { rv = CKR_ATTRIBUTE_VALUE_INVALID; goto out; }
        if (*(const CK_ULONG *)a->pValue != CKO_DATA) { rv = CKR_ATTRIBUTE_VALUE_INVALID; goto out; }
        have_class = 1;
        break;
      case CKA_TOKEN: if ((rv = read_bool(a, &token)) != CKR_OK) goto out; break;
      case CKA_PRIVATE: if ((rv = read_bool(a, &priv)) != CKR_OK) goto out; break;
      case CKA_MODIFIABLE: if ((rv = read_bool(a, &modifiable)) != CKR_OK) goto out; break;
      case CKA_LABEL: label = a; break;
      case CKA_APPLICATION: app = a; break;
      case CKA_VALUE: value = a; break;
      case CKA_OBJECT_ID: oid = a; break;
      default: rv = CKR_ATTRIBUTE_TYPE_INVALID; goto out;
    }
  }
  if (!have_class) { rv = CKR_TEMPLATE_INCOMPLETE; goto out; }
  if (!token) { rv = CKR_TEMPLATE_INCONSISTENT; goto out; } /* only token objects are supported */
  if (priv && t->logged_in != (long)CKU_USER) { rv = CKR_USER_NOT_LOGGED_IN; goto out; }
  long maxdata = tt_conf_get_long(&t->conf, "maxDataBytes", 1L << 20);
  if (value && value->ulValueLen > (CK_ULONG)maxdata) { rv = CKR_DEVICE_MEMORY; goto out; }

  FILE *f = open_memstream(&mem, &memlen);
  if (!f) { rv = CKR_HOST_MEMORY; goto out; }
  fputs(DATA_MAGIC, f);
  if (label) hex_line(f, "label.hex", label->pValue, label->ulValueLen);
  if (app) hex_line(f, "application.hex", app->pValue, app->ulValueLen);
  if (oid) hex_line(f, "objectId.hex", oid->pValue, oid->ulValueLen);
  fprintf(f, "private=%d\n\n", priv);
  if (value && value->ulValueLen) fwrite(value->pValue, 1, value->ulValueLen, f);
  if (fclose(f) != 0) { rv = CKR_HOST_MEMORY; goto out; }
  char fname[128], p[TT_PATH_MAX];
  snprintf(fname, sizeof fname, "obj-%ld-%ld-%u.data", (long)time(NULL), (long)getpid(), ++g.data_seq);
  path_join(p, t->dir, fname);
  if (tt_write_file_atomic(p, (unsigned char *)mem, memlen) != 0) { rv = CKR_DEVICE_ERROR; goto out; }
  size_t before = g.nobjs;
  load_data_object(s->slot, fname);
  if (g.nobjs != before + 1) { rv = CKR_DEVICE_ERROR; goto out; }
  *phObject = g.objs[g.nobjs - 1]->handle;
out:
  free(mem);
  UNLOCK();
  return rv;
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  obj_t *o = get_obj(hObject);
  if (!o || !obj_visible(o, s)) { rv = CKR_OBJECT_HANDLE_INVALID; goto out; }
  if (!s->rw) { rv = CKR_SESSION_READ_ONLY; goto out; }
  if (o->cls != CKO_DATA) { rv = CKR_ACTION_PROHIBITED; goto out; }
  if (unlink(o->path) != 0) { rv = CKR_DEVICE_ERROR; goto out; }
  for (size_t i = 0; i < g.nobjs; i++)
    if (g.objs[i] == o) { remove_obj_at(i); break; }
out:
  UNLOCK();
  return rv;
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv == CKR_OK) {
    obj_t *o = get_obj(hObject);
    if (!o || !obj_visible(o, s)) rv = CKR_OBJECT_HANDLE_INVALID;
    else if (!pulSize) rv = CKR_ARGUMENTS_BAD;
    else *pulSize = CK_UNAVAILABLE_INFORMATION;
  }
  UNLOCK();
  return rv;
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                          CK_ULONG ulCount) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  obj_t *o = get_obj(hObject);
  if (!o || !obj_visible(o, s)) { rv = CKR_OBJECT_HANDLE_INVALID; goto out; }
  if (!pTemplate && ulCount) { rv = CKR_ARGUMENTS_BAD; goto out; }
  /* v2.40 §5.7 C_GetAttributeValue: process every attribute, report the last problem. */
  for (CK_ULONG i = 0; i < ulCount; i++) {
    CK_ATTRIBUTE *a = &pTemplate[i];
    const attr_t *v = find_attr(o, a->type);
    if (!v) { a->ulValueLen = CK_UNAVAILABLE_INFORMATION; rv = CKR_ATTRIBUTE_TYPE_INVALID; continue; }
    if (v->sensitive) { a->ulValueLen = CK_UNAVAILABLE_INFORMATION; rv = CKR_ATTRIBUTE_SENSITIVE; continue; }
    if (!a->pValue) { a->ulValueLen = v->len; continue; }
    if (a->ulValueLen < v->len) { a->ulValueLen = CK_UNAVAILABLE_INFORMATION; rv = CKR_BUFFER_TOO_SMALL; continue; }
    if (v->len) memcpy(a->pValue, v->val, v->len);
    a->ulValueLen = v->len;
  }
out:
  UNLOCK();
  return rv;
}

static int obj_matches(const obj_t *o, const CK_ATTRIBUTE *tpl, CK_ULONG n) {
  for (CK_ULONG i = 0; i < n; i++) {
    const attr_t *v = find_attr(o, tpl[i].type);
    if (!v || v->sensitive || v->len != tpl[i].ulValueLen) return 0;
    if (v->len && (!tpl[i].pValue || memcmp(v->val, tpl[i].pValue, v->len) != 0)) return 0;
  }
  return 1;
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  if (!pTemplate && ulCount) { rv = CKR_ARGUMENTS_BAD; goto out; }
  if (s->find_active) { rv = CKR_OPERATION_ACTIVE; goto out; }
  s->found = calloc(g.nobjs ? g.nobjs : 1, sizeof *s->found);
  if (!s->found) { rv = CKR_HOST_MEMORY; goto out; }
  s->nfound = s->pos = 0;
  for (size_t i = 0; i < g.nobjs; i++)
    if (obj_visible(g.objs[i], s) && obj_matches(g.objs[i], pTemplate, ulCount)) s->found[s->nfound++] = g.objs[i]->handle;
  s->find_active = 1;
out:
  UNLOCK();
  return rv;
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
                    CK_ULONG_PTR pulObjectCount) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  if (!phObject || !pulObjectCount) { rv = CKR_ARGUMENTS_BAD; goto out; }
  if (!s->find_active) { rv = CKR_OPERATION_NOT_INITIALIZED; goto out; }
  CK_ULONG n = 0;
  while (n < ulMaxObjectCount && s->pos < s->nfound) {
    CK_OBJECT_HANDLE h = s->found[s->pos++];
    obj_t *o = get_obj(h);
    if (o && obj_visible(o, s)) phObject[n++] = h; /* skip objects destroyed meanwhile */
  }
  *pulObjectCount = n;
out:
  UNLOCK();
  return rv;
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv == CKR_OK) {
    if (!s->find_active) rv = CKR_OPERATION_NOT_INITIALIZED;
    free(s->found);
    s->found = NULL;
    s->find_active = 0;
  }
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- signing */

static void sign_end(sess_t *s) {
  s->sign_active = 0;
  s->mech = NULL;
  s->multipart = 0;
  s->has_cached = 0;
  if (s->acc) OPENSSL_cleanse(s->acc, s->acccap);
  free(s->acc);
  s->acc = NULL;
  s->acclen = s->acccap = 0;
}

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  slot_t *t = &g.slots[s->slot];
  if (!pMechanism) { rv = CKR_ARGUMENTS_BAD; goto out; }
  if (s->sign_active) { rv = CKR_OPERATION_ACTIVE; goto out; }
  obj_t *o = get_obj(hKey);
  if (!o || o->slot != s->slot) { rv = CKR_KEY_HANDLE_INVALID; goto out; }
  if (o->is_private && t->logged_in != (long)CKU_USER) { rv = CKR_USER_NOT_LOGGED_IN; goto out; }
  if (o->cls != CKO_PRIVATE_KEY) { rv = o->cls == CKO_PUBLIC_KEY ? CKR_KEY_FUNCTION_NOT_PERMITTED : CKR_KEY_HANDLE_INVALID; goto out; }
  const mech_t *m = mech_for(t, pMechanism->mechanism);
  if (!m) { rv = CKR_MECHANISM_INVALID; goto out; }
  if (pMechanism->pParameter || pMechanism->ulParameterLen) { rv = CKR_MECHANISM_PARAM_INVALID; goto out; }
  if (m->key_kind != o->key_kind) { rv = CKR_KEY_TYPE_INCONSISTENT; goto out; }
  s->sign_active = 1;
  s->mech = m;
  s->key = hKey;
out:
  UNLOCK();
  return rv;
}

static size_t sig_max(const mech_t *m) { return m->output == OUT_DER ? DER_SIG_MAX : 64; }

/* Produces the signature for `data` into s->cached. */
static CK_RV do_sign(sess_t *s, const unsigned char *data, size_t len) {
  obj_t *o = get_obj(s->key);
  if (!o || !o->pkey) return CKR_KEY_HANDLE_INVALID;
  unsigned char der[DER_SIG_MAX + 8];
  size_t derlen = sizeof der;
  int r;
  switch (s->mech->input) {
    case IN_E:
      if (len != 32) return CKR_DATA_LEN_RANGE;
      r = tt_sm2_sign_e(o->pkey, data, len, der, &derlen);
      break;
    case IN_MSG:
      r = tt_sm2_sign_msg(o->pkey, data, len, der, &derlen);
      break;
    default:
      if (len == 0 || len > 64) return CKR_DATA_LEN_RANGE;
      r = tt_ecdsa_sign_hash(o->pkey, data, len, der, &derlen);
      break;
  }
  if (r != 0 || derlen > DER_SIG_MAX) return CKR_FUNCTION_FAILED;
  if (s->mech->output == OUT_DER) {
    memcpy(s->cached, der, derlen);
    s->cachedlen = derlen;
  } else {
    if (tt_der_to_raw(der, derlen, s->cached, 32) != 0) return CKR_FUNCTION_FAILED;
    s->cachedlen = 64;
  }
  s->has_cached = 1;
  return CKR_OK;
}

/* Output rules of v2.40 §5.2: NULL buffer → length, op stays active; too small →
 * CKR_BUFFER_TOO_SMALL + length, op stays active (the signature is kept, so the retry returns
 * the same bytes); other errors end the operation. */
static CK_RV sign_output(sess_t *s, const unsigned char *data, size_t len, CK_BYTE_PTR pSig, CK_ULONG_PTR pulLen) {
  if (!pSig) {
    *pulLen = s->has_cached ? s->cachedlen : sig_max(s->mech);
    return CKR_OK;
  }
  if (!s->has_cached) {
    if (*pulLen < 64) { *pulLen = sig_max(s->mech); return CKR_BUFFER_TOO_SMALL; }
    CK_RV rv = do_sign(s, data, len);
    if (rv != CKR_OK) { sign_end(s); return rv; }
  }
  if (*pulLen < s->cachedlen) { *pulLen = s->cachedlen; return CKR_BUFFER_TOO_SMALL; }
  memcpy(pSig, s->cached, s->cachedlen);
  *pulLen = s->cachedlen;
  sign_end(s);
  return CKR_OK;
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
             CK_ULONG_PTR pulSignatureLen) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  if (!s->sign_active) { rv = CKR_OPERATION_NOT_INITIALIZED; goto out; }
  if (s->multipart) { rv = CKR_OPERATION_ACTIVE; goto out; }
  if (!pulSignatureLen || (!pData && ulDataLen)) { sign_end(s); rv = CKR_ARGUMENTS_BAD; goto out; }
  if (s->mech->input == IN_E && ulDataLen != 32) { sign_end(s); rv = CKR_DATA_LEN_RANGE; goto out; }
  rv = sign_output(s, pData ? pData : (const unsigned char *)"", ulDataLen, pSignature, pulSignatureLen);
out:
  UNLOCK();
  return rv;
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  if (!s->sign_active) { rv = CKR_OPERATION_NOT_INITIALIZED; goto out; }
  if (!pPart && ulPartLen) { sign_end(s); rv = CKR_ARGUMENTS_BAD; goto out; }
  if (s->acclen + ulPartLen > (16u << 20)) { sign_end(s); rv = CKR_DATA_LEN_RANGE; goto out; }
  if (s->acclen + ulPartLen > s->acccap) {
    size_t nc = (s->acclen + ulPartLen) * 2 + 64;
    unsigned char *n = malloc(nc);
    if (!n) { sign_end(s); rv = CKR_HOST_MEMORY; goto out; }
    if (s->acc) {
      memcpy(n, s->acc, s->acclen);
      OPENSSL_cleanse(s->acc, s->acccap);
      free(s->acc);
    }
    s->acc = n;
    s->acccap = nc;
  }
  if (ulPartLen) memcpy(s->acc + s->acclen, pPart, ulPartLen);
  s->acclen += ulPartLen;
  s->multipart = 1;
out:
  UNLOCK();
  return rv;
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  LOCK();
  sess_t *s;
  CK_RV rv = get_session(hSession, &s);
  if (rv != CKR_OK) goto out;
  if (!s->sign_active) { rv = CKR_OPERATION_NOT_INITIALIZED; goto out; }
  if (!pulSignatureLen) { sign_end(s); rv = CKR_ARGUMENTS_BAD; goto out; }
  if (s->mech->input == IN_E && s->acclen != 32) { sign_end(s); rv = CKR_DATA_LEN_RANGE; goto out; }
  rv = sign_output(s, s->acc ? s->acc : (const unsigned char *)"", s->acclen, pSignature, pulSignatureLen);
out:
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- events */

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
  if (!pSlot || pReserved) return CKR_ARGUMENTS_BAD;
  /* Blocking waits are not offered: pkcs11js would call them on the JS thread. */
  if (!(flags & CKF_DONT_BLOCK)) return g.initialized ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
  LOCK();
  CK_RV rv = CKR_NO_EVENT;
  if (!g.initialized) rv = CKR_CRYPTOKI_NOT_INITIALIZED;
  else {
    poll_all();
    for (int i = 0; i < g.nslots; i++)
      if (g.slots[i].event_pending) {
        g.slots[i].event_pending = 0;
        *pSlot = (CK_SLOT_ID)i + 1;
        rv = CKR_OK;
        break;
      }
  }
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- not supported */

/* Each unsupported function answers CKR_FUNCTION_NOT_SUPPORTED (or CKR_CRYPTOKI_NOT_INITIALIZED). */
#define NOT_SUPPORTED_BODY { return g.initialized ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED; }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
CK_RV C_InitToken(CK_SLOT_ID a, CK_UTF8CHAR_PTR b, CK_ULONG c, CK_UTF8CHAR_PTR d) NOT_SUPPORTED_BODY
CK_RV C_GetOperationState(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c) NOT_SUPPORTED_BODY
CK_RV C_SetOperationState(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_OBJECT_HANDLE d, CK_OBJECT_HANDLE e) NOT_SUPPORTED_BODY
CK_RV C_CopyObject(CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_OBJECT_HANDLE_PTR e) NOT_SUPPORTED_BODY
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c, CK_ULONG d) NOT_SUPPORTED_BODY
CK_RV C_EncryptInit(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c) NOT_SUPPORTED_BODY
CK_RV C_Encrypt(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_EncryptFinal(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c) NOT_SUPPORTED_BODY
CK_RV C_DecryptInit(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c) NOT_SUPPORTED_BODY
CK_RV C_Decrypt(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_DecryptFinal(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c) NOT_SUPPORTED_BODY
CK_RV C_DigestInit(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b) NOT_SUPPORTED_BODY
CK_RV C_Digest(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_DigestUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c) NOT_SUPPORTED_BODY
CK_RV C_DigestKey(CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b) NOT_SUPPORTED_BODY
CK_RV C_DigestFinal(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c) NOT_SUPPORTED_BODY
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c) NOT_SUPPORTED_BODY
CK_RV C_SignRecover(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_VerifyInit(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c) NOT_SUPPORTED_BODY
CK_RV C_Verify(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG e) NOT_SUPPORTED_BODY
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c) NOT_SUPPORTED_BODY
CK_RV C_VerifyFinal(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c) NOT_SUPPORTED_BODY
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c) NOT_SUPPORTED_BODY
CK_RV C_VerifyRecover(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e) NOT_SUPPORTED_BODY
CK_RV C_GenerateKey(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_OBJECT_HANDLE_PTR e) NOT_SUPPORTED_BODY
CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_ATTRIBUTE_PTR e, CK_ULONG f, CK_OBJECT_HANDLE_PTR h, CK_OBJECT_HANDLE_PTR i) NOT_SUPPORTED_BODY
CK_RV C_WrapKey(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_OBJECT_HANDLE d, CK_BYTE_PTR e, CK_ULONG_PTR f) NOT_SUPPORTED_BODY
CK_RV C_UnwrapKey(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_BYTE_PTR d, CK_ULONG e, CK_ATTRIBUTE_PTR f, CK_ULONG h, CK_OBJECT_HANDLE_PTR i) NOT_SUPPORTED_BODY
CK_RV C_DeriveKey(CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_ATTRIBUTE_PTR d, CK_ULONG e, CK_OBJECT_HANDLE_PTR f) NOT_SUPPORTED_BODY
CK_RV C_SeedRandom(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c) NOT_SUPPORTED_BODY
CK_RV C_GenerateRandom(CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c) NOT_SUPPORTED_BODY
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE a) NOT_SUPPORTED_BODY
CK_RV C_CancelFunction(CK_SESSION_HANDLE a) NOT_SUPPORTED_BODY
#pragma GCC diagnostic pop

static CK_FUNCTION_LIST function_list = {
  {2, 40},
#define P11_INIT(name, args) name,
  P11_FUNCS(P11_INIT)
#undef P11_INIT
};
