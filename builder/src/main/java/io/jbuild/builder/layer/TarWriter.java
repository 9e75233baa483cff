package io.jbuild.builder.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a POSIX pax tar the way containerd's archive package (and so BuildKit) does: ustar
 * headers, a pax extended header only when a value does not fit (long or non-ASCII names and link
 * names, big numbers, xattrs as SCHILY.xattr.*), mtimes truncated to whole seconds, no uname or
 * gname, no atime/ctime. Equal input gives equal bytes.
 */
final class TarWriter implements AutoCloseable {
  private static final int BLOCK = 512;
  private static final byte[] ZEROS = new byte[BLOCK];
  private static final byte[] USTAR = {'u', 's', 't', 'a', 'r', 0};
  private final OutputStream out;
  private long remaining;
  private long written;
  private boolean closed;
  private final byte[] copyBuf = new byte[64 * 1024];

  TarWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes a header; for regular files, follow it with exactly {@code h.size} bytes. */
  void putHeader(TarHeader h) throws IOException {
    if (remaining != 0) {
      throw new IllegalStateException("previous entry is missing " + remaining + " bytes");
    }
    Map<String, byte[]> pax = new TreeMap<>();
    byte[] nameBytes = h.name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > 100 || !isAscii(nameBytes)) {
      pax.put("path", nameBytes);
    }
    byte[] linkBytes = h.linkName.getBytes(StandardCharsets.UTF_8);
    if (linkBytes.length > 100 || !isAscii(linkBytes)) {
      pax.put("linkpath", linkBytes);
    }
    if (!fitsOctal(h.uid, 8)) {
      pax.put("uid", ascii(Long.toString(h.uid)));
    }
    if (!fitsOctal(h.gid, 8)) {
      pax.put("gid", ascii(Long.toString(h.gid)));
    }
    if (!fitsOctal(h.size, 12)) {
      pax.put("size", ascii(Long.toString(h.size)));
    }
    if (!fitsOctal(h.mtimeSec, 12)) {
      pax.put("mtime", ascii(Long.toString(h.mtimeSec)));
    }
    for (Map.Entry<String, byte[]> x : h.xattrs.entrySet()) {
      pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
    }
    if (!pax.isEmpty()) {
      byte[] records = paxRecords(pax);
      String base = h.name.endsWith("/") ? h.name.substring(0, h.name.length() - 1) : h.name;
      int slash = base.lastIndexOf('/');
      // Go's archive/tar names the pax header "<dir>/PaxHeaders.0/<file>"; readers ignore it.
      String paxName = (slash < 0 ? "" : base.substring(0, slash + 1)) + "PaxHeaders.0/"
          + base.substring(slash + 1);
      writeBlock(header(truncate(paxName), (byte) 'x', 0, 0, 0, records.length, 0, new byte[0], 0, 0));
      out.write(records);
      pad(records.length);
    }
    long size = h.type == TarHeader.REG ? h.size : 0;
    writeBlock(header(truncate(h.name), h.type, h.mode, h.uid, h.gid, size, h.mtimeSec,
        truncate(h.linkName), h.devMajor, h.devMinor));
    remaining = size;
    written = size;
  }

  /** Copies exactly the entry's size from {@code in}; a file that changed size is an error. */
  void putContent(InputStream in, String what) throws IOException {
    long left = remaining;
    while (left > 0) {
      int n = in.read(copyBuf, 0, (int) Math.min(copyBuf.length, left));
      if (n < 0) {
        throw new LayerException(what + " shrank while it was being archived");
      }
      out.write(copyBuf, 0, n);
      left -= n;
    }
    if (in.read() >= 0) {
      throw new LayerException(what + " grew while it was being archived");
    }
    remaining = 0;
    pad(written);
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      // Two zero blocks end the archive (POSIX ustar).
      out.write(ZEROS);
      out.write(ZEROS);
      out.flush();
    }
  }

  private void pad(long length) throws IOException {
    int rest = (int) (length % BLOCK);
    if (rest != 0) {
      out.write(ZEROS, 0, BLOCK - rest);
    }
  }

  private void writeBlock(byte[] block) throws IOException {
    out.write(block);
  }

  private static byte[] header(byte[] name, byte type, int mode, long uid, long gid, long size,
      long mtime, byte[] link, int major, int minor) {
    byte[] b = new byte[BLOCK];
    System.arraycopy(name, 0, b, 0, name.length);
    octal(b, 100, 8, mode);
    octal(b, 108, 8, fitsOctal(uid, 8) ? uid : 0);
    octal(b, 116, 8, fitsOctal(gid, 8) ? gid : 0);
    octal(b, 124, 12, fitsOctal(size, 12) ? size : 0);
    octal(b, 136, 12, fitsOctal(mtime, 12) ? mtime : 0);
    b[156] = type;
    System.arraycopy(link, 0, b, 157, link.length);
    System.arraycopy(USTAR, 0, b, 257, 6);
    b[263] = '0';
    b[264] = '0';
    if (type == TarHeader.CHR || type == TarHeader.BLK) {
      number(b, 329, 8, major);
      number(b, 337, 8, minor);
    }
    Arrays.fill(b, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte x : b) {
      sum += x & 0xff;
    }
    digits(b, 148, 6, sum); // "%06o", NUL, space: as Go writes it
    b[154] = 0;
    b[155] = ' ';
    return b;
  }

  private static boolean fitsOctal(long v, int width) {
    return v >= 0 && v < (1L << (3 * (width - 1)));
  }

  /** {@code width - 1} zero-padded octal digits and a NUL. */
  private static void octal(byte[] b, int off, int width, long v) {
    digits(b, off, width - 1, v);
    b[off + width - 1] = 0;
  }

  /** {@code v} (which fits) as exactly {@code count} zero-padded octal digits. */
  private static void digits(byte[] b, int off, int count, long v) {
    for (int i = off + count - 1; i >= off; i--) {
      b[i] = (byte) ('0' + (v & 7));
      v >>>= 3;
    }
  }

  /** Octal when it fits, else GNU base-256 (as Go does for device numbers). */
  private static void number(byte[] b, int off, int width, long v) {
    if (fitsOctal(v, width)) {
      octal(b, off, width, v);
      return;
    }
    for (int i = width - 1; i > 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
    b[off] = (byte) 0x80;
  }

  private static byte[] truncate(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    return bytes.length > 100 ? Arrays.copyOf(bytes, 100) : bytes;
  }

  /** pax records "LEN key=value\n", where LEN counts the whole record including itself. */
  static byte[] paxRecords(Map<String, byte[]> records) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> r : records.entrySet()) {
      byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
      int body = 1 + key.length + 1 + r.getValue().length + 1; // ' ' key '=' value '\n'
      int len = body + Integer.toString(body).length();
      if (Integer.toString(len).length() != Integer.toString(body).length()) {
        len = body + Integer.toString(len).length();
      }
      buf.writeBytes(ascii(Integer.toString(len) + " "));
      buf.writeBytes(key);
      buf.write('=');
      buf.writeBytes(r.getValue());
      buf.write('\n');
    }
    return buf.toByteArray();
  }

  private static boolean isAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0x20 || x == 0x7f) { // negative: non-ASCII UTF-8; control chars need pax too
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
