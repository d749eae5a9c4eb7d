/* SPDX-License-Identifier: Apache-2.0
 *
 * softskf: a software SKF (GM/T 0016-2012 "智能密码钥匙密码应用接口规范") library for ESeal's
 * integration tests. One device, one application, SM2 containers, files, PIN with retry
 * counter and lock-out, device events driven by a control file. TEST ONLY: keys are plain PEM
 * files in a directory.
 *
 * Types, structures and return codes follow GM/T 0016-2012 §6 (data types, packed structures)
 * and appendix A (error codes), with the values used by GmSSL's skf.h / sgd.h and the vendor
 * headers (see the project's token research notes §2). ULONG is a 32-bit unsigned integer and
 * BOOL a 32-bit signed integer, as the standard specifies (not C `unsigned long`).
 *
 * Configuration: env SOFTSKF_DIR (see test-tokens/README.md).
 */
#define _GNU_SOURCE
#include "../common/tt_common.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

/* ---------------------------------------------------------------- GM/T 0016 §6 types */

typedef uint8_t BYTE;
typedef char CHAR;
typedef int32_t BOOL;
typedef uint32_t ULONG;
typedef char *LPSTR;
typedef void *HANDLE;
typedef HANDLE DEVHANDLE;
typedef HANDLE HAPPLICATION;
typedef HANDLE HCONTAINER;
#define DEVAPI __attribute__((visibility("default")))

#pragma pack(push, 1)
typedef struct Struct_Version { BYTE major; BYTE minor; } VERSION;
typedef struct Struct_DEVINFO { /* §6.4.2 */
  VERSION Version;
  CHAR Manufacturer[64];
  CHAR Issuer[64];
  CHAR Label[32];
  CHAR SerialNumber[32];
  VERSION HWVersion;
  VERSION FirmwareVersion;
  ULONG AlgSymCap;
  ULONG AlgAsymCap;
  ULONG AlgHashCap;
  ULONG DevAuthAlgId;
  ULONG TotalSpace;
  ULONG FreeSpace;
  ULONG MaxECCBufferSize;
  ULONG MaxBufferSize;
  BYTE Reserved[64];
} DEVINFO;
#define ECC_MAX_XCOORDINATE_BITS_LEN 512
#define ECC_MAX_YCOORDINATE_BITS_LEN 512
typedef struct Struct_ECCPUBLICKEYBLOB { /* §6.4.5: coordinates right-aligned in 64 bytes */
  ULONG BitLen;
  BYTE XCoordinate[ECC_MAX_XCOORDINATE_BITS_LEN / 8];
  BYTE YCoordinate[ECC_MAX_YCOORDINATE_BITS_LEN / 8];
} ECCPUBLICKEYBLOB;
typedef struct Struct_ECCSIGNATUREBLOB { /* §6.4.8 */
  BYTE r[ECC_MAX_XCOORDINATE_BITS_LEN / 8];
  BYTE s[ECC_MAX_YCOORDINATE_BITS_LEN / 8];
} ECCSIGNATUREBLOB;
typedef struct Struct_FILEATTRIBUTE { /* §6.4.10 */
  CHAR FileName[32];
  ULONG FileSize;
  ULONG ReadRights;
  ULONG WriteRights;
} FILEATTRIBUTE;
#pragma pack(pop)

_Static_assert(sizeof(DEVINFO) == 294, "DEVINFO is packed: 294 bytes");
_Static_assert(sizeof(ECCPUBLICKEYBLOB) == 132, "ECCPUBLICKEYBLOB is 132 bytes");
_Static_assert(sizeof(ECCSIGNATUREBLOB) == 128, "ECCSIGNATUREBLOB is 128 bytes");
_Static_assert(sizeof(FILEATTRIBUTE) == 44, "FILEATTRIBUTE is 44 bytes");

/* Error codes, GM/T 0016-2012 appendix A */
#define SAR_OK 0x00000000u
#define SAR_FAIL 0x0A000001u
#define SAR_NOTSUPPORTYETERR 0x0A000003u
#define SAR_FILEERR 0x0A000004u
#define SAR_INVALIDHANDLEERR 0x0A000005u
#define SAR_INVALIDPARAMERR 0x0A000006u
#define SAR_READFILEERR 0x0A000007u
#define SAR_WRITEFILEERR 0x0A000008u
#define SAR_NAMELENERR 0x0A000009u
#define SAR_MEMORYERR 0x0A00000Eu
#define SAR_INDATALENERR 0x0A000010u
#define SAR_GENRANDERR 0x0A000012u
#define SAR_HASHERR 0x0A000014u
#define SAR_KEYNOTFOUNTERR 0x0A00001Bu
#define SAR_CERTNOTFOUNTERR 0x0A00001Cu
#define SAR_BUFFER_TOO_SMALL 0x0A000020u
#define SAR_NOT_EVENTERR 0x0A000022u
#define SAR_DEVICE_REMOVED 0x0A000023u
#define SAR_PIN_INCORRECT 0x0A000024u
#define SAR_PIN_LOCKED 0x0A000025u
#define SAR_PIN_INVALID 0x0A000026u
#define SAR_PIN_LEN_RANGE 0x0A000027u
#define SAR_USER_TYPE_INVALID 0x0A00002Au
#define SAR_USER_NOT_LOGGED_IN 0x0A00002Du
#define SAR_APPLICATION_NOT_EXISTS 0x0A00002Eu
#define SAR_FILE_ALREADY_EXIST 0x0A00002Fu
#define SAR_NO_ROOM 0x0A000030u
#define SAR_FILE_NOT_EXIST 0x0A000031u

