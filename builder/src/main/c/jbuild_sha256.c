/*
 * SHA-256 through OpenSSL's libcrypto, for io.jbuild.builder.sys.NativeSha256: as fast as the
 * JDK's SHA-256 once C2 has compiled it (SHA-NI either way), but from the first byte, so that
 * the CLI's JVM can run with the C1 compiler alone (the C2 compiler thread otherwise takes a
 * core-second of a 4 s build). libcrypto is opened on first use (dlopen "libcrypto.so.3", then
 * "libcrypto.so.1.1"), not linked: where it is missing NativeSha256.available() is false and the
 * JDK's SHA-256 is used. SHA256_Init/Update/Final are in both ABIs; their context is a struct of
 * 28 unsigned ints (112 bytes), held by Java in a byte[] of CTX_BYTES.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include <jni.h>

#ifdef JBUILD_CHECK_HEADER
#include "io_jbuild_builder_sys_NativeSha256.h"
#endif

/* OpenSSL's SHA256_CTX (openssl/sha.h): h[8], Nl, Nh, data[16], num, md_len. */
struct sha256_ctx {
  unsigned int h[8];
  unsigned int nl, nh;
  unsigned int data[16];
  unsigned int num, md_len;
};

#define CTX_BYTES 128

typedef int (*init_fn)(void *ctx);
typedef int (*update_fn)(void *ctx, const void *data, size_t len);
typedef int (*final_fn)(unsigned char *md, void *ctx);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static init_fn sha_init;
static update_fn sha_update;
static final_fn sha_final;

static void open_libcrypto(void) {
  const char *names[] = {"libcrypto.so.3", "libcrypto.so.1.1"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
      continue;
    }
    init_fn a = (init_fn) dlsym(h, "SHA256_Init");
    update_fn b = (update_fn) dlsym(h, "SHA256_Update");
    final_fn c = (final_fn) dlsym(h, "SHA256_Final");
    if (a != NULL && b != NULL && c != NULL) {
      sha_init = a;
      sha_update = b;
      sha_final = c;
      return;
    }
    dlclose(h);
  }
}

/* Whether libcrypto could be opened (and the context fits the Java side's array). */
JNIEXPORT jboolean JNICALL Java_io_jbuild_builder_sys_NativeSha256_open(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  pthread_once(&once, open_libcrypto);
  return sha_init != NULL && sizeof(struct sha256_ctx) <= CTX_BYTES ? JNI_TRUE : JNI_FALSE;
}

/* Calls one of init/update/final on the context array; data may be null for init/final. */
static int with_ctx(JNIEnv *env, jbyteArray ctx, jbyteArray data, jint off, jint len, unsigned char *md) {
  jbyte *c = (*env)->GetPrimitiveArrayCritical(env, ctx, NULL);
  if (c == NULL) {
    return -1;
  }
  int ok;
  if (data != NULL) {
    jbyte *d = (*env)->GetPrimitiveArrayCritical(env, data, NULL);
    if (d == NULL) {
      (*env)->ReleasePrimitiveArrayCritical(env, ctx, c, JNI_ABORT);
      return -1;
    }
    ok = sha_update(c, d + off, (size_t) len);
    (*env)->ReleasePrimitiveArrayCritical(env, data, d, JNI_ABORT);
  } else if (md != NULL) {
    ok = sha_final(md, c);
  } else {
    ok = sha_init(c);
  }
  (*env)->ReleasePrimitiveArrayCritical(env, ctx, c, 0);
  return ok == 1 ? 0 : -1;
}

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_NativeSha256_init(JNIEnv *env, jclass cls, jbyteArray ctx) {
  (void) cls;
  return with_ctx(env, ctx, NULL, 0, 0, NULL);
}

/* Hashes data[off, off+len) on; the arrays are held as critical (no copy, no system call). */
JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_NativeSha256_update(JNIEnv *env, jclass cls, jbyteArray ctx,
    jbyteArray data, jint off, jint len) {
  (void) cls;
  return with_ctx(env, ctx, data, off, len, NULL);
}

/* The 32-byte digest into out; the context must be initialised again before reuse. */
JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_NativeSha256_finish(JNIEnv *env, jclass cls, jbyteArray ctx,
    jbyteArray out) {
  (void) cls;
  unsigned char md[32];
  int rc = with_ctx(env, ctx, NULL, 0, 0, md);
  if (rc == 0) {
    (*env)->SetByteArrayRegion(env, out, 0, 32, (const jbyte *) md);
  }
  return rc;
}
