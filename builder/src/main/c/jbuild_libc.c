/*
 * libjbuild.so: the libc calls of io.jbuild.builder.sys.LibC, as JNI functions of LibCJni.
 *
 * Every call returns 0 (or a size) on success and -errno on failure, so the errno travels back
 * with the result and nothing the JVM does between the call and Java can overwrite it. Strings
 * arrive as byte[] without a terminating NUL (the path's bytes as the JDK would pass them to
 * the kernel); each is copied into a NUL-terminated buffer, and one holding a NUL is EINVAL
 * rather than silently cut short. No Java array is pinned while a system call runs (mount(2)
 * can block for long): the bytes are copied in and out.
 *
 * Built by build.sh beside this file (gcc -O2 -fPIC -shared -Wall -Werror), which builder/pom.xml
 * runs before javac; after javac, the pom compiles this file once more, with JBUILD_CHECK_HEADER
 * and -Wmissing-prototypes, against the header javac -h wrote for LibCJni: a function whose
 * signature or name drifted from the Java side fails the build.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <jni.h>

#ifdef JBUILD_CHECK_HEADER
#include "io_jbuild_builder_sys_LibCJni.h"
#endif

/* The "C" locale, for errno texts in English whatever the JVM's locale. */
static locale_t c_locale = (locale_t) 0;

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  (void) vm;
  (void) reserved;
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
  return JNI_VERSION_1_8;
}

/* The length of an array, 0 for a null one (never negative: as size_t for libc). */
static size_t length(JNIEnv *env, jbyteArray array) {
  jsize len = array == NULL ? 0 : (*env)->GetArrayLength(env, array);
  return len > 0 ? (size_t) len : 0;
}

/*
 * *out = a malloc'ed NUL-terminated copy of the array (NULL for a null array). Returns 0 or a
 * negative errno: -ENOMEM, or -EINVAL when the bytes hold a NUL.
 */
static int cstr(JNIEnv *env, jbyteArray array, char **out) {
  *out = NULL;
  if (array == NULL) {
    return 0;
  }
  size_t len = length(env, array);
  char *s = malloc(len + 1);
  if (s == NULL) {
    return -ENOMEM;
  }
  (*env)->GetByteArrayRegion(env, array, 0, (jsize) len, (jbyte *) s);
  if (memchr(s, 0, len) != NULL) {
    free(s);
    return -EINVAL;
  }
  s[len] = 0;
  *out = s;
  return 0;
}

/* A result of a libc call that returns -1 and sets errno on failure: the result or -errno. */
static jlong result(long rc) {
  return rc < 0 ? -(jlong) errno : (jlong) rc;
}

/* The body of a wrapper of a call on one path: CALL, with p the path's copy, or -errno. */
#define ON_PATH(path, CALL)            \
  char *p;                             \
  int rc = cstr(env, (path), &p);      \
  if (rc == 0) {                       \
    rc = (int) result(CALL);           \
  }                                    \
  free(p);                             \
  return rc

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_mount(JNIEnv *env, jclass cls,
    jbyteArray source, jbyteArray target, jbyteArray fstype, jlong flags, jbyteArray data) {
  (void) cls;
  char *s = NULL, *t = NULL, *f = NULL, *d = NULL;
  int rc;
  if ((rc = cstr(env, source, &s)) == 0 && (rc = cstr(env, target, &t)) == 0
      && (rc = cstr(env, fstype, &f)) == 0 && (rc = cstr(env, data, &d)) == 0) {
    rc = (int) result(mount(s, t, f, (unsigned long) flags, d));
  }
  free(s);
  free(t);
  free(f);
  free(d);
  return rc;
}

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_umount2(JNIEnv *env, jclass cls,
    jbyteArray target, jint flags) {
  (void) cls;
  ON_PATH(target, umount2(p, flags));
}

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_mknod(JNIEnv *env, jclass cls,
    jbyteArray path, jint mode, jlong dev) {
  (void) cls;
  ON_PATH(path, mknod(p, (mode_t) mode, (dev_t) dev));
}

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_lsetxattr(JNIEnv *env, jclass cls,
    jbyteArray path, jbyteArray name, jbyteArray value, jint flags) {
  (void) cls;
  char *p = NULL, *n = NULL, *v = NULL;
  int rc;
  size_t len = length(env, value);
  if ((rc = cstr(env, path, &p)) == 0 && (rc = cstr(env, name, &n)) == 0) {
    v = malloc(len > 0 ? len : 1);
    if (v == NULL) {
      rc = -ENOMEM;
    } else {
      (*env)->GetByteArrayRegion(env, value, 0, (jsize) len, (jbyte *) v);
      rc = (int) result(lsetxattr(p, n, v, len, flags));
    }
  }
  free(p);
  free(n);
  free(v);
  return rc;
}