#define ADMIN_TYPE 0u
#define USER_TYPE 1u
#define DEV_ABSENT_STATE 0u
#define DEV_PRESENT_STATE 1u
#define SECURE_NEVER_ACCOUNT 0x00u
#define SECURE_ADM_ACCOUNT 0x01u
#define SECURE_USER_ACCOUNT 0x10u
#define SECURE_ANYONE_ACCOUNT 0xFFu
#define SGD_SM3 0x00000001u
#define SGD_SM2 0x00020100u
#define SGD_SM2_1 0x00020200u
#define CONTAINER_TYPE_ECC 2u
#define EVENT_INSERTED 1u
#define EVENT_REMOVED 2u

/* ---------------------------------------------------------------- state */

#define MAX_CONTAINERS 16
#define MAX_HANDLES 256
#define MAX_NAME 32
#define MAX_PIN_LEN 32
#define MAX_FILE_SIZE (1u << 20)

enum { H_DEV = 1, H_APP, H_CON, H_HASH };

typedef struct {
  char name[MAX_NAME + 1];
  EVP_PKEY *pkey;
  unsigned char *cert;
  size_t certlen;
} container_t;

typedef struct {
  int used;
  int kind;
  uintptr_t value;
  unsigned gen;
  int con;           /* H_CON: container index */
  EVP_MD_CTX *md;    /* H_HASH */
} handle_t;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int loaded;
  char dir[TT_PATH_MAX];
  tt_conf conf;
  int present;
  unsigned gen;
  int event_presence;
  unsigned cancel_gen;
  long logged_in; /* -1 none, ADMIN_TYPE, USER_TYPE */
  container_t cons[MAX_CONTAINERS];
  int ncons;
  handle_t handles[MAX_HANDLES];
  uintptr_t seq;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

#define LOCK() pthread_mutex_lock(&g.mu)
#define UNLOCK() pthread_mutex_unlock(&g.mu)

static void path_join(char *out, const char *a, const char *b) {
  int n = snprintf(out, TT_PATH_MAX, "%s/%s", a, b);
  if (n < 0 || n >= TT_PATH_MAX) out[0] = '\0';
}

static const char *dev_name(void) { return tt_conf_get(&g.conf, "devName", "SoftSKF0"); }
static const char *app_name(void) { return tt_conf_get(&g.conf, "application", "ESEAL"); }

static void unload_containers(void) {
  for (int i = 0; i < g.ncons; i++) {
    EVP_PKEY_free(g.cons[i].pkey);
    free(g.cons[i].cert);
  }
  memset(g.cons, 0, sizeof g.cons);
  g.ncons = 0;
}

/* NAME.key.pem (SM2) + NAME.cert.der|NAME.cert.pem → container NAME (signing key pair). */
static void load_containers(void) {
  unload_containers();
  struct dirent **list = NULL;
  int n = scandir(g.dir, &list, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    const char *nm = list[i]->d_name;
    size_t l = strlen(nm);
    if (nm[0] != '.' && l > 8 && l - 8 <= MAX_NAME && strcmp(nm + l - 8, ".key.pem") == 0 && g.ncons < MAX_CONTAINERS) {
      container_t *c = &g.cons[g.ncons];
      char p[TT_PATH_MAX], f[64];
      snprintf(c->name, sizeof c->name, "%.*s", (int)(l - 8), nm);
      path_join(p, g.dir, nm);
      c->pkey = tt_load_private_key(p);
      if (tt_key_kind(c->pkey) != TT_KEY_SM2) {
        EVP_PKEY_free(c->pkey);
        memset(c, 0, sizeof *c);
      } else {
        snprintf(f, sizeof f, "%s.cert.der", c->name);
        path_join(p, g.dir, f);
        if (tt_load_cert_der(p, &c->cert, &c->certlen) != 0) {
          snprintf(f, sizeof f, "%s.cert.pem", c->name);
          path_join(p, g.dir, f);
          if (tt_load_cert_der(p, &c->cert, &c->certlen) != 0) c->cert = NULL;
        }
        g.ncons++;
      }
    }
    free(list[i]);
  }
  free(list);
}

static int present_now(void) {
  char p[TT_PATH_MAX];
  if (!g.dir[0]) return 0;
  path_join(p, g.dir, "removed");
  if (tt_file_exists(p)) return 0;
  path_join(p, g.dir, "skf.conf");
  return tt_file_exists(p);
}

/* Presence poll: a removal bumps the generation, so every handle opened before it is dead. */
static void poll_presence(void) {
  int now = present_now();
  if (now == g.present) return;
  if (!now) {
    g.gen++;
    g.logged_in = -1;
    unload_containers();
  } else {
    char p[TT_PATH_MAX];
    path_join(p, g.dir, "skf.conf");
    tt_conf_load(p, &g.conf);
    load_containers();
  }
  g.present = now;
  pthread_cond_broadcast(&g.cv);
}

static void ensure_loaded(void) {
  if (g.loaded) return;
  const char *d = getenv("SOFTSKF_DIR");
  snprintf(g.dir, sizeof g.dir, "%s", d ? d : "");
  g.present = 0;
  g.gen = 1;
  g.logged_in = -1;
  poll_presence();
  g.event_presence = g.present; /* the state at load time is not an event */
  g.loaded = 1;
}

