/*
 * Deflate through libdeflate (https://github.com/ebiggers/libdeflate), for io.jbuild.builder.sys.Deflate:
 * whole-buffer raw DEFLATE 2-3 times faster than zlib at the same level. libdeflate is not linked
 * but opened on first use (dlopen "libdeflate.so.0", Debian's libdeflate0), so that jbuild runs
 * where it is missing: Deflate.available() is then false and layers are compressed with zlib.
 * Only its stable ABI is used (alloc_compressor, deflate_compress, deflate_compress_bound,
 * free_compressor, present since libdeflate 1.0), declared here: no libdeflate-dev needed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include <jni.h>

#ifdef JBUILD_CHECK_HEADER
#include "io_jbuild_builder_sys_Deflate.h"
#endif

typedef void *(*alloc_fn)(int level);
typedef size_t (*compress_fn)(void *compressor, const void *in, size_t in_n, void *out, size_t out_avail);
typedef size_t (*bound_fn)(void *compressor, size_t in_n);
typedef void (*free_fn)(void *compressor);
typedef void *(*dalloc_fn)(void);
typedef int (*gunzip_fn)(void *decompressor, const void *in, size_t in_n, void *out, size_t out_avail,
    size_t *in_used, size_t *out_written);
typedef void (*dfree_fn)(void *decompressor);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static alloc_fn ld_alloc;
static compress_fn ld_compress;
static bound_fn ld_bound;
static free_fn ld_free;
static dalloc_fn ld_dalloc;
static gunzip_fn ld_gunzip;
static dfree_fn ld_dfree;

static void open_libdeflate(void) {
  void *h = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    return;
  }
  alloc_fn a = (alloc_fn) dlsym(h, "libdeflate_alloc_compressor");
  compress_fn c = (compress_fn) dlsym(h, "libdeflate_deflate_compress");
  bound_fn b = (bound_fn) dlsym(h, "libdeflate_deflate_compress_bound");
  free_fn f = (free_fn) dlsym(h, "libdeflate_free_compressor");
  if (a == NULL || c == NULL || b == NULL || f == NULL) {
    dlclose(h);
    return;
  }
  ld_alloc = a;
  ld_compress = c;
  ld_bound = b;
  ld_free = f;
  /* decompression: optional (libdeflate_gzip_decompress_ex is in every release since 1.1) */
  dalloc_fn da = (dalloc_fn) dlsym(h, "libdeflate_alloc_decompressor");
  gunzip_fn g = (gunzip_fn) dlsym(h, "libdeflate_gzip_decompress_ex");
  dfree_fn df = (dfree_fn) dlsym(h, "libdeflate_free_decompressor");
  if (da != NULL && g != NULL && df != NULL) {
    ld_dalloc = da;
    ld_gunzip = g;
    ld_dfree = df;
  }
}

/* Whether libdeflate could be opened. */
JNIEXPORT jboolean JNICALL Java_io_jbuild_builder_sys_Deflate_open(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  pthread_once(&once, open_libdeflate);
  return ld_alloc != NULL ? JNI_TRUE : JNI_FALSE;
}

/* A compressor for a level (1-12), or 0 when there is no memory or no libdeflate. */
JNIEXPORT jlong JNICALL Java_io_jbuild_builder_sys_Deflate_alloc(JNIEnv *env, jclass cls, jint level) {
  (void) env;
  (void) cls;
  pthread_once(&once, open_libdeflate);
  return ld_alloc == NULL ? 0 : (jlong) (size_t) ld_alloc(level);
}

JNIEXPORT void JNICALL Java_io_jbuild_builder_sys_Deflate_free(JNIEnv *env, jclass cls, jlong compressor) {
  (void) env;
  (void) cls;
  if (compressor != 0 && ld_free != NULL) {
    ld_free((void *) (size_t) compressor);
  }
}