/* A call that reads up to len bytes into buf: lgetxattr(2), or llistxattr(2) through list_of. */
typedef ssize_t (*reader)(const char *path, const char *name, void *buf, size_t len);

static ssize_t list_of(const char *path, const char *name, void *buf, size_t len) {
  (void) name;
  return llistxattr(path, buf, len);
}

/*
 * read into a buffer as long as out, then what it read into out; a null out asks for the size
 * only. Returns the size or -errno.
 */
static jlong read_into(JNIEnv *env, reader read, const char *path, const char *name, jbyteArray out) {
  size_t len = length(env, out);
  char *buf = NULL;
  if (len > 0 && (buf = malloc(len)) == NULL) {
    return -ENOMEM;
  }
  jlong rc = result(read(path, name, buf, len));
  if (rc > 0 && buf != NULL) {
    (*env)->SetByteArrayRegion(env, out, 0, (jsize) rc, (jbyte *) buf);
  }
  free(buf);
  return rc;
}

/* lgetxattr(2) into value; a null value asks for the size only. */
JNIEXPORT jlong JNICALL Java_io_jbuild_builder_sys_LibCJni_lgetxattr(JNIEnv *env, jclass cls,
    jbyteArray path, jbyteArray name, jbyteArray value) {
  (void) cls;
  char *p = NULL, *n = NULL;
  jlong rc;
  if ((rc = cstr(env, path, &p)) == 0 && (rc = cstr(env, name, &n)) == 0) {
    rc = read_into(env, lgetxattr, p, n, value);
  }
  free(p);
  free(n);
  return rc;
}

/* llistxattr(2) into list; a null list asks for the size only. */
JNIEXPORT jlong JNICALL Java_io_jbuild_builder_sys_LibCJni_llistxattr(JNIEnv *env, jclass cls,
    jbyteArray path, jbyteArray list) {
  (void) cls;
  char *p = NULL;
  jlong rc = cstr(env, path, &p);
  if (rc == 0) {
    rc = read_into(env, list_of, p, NULL, list);
  }
  free(p);
  return rc;
}

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_lchown(JNIEnv *env, jclass cls,
    jbyteArray path, jint uid, jint gid) {
  (void) cls;
  ON_PATH(path, lchown(p, (uid_t) uid, (gid_t) gid));
}

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_chmod(JNIEnv *env, jclass cls,
    jbyteArray path, jint mode) {
  (void) cls;
  ON_PATH(path, chmod(p, (mode_t) mode));
}

JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_utimensat(JNIEnv *env, jclass cls,
    jint dirfd, jbyteArray path, jlong atimeSec, jlong atimeNsec, jlong mtimeSec,
    jlong mtimeNsec, jint flags) {
  (void) cls;
  struct timespec times[2];
  times[0].tv_sec = (time_t) atimeSec;
  times[0].tv_nsec = (long) atimeNsec;
  times[1].tv_sec = (time_t) mtimeSec;
  times[1].tv_nsec = (long) mtimeNsec;
  ON_PATH(path, utimensat(dirfd, p, times, flags));
}

/* Ends the process at once (_exit(2)): no shutdown hooks, no JVM teardown. */
JNIEXPORT void JNICALL Java_io_jbuild_builder_sys_LibCJni_exitnow(JNIEnv *env, jclass cls, jint code) {
  (void) env;
  (void) cls;
  _exit(code);
}

/* lstat(2)'s st_mode of a path, or -errno: a cheap "what is there" with no exception in Java. */
JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_lstatmode(JNIEnv *env, jclass cls, jbyteArray path) {
  (void) cls;
  struct stat st;
  char *p;
  int rc = cstr(env, path, &p);
  if (rc == 0) {
    rc = lstat(p, &st) == 0 ? (int) st.st_mode : -errno;
  }
  free(p);
  return rc;
}