static handle_t *new_handle(int kind) {
  for (int i = 0; i < MAX_HANDLES; i++)
    if (!g.handles[i].used) {
      handle_t *h = &g.handles[i];
      memset(h, 0, sizeof *h);
      h->used = 1;
      h->kind = kind;
      h->gen = g.gen;
      /* Opaque value, never dereferenced: a tag, a sequence number and the slot index. */
      h->value = ((uintptr_t)0x5Fu << 40) | ((++g.seq & 0xFFFFFu) << 12) | (uintptr_t)i;
      return h;
    }
  return NULL;
}

static void free_handle(handle_t *h) {
  EVP_MD_CTX_free(h->md);
  memset(h, 0, sizeof *h);
}

static int app_handles_open(void) {
  int n = 0;
  for (int i = 0; i < MAX_HANDLES; i++)
    if (g.handles[i].used && g.handles[i].kind == H_APP && g.handles[i].gen == g.gen) n++;
  return n;
}

/* Looks up a handle of the given kind. A handle from before a removal: SAR_DEVICE_REMOVED. */
static ULONG get_handle(HANDLE hv, int kind, handle_t **out) {
  ensure_loaded();
  poll_presence();
  uintptr_t v = (uintptr_t)hv;
  size_t i = v & 0xFFFu;
  if (!hv || i >= MAX_HANDLES) return SAR_INVALIDHANDLEERR;
  handle_t *h = &g.handles[i];
  if (!h->used || h->value != v || h->kind != kind) return SAR_INVALIDHANDLEERR;
  if (!g.present || h->gen != g.gen) return SAR_DEVICE_REMOVED;
  *out = h;
  return SAR_OK;
}

/* Closing a handle whose device went away just frees it. */
static ULONG close_handle(HANDLE hv, int kind) {
  LOCK();
  handle_t *h = NULL;
  ULONG rv = get_handle(hv, kind, &h);
  if (rv == SAR_DEVICE_REMOVED) {
    h = &g.handles[(uintptr_t)hv & 0xFFFu];
    rv = SAR_OK;
  }
  if (rv == SAR_OK) {
    free_handle(h);
    if (kind == H_APP && app_handles_open() == 0) g.logged_in = -1;
  }
  UNLOCK();
  return rv;
}

/* Double-NUL-terminated name list with the size-query convention. */
static ULONG put_multi(const char *const *names, int n, LPSTR out, ULONG *size) {
  if (!size) return SAR_INVALIDPARAMERR;
  size_t need = 1;
  for (int i = 0; i < n; i++) need += strlen(names[i]) + 1;
  if (need < 2) need = 2;
  if (!out) { *size = (ULONG)need; return SAR_OK; }
  if (*size < need) { *size = (ULONG)need; return SAR_BUFFER_TOO_SMALL; }
  size_t pos = 0;
  for (int i = 0; i < n; i++) {
    size_t l = strlen(names[i]) + 1;
    memcpy(out + pos, names[i], l);
    pos += l;
  }
  memset(out + pos, 0, need - pos);
  *size = (ULONG)need;
  return SAR_OK;
}

static ULONG put_bytes(const void *src, size_t len, BYTE *out, ULONG *outlen) {
  if (!outlen) return SAR_INVALIDPARAMERR;
  if (!out) { *outlen = (ULONG)len; return SAR_OK; }
  if (*outlen < len) { *outlen = (ULONG)len; return SAR_BUFFER_TOO_SMALL; }
  memcpy(out, src, len);
  *outlen = (ULONG)len;
  return SAR_OK;
}

/* ---------------------------------------------------------------- device management (§7.1) */

