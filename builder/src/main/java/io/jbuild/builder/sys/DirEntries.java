package io.jbuild.builder.sys;

import java.nio.charset.Charset;

/**
 * A directory's entries with their lstat, as {@link LibC#statDir} returns them: a cursor over
 * the packed bytes (no object per entry). {@link #next} moves to the next entry; the accessors
 * read the current one.
 */
public final class DirEntries {
  private final byte[] b;
  private final Charset charset;
  private int pos;
  private int nameStart;
  private int nameLen;
  private int stats = -1;

  DirEntries(byte[] packed, Charset charset) {
    this.b = packed;
    this.charset = charset;
  }

  /** Moves to the next entry; false after the last. */
  public boolean next() {
    if (stats >= 0) {
      pos = stats + 72;
    }
    if (pos >= b.length) {
      return false;
    }
    nameLen = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
    nameStart = pos + 2;
    stats = nameStart + nameLen;
    return true;
  }

  public String name() {
    return new String(b, nameStart, nameLen, charset);
  }

  /** The packed bytes and where the current entry's name and its 64 bytes of stat lie. */
  public byte[] bytes() {
    return b;
  }

  public int nameOffset() {
    return nameStart;
  }

  public int nameLength() {
    return nameLen;
  }

  /**
   * Offset of the 9 int64 (mode, uid, gid, size, dev, ino, mtime ns, ctime ns, nlink): the
   * first 64 bytes are what a file's state is (nlink moves with ctime).
   */
  public int statOffset() {
    return stats;
  }

  public int mode() {
    return (int) field(0);
  }

  public boolean isDirectory() {
    return (mode() & LibC.S_IFMT) == LibC.S_IFDIR;
  }

  public long uid() {
    return field(1);
  }

  public long gid() {
    return field(2);
  }

  public long size() {
    return field(3);
  }

  public long dev() {
    return field(4);
  }

  public long ino() {
    return field(5);
  }

  public long mtimeNanos() {
    return field(6);
  }

  public long ctimeNanos() {
    return field(7);
  }

  public long nlink() {
    return field(8);
  }

  private long field(int i) {
    int o = stats + 8 * i;
    long v = 0;
    for (int k = 7; k >= 0; k--) {
      v = (v << 8) | (b[o + k] & 0xff);
    }
    return v;
  }
}