/* Copies all of in to out: copy_file_range, else sendfile, else read/write. 0 or -errno. */
static int copy_all(int in, int out) {
  int mode = 0; /* 0: copy_file_range, 1: sendfile, 2: read/write */
  char buf[65536];
  for (;;) {
    ssize_t n;
    if (mode == 0) {
      n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
        mode = 1;
        continue;
      }
    } else if (mode == 1) {
      n = sendfile(out, in, NULL, 1 << 30);
      if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
        mode = 2;
        continue;
      }
    } else {
      n = read(in, buf, sizeof buf);
      if (n > 0) {
        for (ssize_t done = 0; done < n;) {
          ssize_t w = write(out, buf + done, (size_t) (n - done));
          if (w < 0) {
            if (errno == EINTR) {
              continue;
            }
            return -errno;
          }
          done += w;
        }
      }
    }
    if (n == 0) {
      return 0;
    }
    if (n < 0 && errno != EINTR) {
      return -errno;
    }
  }
}

/*
 * COPY's regular file in one call: src (followed, as a COPY source is) into dst, which must not
 * exist (O_EXCL, and a symlink there is not followed), then owner (uid < 0: left as created),
 * mode (after the owner: chown clears set-id bits) and mtime (atime untouched) on the open file.
 * 0 or -errno; a dst created before a failure is removed.
 */
JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_copyfile(JNIEnv *env, jclass cls,
    jbyteArray src, jbyteArray dst, jint mode, jint uid, jint gid, jlong mtimeSec, jlong mtimeNsec) {
  (void) cls;
  char *s = NULL, *d = NULL;
  int rc;
  int in = -1, out = -1;
  if ((rc = cstr(env, src, &s)) != 0 || (rc = cstr(env, dst, &d)) != 0) {
    goto done;
  }
  in = open(s, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    rc = -errno;
    goto done;
  }
  out = open(d, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    rc = -errno;
    goto done;
  }
  rc = copy_all(in, out);
  if (rc == 0 && uid >= 0 && fchown(out, (uid_t) uid, (gid_t) gid) != 0) {
    rc = -errno;
  }
  if (rc == 0 && fchmod(out, (mode_t) mode) != 0) {
    rc = -errno;
  }
  if (rc == 0) {
    struct timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = (time_t) mtimeSec;
    times[1].tv_nsec = (long) mtimeNsec;
    if (futimens(out, times) != 0) {
      rc = -errno;
    }
  }
  if (close(out) != 0 && rc == 0) {
    rc = -errno;
  }
  if (rc != 0) {
    unlink(d);
  }
done:
  if (in >= 0) {
    close(in);
  }
  free(s);
  free(d);
  return rc;
}

/*
 * One entry of a layer being unpacked, in one call instead of four: kind 0 makes a symlink to
 * link, kind 1 a directory (0700 until its mode is set), kind 2 makes nothing (a regular file
 * just written, a node mknod made); then the owner (lchown), the mode (chmod; not of a symlink,
 * which has none) and, when set_times, atime and mtime (utimensat, a symlink not followed).
 * Returns 0, or -(errno * 8 + step) for the call that failed: step 1 creating (EEXIST: something
 * is there already, the caller decides), 2 lchown, 3 chmod, 4 utimensat.
 */
JNIEXPORT jint JNICALL Java_io_jbuild_builder_sys_LibCJni_makenode(JNIEnv *env, jclass cls,
    jbyteArray path, jint kind, jbyteArray link, jint mode, jint uid, jint gid, jlong mtimeSec,
    jlong mtimeNsec, jboolean setTimes) {
  (void) cls;
  char *p = NULL, *l = NULL;
  int rc, step = 1;
  if ((rc = cstr(env, path, &p)) != 0 || (rc = cstr(env, link, &l)) != 0) {
    goto done;
  }
  if (kind == 0) {
    rc = l == NULL ? -EINVAL : (int) result(symlink(l, p));
  } else if (kind == 1) {
    rc = (int) result(mkdir(p, 0700));
  }
  if (rc == 0) {
    step = 2;
    rc = (int) result(lchown(p, (uid_t) uid, (gid_t) gid));
  }
  if (rc == 0 && kind != 0) {
    step = 3;
    rc = (int) result(chmod(p, (mode_t) mode));
  }
  if (rc == 0 && setTimes) {
    struct timespec times[2];
    times[0].tv_sec = (time_t) mtimeSec;
    times[0].tv_nsec = (long) mtimeNsec;
    times[1] = times[0];
    step = 4;
    rc = (int) result(utimensat(AT_FDCWD, p, times, AT_SYMLINK_NOFOLLOW));
  }
done:
  free(p);
  free(l);
  return rc == 0 ? 0 : rc * 8 - step;
}