DEVAPI ULONG SKF_WaitForDevEvent(LPSTR szDevName, ULONG *pulDevNameLen, ULONG *pulEvent) {
  if (!szDevName || !pulDevNameLen || !pulEvent) return SAR_INVALIDPARAMERR;
  LOCK();
  ensure_loaded();
  unsigned my_cancel = g.cancel_gen;
  ULONG rv;
  for (;;) {
    poll_presence();
    if (g.present != g.event_presence) {
      size_t need = strlen(dev_name()) + 1;
      if (*pulDevNameLen < need) { *pulDevNameLen = (ULONG)need; rv = SAR_BUFFER_TOO_SMALL; break; }
      memcpy(szDevName, dev_name(), need);
      *pulDevNameLen = (ULONG)need;
      *pulEvent = g.present ? EVENT_INSERTED : EVENT_REMOVED;
      g.event_presence = g.present;
      rv = SAR_OK;
      break;
    }
    if (g.cancel_gen != my_cancel) { rv = SAR_NOT_EVENTERR; break; }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(&g.cv, &g.mu, &ts);
  }
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_CancelWaitForDevEvent(void) {
  LOCK();
  g.cancel_gen++;
  pthread_cond_broadcast(&g.cv);
  UNLOCK();
  return SAR_OK;
}

DEVAPI ULONG SKF_EnumDev(BOOL bPresent, LPSTR szNameList, ULONG *pulSize) {
  LOCK();
  ensure_loaded();
  poll_presence();
  const char *names[1];
  int n = 0;
  if (g.dir[0] && (g.present || !bPresent)) names[n++] = dev_name();
  ULONG rv = put_multi(names, n, szNameList, pulSize);
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_GetDevState(LPSTR szDevName, ULONG *pulDevState) {
  if (!szDevName || !pulDevState) return SAR_INVALIDPARAMERR;
  LOCK();
  ensure_loaded();
  poll_presence();
  ULONG rv = SAR_OK;
  if (!g.dir[0] || strcmp(szDevName, dev_name()) != 0) rv = SAR_INVALIDPARAMERR;
  else *pulDevState = g.present ? DEV_PRESENT_STATE : DEV_ABSENT_STATE;
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_ConnectDev(LPSTR szName, DEVHANDLE *phDev) {
  if (!szName || !phDev) return SAR_INVALIDPARAMERR;
  LOCK();
  ensure_loaded();
  poll_presence();
  ULONG rv = SAR_OK;
  if (!g.dir[0] || strcmp(szName, dev_name()) != 0) rv = SAR_INVALIDPARAMERR;
  else if (!g.present) rv = SAR_DEVICE_REMOVED;
  else {
    handle_t *h = new_handle(H_DEV);
    if (!h) rv = SAR_MEMORYERR;
    else *phDev = (DEVHANDLE)h->value;
  }
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_DisConnectDev(DEVHANDLE hDev) { return close_handle(hDev, H_DEV); }

static void copy_str(CHAR *dst, size_t n, const char *src) {
  memset(dst, 0, n);
  size_t l = strlen(src);
  memcpy(dst, src, l < n - 1 ? l : n - 1);
}

DEVAPI ULONG SKF_GetDevInfo(DEVHANDLE hDev, DEVINFO *pDevInfo) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hDev, H_DEV, &h);
  if (rv == SAR_OK && !pDevInfo) rv = SAR_INVALIDPARAMERR;
  if (rv == SAR_OK) {
    memset(pDevInfo, 0, sizeof *pDevInfo);
    pDevInfo->Version = (VERSION){1, 0};
    copy_str(pDevInfo->Manufacturer, 64, tt_conf_get(&g.conf, "manufacturer", "ESeal Test"));
    copy_str(pDevInfo->Issuer, 64, tt_conf_get(&g.conf, "issuer", "ESeal Test CA"));
    copy_str(pDevInfo->Label, 32, tt_conf_get(&g.conf, "label", "ESeal SKF Test"));
    copy_str(pDevInfo->SerialNumber, 32, tt_conf_get(&g.conf, "serial", "SKF0000000000001"));
    pDevInfo->HWVersion = (VERSION){1, 0};
    pDevInfo->FirmwareVersion = (VERSION){1, 0};
    pDevInfo->AlgSymCap = 0;
    pDevInfo->AlgAsymCap = SGD_SM2 | SGD_SM2_1;
    pDevInfo->AlgHashCap = SGD_SM3;
    pDevInfo->DevAuthAlgId = 0;
    pDevInfo->TotalSpace = 1u << 20;
    pDevInfo->FreeSpace = 1u << 19;
    pDevInfo->MaxECCBufferSize = 256;
    pDevInfo->MaxBufferSize = 4096;
  }
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_GenRandom(DEVHANDLE hDev, BYTE *pbRandom, ULONG ulRandomLen) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hDev, H_DEV, &h);
  if (rv == SAR_OK && !pbRandom) rv = SAR_INVALIDPARAMERR;
  if (rv == SAR_OK && ulRandomLen && RAND_bytes(pbRandom, (int)ulRandomLen) != 1) rv = SAR_GENRANDERR;
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- access control (§7.2) */

static void pin_paths(ULONG type, char *statefile, const char **initial, long *maxr) {
  path_join(statefile, g.dir, type == ADMIN_TYPE ? "admin-pin.state" : "user-pin.state");
  *initial = tt_conf_get(&g.conf, type == ADMIN_TYPE ? "adminPin" : "pin", type == ADMIN_TYPE ? "12345678" : "123456");
  *maxr = tt_conf_get_long(&g.conf, type == ADMIN_TYPE ? "maxAdminPinRetries" : "maxPinRetries", type == ADMIN_TYPE ? 10 : 6);
}

static void pin_load(ULONG type, tt_pin *st, char *statefile) {
  const char *initial;
  long maxr;
  pin_paths(type, statefile, &initial, &maxr);
  tt_pin_load(st, statefile, initial, maxr);
}

/* Verifies against the persisted state; updates the counter; *retry = tries left. */
static ULONG pin_verify(ULONG type, const char *pin, ULONG *retry) {
  tt_pin st;
  char sf[TT_PATH_MAX];
  pin_load(type, &st, sf);
  ULONG rv = SAR_OK;
  if (st.retries == 0) rv = SAR_PIN_LOCKED;
  else if (!tt_pin_matches(&st, (const unsigned char *)pin, strlen(pin))) {
    st.retries--;
    if (tt_pin_save(&st, sf) != 0) return SAR_FILEERR;
    rv = st.retries == 0 ? SAR_PIN_LOCKED : SAR_PIN_INCORRECT;
  } else if (st.retries != st.max_retries) {
    st.retries = st.max_retries;
    if (tt_pin_save(&st, sf) != 0) return SAR_FILEERR;
  }
  if (retry) *retry = (ULONG)st.retries;
  return rv;
}

static ULONG pin_store(ULONG type, const char *pin) {
  tt_pin st;
  char sf[TT_PATH_MAX];
  size_t l = strlen(pin);
  if ((long)l < tt_conf_get_long(&g.conf, "minPinLen", 4) || l > MAX_PIN_LEN) return SAR_PIN_LEN_RANGE;
  pin_load(type, &st, sf);
  tt_pin_hash((const unsigned char *)pin, l, st.hash);
  st.retries = st.max_retries;
  return tt_pin_save(&st, sf) == 0 ? SAR_OK : SAR_FILEERR;
}

DEVAPI ULONG SKF_VerifyPIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szPIN, ULONG *pulRetryCount) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (ulPINType != ADMIN_TYPE && ulPINType != USER_TYPE) { rv = SAR_USER_TYPE_INVALID; goto out; }
  if (!szPIN) { rv = SAR_INVALIDPARAMERR; goto out; }
  rv = pin_verify(ulPINType, szPIN, pulRetryCount);
  if (rv == SAR_OK) g.logged_in = (long)ulPINType;
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_ChangePIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szOldPin, LPSTR szNewPin,
                           ULONG *pulRetryCount) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (ulPINType != ADMIN_TYPE && ulPINType != USER_TYPE) { rv = SAR_USER_TYPE_INVALID; goto out; }
  if (!szOldPin || !szNewPin) { rv = SAR_INVALIDPARAMERR; goto out; }
  size_t nl = strlen(szNewPin);
  if ((long)nl < tt_conf_get_long(&g.conf, "minPinLen", 4) || nl > MAX_PIN_LEN) { rv = SAR_PIN_LEN_RANGE; goto out; }
  rv = pin_verify(ulPINType, szOldPin, pulRetryCount);
  if (rv == SAR_OK) rv = pin_store(ulPINType, szNewPin);
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_GetPINInfo(HAPPLICATION hApplication, ULONG ulPINType, ULONG *pulMaxRetryCount,
                            ULONG *pulRemainRetryCount, BOOL *pbDefaultPin) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (ulPINType != ADMIN_TYPE && ulPINType != USER_TYPE) { rv = SAR_USER_TYPE_INVALID; goto out; }
  if (!pulMaxRetryCount || !pulRemainRetryCount || !pbDefaultPin) { rv = SAR_INVALIDPARAMERR; goto out; }
  tt_pin st;
  char sf[TT_PATH_MAX];
  pin_load(ulPINType, &st, sf);
  *pulMaxRetryCount = (ULONG)st.max_retries;
  *pulRemainRetryCount = (ULONG)st.retries;
  *pbDefaultPin = CRYPTO_memcmp(st.hash, st.initial_hash, 64) == 0;
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_UnblockPIN(HAPPLICATION hApplication, LPSTR szAdminPIN, LPSTR szNewUserPIN, ULONG *pulRetryCount) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (!szAdminPIN || !szNewUserPIN) { rv = SAR_INVALIDPARAMERR; goto out; }
  size_t nl = strlen(szNewUserPIN);
  if ((long)nl < tt_conf_get_long(&g.conf, "minPinLen", 4) || nl > MAX_PIN_LEN) { rv = SAR_PIN_LEN_RANGE; goto out; }
  rv = pin_verify(ADMIN_TYPE, szAdminPIN, pulRetryCount);
  if (rv == SAR_OK) rv = pin_store(USER_TYPE, szNewUserPIN);
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_ClearSecureState(HAPPLICATION hApplication) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv == SAR_OK) g.logged_in = -1;
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- applications (§7.3) */