/* The most bytes deflate of n bytes can take (whatever the input). */
JNIEXPORT jlong JNICALL Java_io_jbuild_builder_sys_Deflate_bound(JNIEnv *env, jclass cls, jlong compressor, jint n) {
  (void) env;
  (void) cls;
  return (jlong) ld_bound((void *) (size_t) compressor, (size_t) n);
}

/* Holds in and out as critical (no copy); 0, or -1 with neither held when one could not be had. */
static int pin(JNIEnv *env, jbyteArray in, jbyte **src, jbyteArray out, jbyte **dst) {
  *src = (*env)->GetPrimitiveArrayCritical(env, in, NULL);
  if (*src == NULL) {
    return -1;
  }
  *dst = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
  if (*dst == NULL) {
    (*env)->ReleasePrimitiveArrayCritical(env, in, *src, JNI_ABORT);
    return -1;
  }
  return 0;
}

/* Lets both go: out's bytes written back, in's left as they were. */
static void unpin(JNIEnv *env, jbyteArray in, jbyte *src, jbyteArray out, jbyte *dst) {
  (*env)->ReleasePrimitiveArrayCritical(env, out, dst, 0);
  (*env)->ReleasePrimitiveArrayCritical(env, in, src, JNI_ABORT);
}

/*
 * Raw DEFLATE (one final block sequence) of in[inOff, inOff+inLen) into out from outOff; the
 * number of bytes written, 0 when they would not fit, -1 when an array could not be had.
 * The arrays are held as critical (no copy): compression makes no system call and takes
 * about a millisecond per 128 KiB.
 */
JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_Deflate_compress(JNIEnv *env, jclass cls, jlong compressor,
    jbyteArray in, jint inOff, jint inLen, jbyteArray out, jint outOff, jint outLen) {
  (void) cls;
  jbyte *src, *dst;
  if (pin(env, in, &src, out, &dst) != 0) {
    return -1;
  }
  size_t n = ld_compress((void *) (size_t) compressor, src + inOff, (size_t) inLen, dst + outOff, (size_t) outLen);
  unpin(env, in, src, out, dst);
  return (jint) n;
}

/* Whether libdeflate's gzip decompressor could be opened. */
JNIEXPORT jboolean JNICALL Java_io_jbuild_builder_sys_Deflate_openDecompressor(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  pthread_once(&once, open_libdeflate);
  return ld_dalloc != NULL ? JNI_TRUE : JNI_FALSE;
}

/* A decompressor, or 0 when there is no memory or no libdeflate. */
JNIEXPORT jlong JNICALL Java_io_jbuild_builder_sys_Deflate_allocDecompressor(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  pthread_once(&once, open_libdeflate);
  return ld_dalloc == NULL ? 0 : (jlong) (size_t) ld_dalloc();
}

JNIEXPORT void JNICALL Java_io_jbuild_builder_sys_Deflate_freeDecompressor(JNIEnv *env, jclass cls, jlong d) {
  (void) env;
  (void) cls;
  if (d != 0 && ld_dfree != NULL) {
    ld_dfree((void *) (size_t) d);
  }
}

/*
 * One gzip member at in[inOff, inOff+inLen) into out from outOff (CRC-32 and size checked):
 * (input bytes used << 32) | output bytes written, or -(libdeflate's result): -1 bad data,
 * -2 short output, -3 no room in out; -4 when an array could not be had.
 */
JNIEXPORT jlong JNICALL Java_io_jbuild_builder_sys_Deflate_gunzip(JNIEnv *env, jclass cls, jlong d,
    jbyteArray in, jint inOff, jint inLen, jbyteArray out, jint outOff, jint outLen) {
  (void) cls;
  jbyte *src, *dst;
  if (pin(env, in, &src, out, &dst) != 0) {
    return -4;
  }
  size_t used = 0, written = 0;
  int rc = ld_gunzip((void *) (size_t) d, src + inOff, (size_t) inLen, dst + outOff, (size_t) outLen, &used, &written);
  unpin(env, in, src, out, dst);
  if (rc != 0) {
    return -(jlong) rc;
  }
  return ((jlong) used << 32) | (jlong) written;
}