/* The English text of an errno, or null for one libc does not know. */
JNIEXPORT jstring JNICALL Java_io_jbuild_builder_sys_LibCJni_strerror(JNIEnv *env, jclass cls,
    jint errnum) {
  (void) cls;
  if (errnum <= 0 || c_locale == (locale_t) 0) {
    return NULL;
  }
  const char *text = strerror_l(errnum, c_locale);
  if (text == NULL || strncmp(text, "Unknown error", 13) == 0) {
    return NULL;
  }
  return (*env)->NewStringUTF(env, text);
}

/* One directory entry with its lstat, for statdir. */
struct entry {
  char *name;
  size_t len;
  struct stat st;
};

static int by_name(const void *a, const void *b) {
  return strcmp(((const struct entry *) a)->name, ((const struct entry *) b)->name);
}

static void put64(unsigned char *out, long long v) {
  for (int i = 0; i < 8; i++) {
    out[i] = (unsigned char) ((unsigned long long) v >> (8 * i));
  }
}

/*
 * Every entry of a directory (not . and ..) with its lstat, sorted by name (bytes), packed for
 * Java: per entry a 2-byte little-endian name length, the name, then 9 little-endian int64:
 * mode, uid, gid, size, dev, ino, mtime and ctime in nanoseconds, nlink. One call per directory
 * instead of a JDK attribute map per file: a stat walk of 20,000 files in milliseconds.
 * *rc: 0, or -errno (of opendir, or of an fstatat other than ENOENT: an entry removed
 * meanwhile is left out).
 */
JNIEXPORT jbyteArray JNICALL Java_io_jbuild_builder_sys_LibCJni_statdir(JNIEnv *env, jclass cls,
    jbyteArray path, jintArray rc) {
  (void) cls;
  char *p;
  jint status = cstr(env, path, &p);
  jbyteArray out = NULL;
  struct entry *entries = NULL;
  size_t n = 0, cap = 0, bytes = 0;
  DIR *dir = NULL;
  if (status == 0) {
    dir = opendir(p);
    if (dir == NULL) {
      status = -errno;
    }
  }
  while (status == 0) {
    errno = 0;
    struct dirent *d = readdir(dir);
    if (d == NULL) {
      status = errno ? -errno : 0;
      break;
    }
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
      continue;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      struct entry *grown = realloc(entries, cap * sizeof *entries);
      if (grown == NULL) {
        status = -ENOMEM;
        break;
      }
      entries = grown;
    }
    struct entry *e = &entries[n];
    if (fstatat(dirfd(dir), d->d_name, &e->st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        continue;
      }
      status = -errno;
      break;
    }
    e->len = strlen(d->d_name);
    e->name = strdup(d->d_name);
    if (e->name == NULL || e->len > 65535) {
      free(e->name);
      status = e->name == NULL ? -ENOMEM : -ENAMETOOLONG;
      break;
    }
    bytes += 2 + e->len + 72;
    n++;
  }
  if (status == 0 && bytes <= 0x7fffffff) {
    qsort(entries, n, sizeof *entries, by_name);
    unsigned char *buf = malloc(bytes ? bytes : 1);
    if (buf == NULL) {
      status = -ENOMEM;
    } else {
      unsigned char *w = buf;
      for (size_t i = 0; i < n; i++) {
        struct stat *s = &entries[i].st;
        w[0] = (unsigned char) (entries[i].len & 0xff);
        w[1] = (unsigned char) (entries[i].len >> 8);
        memcpy(w + 2, entries[i].name, entries[i].len);
        w += 2 + entries[i].len;
        put64(w, (long long) s->st_mode);
        put64(w + 8, (long long) s->st_uid);
        put64(w + 16, (long long) s->st_gid);
        put64(w + 24, (long long) s->st_size);
        put64(w + 32, (long long) s->st_dev);
        put64(w + 40, (long long) s->st_ino);
        put64(w + 48, (long long) s->st_mtim.tv_sec * 1000000000LL + s->st_mtim.tv_nsec);
        put64(w + 56, (long long) s->st_ctim.tv_sec * 1000000000LL + s->st_ctim.tv_nsec);
        put64(w + 64, (long long) s->st_nlink);
        w += 72;
      }
      out = (*env)->NewByteArray(env, (jsize) bytes);
      if (out != NULL) {
        (*env)->SetByteArrayRegion(env, out, 0, (jsize) bytes, (jbyte *) buf);
      }
      free(buf);
    }
  } else if (status == 0) {
    status = -EOVERFLOW;
  }
  for (size_t i = 0; i < n; i++) {
    free(entries[i].name);
  }
  free(entries);
  if (dir != NULL) {
    closedir(dir);
  }
  free(p);
  (*env)->SetIntArrayRegion(env, rc, 0, 1, &status);
  return out;
}