DEVAPI ULONG SKF_EnumApplication(DEVHANDLE hDev, LPSTR szAppName, ULONG *pulSize) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hDev, H_DEV, &h);
  if (rv == SAR_OK) {
    const char *names[1] = {app_name()};
    rv = put_multi(names, 1, szAppName, pulSize);
  }
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_OpenApplication(DEVHANDLE hDev, LPSTR szAppName, HAPPLICATION *phApplication) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hDev, H_DEV, &h);
  if (rv != SAR_OK) goto out;
  if (!szAppName || !phApplication) { rv = SAR_INVALIDPARAMERR; goto out; }
  if (strcmp(szAppName, app_name()) != 0) { rv = SAR_APPLICATION_NOT_EXISTS; goto out; }
  handle_t *a = new_handle(H_APP);
  if (!a) { rv = SAR_MEMORYERR; goto out; }
  *phApplication = (HAPPLICATION)a->value;
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_CloseApplication(HAPPLICATION hApplication) { return close_handle(hApplication, H_APP); }

/* ---------------------------------------------------------------- files (§7.4) */

static int valid_file_name(const char *n) {
  size_t l = strlen(n);
  if (l == 0 || l > MAX_NAME || n[0] == '.') return 0;
  for (size_t i = 0; i < l; i++)
    if (n[i] == '/' || (unsigned char)n[i] < 0x20) return 0;
  return 1;
}

static void files_dir(char *out) { path_join(out, g.dir, "files"); }

static void file_path(char *out, const char *name) {
  char d[TT_PATH_MAX];
  files_dir(d);
  path_join(out, d, name);
}

static void rights_path(char *out, const char *name) {
  char d[TT_PATH_MAX], f[64];
  files_dir(d);
  snprintf(f, sizeof f, ".%s.rights", name);
  path_join(out, d, f);
}

static void file_rights(const char *name, ULONG *rd, ULONG *wr) {
  char p[TT_PATH_MAX];
  tt_conf c;
  rights_path(p, name);
  *rd = SECURE_ANYONE_ACCOUNT;
  *wr = SECURE_USER_ACCOUNT;
  if (tt_conf_load(p, &c) == 0) {
    *rd = (ULONG)tt_conf_get_long(&c, "read", SECURE_ANYONE_ACCOUNT);
    *wr = (ULONG)tt_conf_get_long(&c, "write", SECURE_USER_ACCOUNT);
  }
}

/* Who may act: "anyone", or the logged-in role matching the rights bits. */
static ULONG rights_ok(ULONG rights) {
  if (rights == SECURE_ANYONE_ACCOUNT) return SAR_OK;
  if (rights == SECURE_NEVER_ACCOUNT) return SAR_INVALIDPARAMERR;
  if ((rights & SECURE_USER_ACCOUNT) && g.logged_in == (long)USER_TYPE) return SAR_OK;
  if ((rights & SECURE_ADM_ACCOUNT) && g.logged_in == (long)ADMIN_TYPE) return SAR_OK;
  return SAR_USER_NOT_LOGGED_IN;
}

DEVAPI ULONG SKF_CreateFile(HAPPLICATION hApplication, LPSTR szFileName, ULONG ulFileSize, ULONG ulReadRights,
                            ULONG ulWriteRights) {
  LOCK();
  handle_t *h;
  char p[TT_PATH_MAX];
  unsigned char *zero = NULL;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (!szFileName) { rv = SAR_INVALIDPARAMERR; goto out; }
  if (strlen(szFileName) > MAX_NAME) { rv = SAR_NAMELENERR; goto out; }
  if (!valid_file_name(szFileName)) { rv = SAR_INVALIDPARAMERR; goto out; }
  if (g.logged_in != (long)USER_TYPE && g.logged_in != (long)ADMIN_TYPE) { rv = SAR_USER_NOT_LOGGED_IN; goto out; }
  if (ulFileSize > MAX_FILE_SIZE) { rv = SAR_NO_ROOM; goto out; }
  files_dir(p);
  mkdir(p, 0700);
  file_path(p, szFileName);
  if (tt_file_exists(p)) { rv = SAR_FILE_ALREADY_EXIST; goto out; }
  zero = calloc(1, ulFileSize ? ulFileSize : 1);
  if (!zero) { rv = SAR_MEMORYERR; goto out; }
  char rights[64];
  int rl = snprintf(rights, sizeof rights, "read=%u\nwrite=%u\n", ulReadRights, ulWriteRights);
  char rp[TT_PATH_MAX];
  rights_path(rp, szFileName);
  if (tt_write_file_atomic(rp, (unsigned char *)rights, (size_t)rl) != 0 || tt_write_file_atomic(p, zero, ulFileSize) != 0)
    rv = SAR_WRITEFILEERR;
out:
  free(zero);
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_DeleteFile(HAPPLICATION hApplication, LPSTR szFileName) {
  LOCK();
  handle_t *h;
  char p[TT_PATH_MAX];
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (!szFileName || !valid_file_name(szFileName)) { rv = SAR_INVALIDPARAMERR; goto out; }
  file_path(p, szFileName);
  if (!tt_file_exists(p)) { rv = SAR_FILE_NOT_EXIST; goto out; }
  ULONG rd, wr;
  file_rights(szFileName, &rd, &wr);
  if ((rv = rights_ok(wr)) != SAR_OK) goto out;
  if (unlink(p) != 0) { rv = SAR_FILEERR; goto out; }
  rights_path(p, szFileName);
  unlink(p);
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_EnumFiles(HAPPLICATION hApplication, LPSTR szFileList, ULONG *pulSize) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  char d[TT_PATH_MAX];
  files_dir(d);
  struct dirent **list = NULL;
  int n = scandir(d, &list, NULL, alphasort);
  const char *names[256];
  int k = 0;
  for (int i = 0; i < n; i++)
    if (k < 256 && valid_file_name(list[i]->d_name) && !strstr(list[i]->d_name, ".tmp.")) names[k++] = list[i]->d_name;
  rv = put_multi(names, k, szFileList, pulSize);
  for (int i = 0; i < n; i++) free(list[i]);
  free(list);
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_GetFileInfo(HAPPLICATION hApplication, LPSTR szFileName, FILEATTRIBUTE *pFileInfo) {
  LOCK();
  handle_t *h;
  char p[TT_PATH_MAX];
  struct stat st;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (!szFileName || !pFileInfo || !valid_file_name(szFileName)) { rv = SAR_INVALIDPARAMERR; goto out; }
  file_path(p, szFileName);
  if (stat(p, &st) != 0) { rv = SAR_FILE_NOT_EXIST; goto out; }
  memset(pFileInfo, 0, sizeof *pFileInfo);
  copy_str(pFileInfo->FileName, 32, szFileName);
  if (strlen(szFileName) == 32) memcpy(pFileInfo->FileName, szFileName, 32);
  pFileInfo->FileSize = (ULONG)st.st_size;
  file_rights(szFileName, &pFileInfo->ReadRights, &pFileInfo->WriteRights);
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_ReadFile(HAPPLICATION hApplication, LPSTR szFileName, ULONG ulOffset, ULONG ulSize, BYTE *pbOutData,
                          ULONG *pulOutLen) {
  LOCK();
  handle_t *h;
  char p[TT_PATH_MAX];
  unsigned char *buf = NULL;
  size_t len = 0;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (!szFileName || !pulOutLen || !valid_file_name(szFileName)) { rv = SAR_INVALIDPARAMERR; goto out; }
  file_path(p, szFileName);
  if (!tt_file_exists(p)) { rv = SAR_FILE_NOT_EXIST; goto out; }
  ULONG rd, wr;
  file_rights(szFileName, &rd, &wr);
  if ((rv = rights_ok(rd)) != SAR_OK) goto out;
  if (tt_read_file(p, &buf, &len) != 0) { rv = SAR_READFILEERR; goto out; }
  if (ulOffset > len) { rv = SAR_INDATALENERR; goto out; }
  size_t n = len - ulOffset;
  if (n > ulSize) n = ulSize;
  rv = put_bytes(buf + ulOffset, n, pbOutData, pulOutLen);
out:
  free(buf);
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_WriteFile(HAPPLICATION hApplication, LPSTR szFileName, ULONG ulOffset, BYTE *pbData, ULONG ulSize) {
  LOCK();
  handle_t *h;
  char p[TT_PATH_MAX];
  unsigned char *buf = NULL;
  size_t len = 0;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (!szFileName || (!pbData && ulSize) || !valid_file_name(szFileName)) { rv = SAR_INVALIDPARAMERR; goto out; }
  file_path(p, szFileName);
  if (!tt_file_exists(p)) { rv = SAR_FILE_NOT_EXIST; goto out; }
  ULONG rd, wr;
  file_rights(szFileName, &rd, &wr);
  if ((rv = rights_ok(wr)) != SAR_OK) goto out;
  if (tt_read_file(p, &buf, &len) != 0) { rv = SAR_READFILEERR; goto out; }
  /* SKF files have the fixed size given to SKF_CreateFile. */
  if ((uint64_t)ulOffset + ulSize > len) { rv = SAR_INDATALENERR; goto out; }
  if (ulSize) memcpy(buf + ulOffset, pbData, ulSize);
  if (tt_write_file_atomic(p, buf, len) != 0) rv = SAR_WRITEFILEERR;
out:
  free(buf);
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- containers (§7.5) */

DEVAPI ULONG SKF_EnumContainer(HAPPLICATION hApplication, LPSTR szContainerName, ULONG *pulSize) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv == SAR_OK) {
    const char *names[MAX_CONTAINERS];
    for (int i = 0; i < g.ncons; i++) names[i] = g.cons[i].name;
    rv = put_multi(names, g.ncons, szContainerName, pulSize);
  }
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_OpenContainer(HAPPLICATION hApplication, LPSTR szContainerName, HCONTAINER *phContainer) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hApplication, H_APP, &h);
  if (rv != SAR_OK) goto out;
  if (!szContainerName || !phContainer) { rv = SAR_INVALIDPARAMERR; goto out; }
  int idx = -1;
  for (int i = 0; i < g.ncons; i++)
    if (strcmp(g.cons[i].name, szContainerName) == 0) idx = i;
  if (idx < 0) { rv = SAR_INVALIDPARAMERR; goto out; }
  handle_t *c = new_handle(H_CON);
  if (!c) { rv = SAR_MEMORYERR; goto out; }
  c->con = idx;
  *phContainer = (HCONTAINER)c->value;
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_CloseContainer(HCONTAINER hContainer) { return close_handle(hContainer, H_CON); }

DEVAPI ULONG SKF_GetContainerType(HCONTAINER hContainer, ULONG *pulContainerType) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hContainer, H_CON, &h);
  if (rv == SAR_OK && !pulContainerType) rv = SAR_INVALIDPARAMERR;
  if (rv == SAR_OK) *pulContainerType = CONTAINER_TYPE_ECC;
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_ExportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbCert, ULONG *pulCertLen) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hContainer, H_CON, &h);
  if (rv != SAR_OK) goto out;
  if (!pulCertLen) { rv = SAR_INVALIDPARAMERR; goto out; }
  container_t *c = &g.cons[h->con];
  if (!bSignFlag || !c->cert) { rv = SAR_CERTNOTFOUNTERR; goto out; }
  rv = put_bytes(c->cert, c->certlen, pbCert, pulCertLen);
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_ExportPublicKey(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbBlob, ULONG *pulBlobLen) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hContainer, H_CON, &h);
  if (rv != SAR_OK) goto out;
  if (!pulBlobLen) { rv = SAR_INVALIDPARAMERR; goto out; }
  container_t *c = &g.cons[h->con];
  if (!bSignFlag) { rv = SAR_KEYNOTFOUNTERR; goto out; } /* signing key pairs only */
  ECCPUBLICKEYBLOB blob;
  memset(&blob, 0, sizeof blob);
  blob.BitLen = 256;
  if (tt_pub_xy(c->pkey, blob.XCoordinate + 32, blob.YCoordinate + 32) != 0) { rv = SAR_FAIL; goto out; }
  rv = put_bytes(&blob, sizeof blob, pbBlob, pulBlobLen);
out:
  UNLOCK();
  return rv;
}

/* Cryptographic services (§7.6), SKF_ECCSignData: pbData is the 32-byte e = SM3(Z || M) computed by the caller (or SKF_Digest). */
DEVAPI ULONG SKF_ECCSignData(HCONTAINER hContainer, BYTE *pbData, ULONG ulDataLen, ECCSIGNATUREBLOB *pSignature) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hContainer, H_CON, &h);
  if (rv != SAR_OK) goto out;
  if (!pbData || !pSignature) { rv = SAR_INVALIDPARAMERR; goto out; }
  if (ulDataLen != 32) { rv = SAR_INDATALENERR; goto out; }
  if (g.logged_in != (long)USER_TYPE) { rv = SAR_USER_NOT_LOGGED_IN; goto out; }
  unsigned char der[80], raw[64];
  size_t derlen = sizeof der;
  if (tt_sm2_sign_e(g.cons[h->con].pkey, pbData, 32, der, &derlen) != 0 || tt_der_to_raw(der, derlen, raw, 32) != 0) {
    rv = SAR_FAIL;
    goto out;
  }
  memset(pSignature, 0, sizeof *pSignature);
  memcpy(pSignature->r + 32, raw, 32);
  memcpy(pSignature->s + 32, raw + 32, 32);
out:
  UNLOCK();
  return rv;
}

/* ---------------------------------------------------------------- hashing (cryptographic services, §7.6; optional) */

/* SKF_DigestInit with pPubKey + ID makes the device prepend Z (the pPubKey/pucID parameters of SKF_DigestInit). */
DEVAPI ULONG SKF_DigestInit(DEVHANDLE hDev, ULONG ulAlgID, ECCPUBLICKEYBLOB *pPubKey, unsigned char *pucID,
                            ULONG ulIDLen, HANDLE *phHash) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hDev, H_DEV, &h);
  if (rv != SAR_OK) goto out;
  if (!phHash || (ulIDLen && !pucID)) { rv = SAR_INVALIDPARAMERR; goto out; }
  if (ulAlgID != SGD_SM3) { rv = SAR_NOTSUPPORTYETERR; goto out; }
  handle_t *hh = new_handle(H_HASH);
  if (!hh) { rv = SAR_MEMORYERR; goto out; }
  EVP_MD *md = EVP_MD_fetch(NULL, "SM3", NULL);
  hh->md = EVP_MD_CTX_new();
  if (!md || !hh->md || !EVP_DigestInit_ex(hh->md, md, NULL)) {
    EVP_MD_free(md);
    free_handle(hh);
    rv = SAR_HASHERR;
    goto out;
  }
  EVP_MD_free(md);
  if (pPubKey && ulIDLen) {
    unsigned char z[32];
    if (pPubKey->BitLen != 256 || tt_sm2_z(pPubKey->XCoordinate + 32, pPubKey->YCoordinate + 32, pucID, ulIDLen, z) != 0 ||
        !EVP_DigestUpdate(hh->md, z, 32)) {
      free_handle(hh);
      rv = SAR_INVALIDPARAMERR;
      goto out;
    }
  }
  *phHash = (HANDLE)hh->value;
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_DigestUpdate(HANDLE hHash, BYTE *pbData, ULONG ulDataLen) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hHash, H_HASH, &h);
  if (rv == SAR_OK && !pbData && ulDataLen) rv = SAR_INVALIDPARAMERR;
  if (rv == SAR_OK && ulDataLen && !EVP_DigestUpdate(h->md, pbData, ulDataLen)) rv = SAR_HASHERR;
  UNLOCK();
  return rv;
}

static ULONG digest_final(handle_t *h, BYTE *out, ULONG *outlen) {
  if (!outlen) return SAR_INVALIDPARAMERR;
  if (!out) { *outlen = 32; return SAR_OK; }
  if (*outlen < 32) { *outlen = 32; return SAR_BUFFER_TOO_SMALL; }
  unsigned int l = 0;
  if (!EVP_DigestFinal_ex(h->md, out, &l) || l != 32) return SAR_HASHERR;
  *outlen = 32;
  /* the hash object can be reused for a new message with the same Z: not supported, re-init */
  EVP_MD_CTX_free(h->md);
  h->md = NULL;
  return SAR_OK;
}

DEVAPI ULONG SKF_DigestFinal(HANDLE hHash, BYTE *pHashData, ULONG *pulHashLen) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hHash, H_HASH, &h);
  if (rv == SAR_OK && !h->md) rv = SAR_HASHERR;
  if (rv == SAR_OK) rv = digest_final(h, pHashData, pulHashLen);
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_Digest(HANDLE hHash, BYTE *pbData, ULONG ulDataLen, BYTE *pbHashData, ULONG *pulHashLen) {
  LOCK();
  handle_t *h;
  ULONG rv = get_handle(hHash, H_HASH, &h);
  if (rv != SAR_OK) goto out;
  if (!h->md) { rv = SAR_HASHERR; goto out; }
  if ((!pbData && ulDataLen) || !pulHashLen) { rv = SAR_INVALIDPARAMERR; goto out; }
  if (!pbHashData) { *pulHashLen = 32; goto out; }
  if (*pulHashLen < 32) { *pulHashLen = 32; rv = SAR_BUFFER_TOO_SMALL; goto out; }
  if (ulDataLen && !EVP_DigestUpdate(h->md, pbData, ulDataLen)) { rv = SAR_HASHERR; goto out; }
  rv = digest_final(h, pbHashData, pulHashLen);
out:
  UNLOCK();
  return rv;
}

DEVAPI ULONG SKF_CloseHandle(HANDLE hHandle) { return close_handle(hHandle, H_HASH); }
