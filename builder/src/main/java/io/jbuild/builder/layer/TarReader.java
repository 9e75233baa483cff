package io.jbuild.builder.layer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads ustar, pax (POSIX.1-2001) and the GNU long-name extensions, which covers what Docker,
 * containerd, BuildKit, Buildah and GNU tar write into layers. pax values are kept as bytes.
 * Stops at the first all-zero block; {@link #drain()} reads the rest so a digest over the whole
 * stream can be checked.
 */
final class TarReader {
  private static final int BLOCK = 512;
  private final InputStream in;
  private final byte[] block = new byte[BLOCK];
  private long unread; // content bytes of the current entry not consumed yet
  private long padding;
  private boolean end;

  TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null at the end of the archive. */
  TarHeader next() throws IOException {
    skip(unread + padding);
    unread = 0;
    padding = 0;
    if (end) {
      return null;
    }
    Map<String, byte[]> pax = new HashMap<>();
    byte[] longName = null;
    byte[] longLink = null;
    while (true) {
      if (!readBlock()) {
        end = true;
        return null; // a tar that ends without the zero blocks; accepted like Go's reader
      }
      if (isZero(block)) {
        end = true;
        return null;
      }
      verifyChecksum();
      byte type = block[156];
      long size = number(124, 12);
      switch (type) {
        case 'x' -> {
          parsePax(readData(size), pax);
          continue;
        }
        case 'g' -> {
          readData(size); // global pax headers carry nothing jbuild applies
          continue;
        }
        case 'L' -> {
          longName = trimNul(readData(size));
          continue;
        }
        case 'K' -> {
          longLink = trimNul(readData(size));
          continue;
        }
        default -> {
        }
      }
      TarHeader h = new TarHeader();
      boolean posix = block[257] == 'u' && block[258] == 's' && block[259] == 't'
          && block[260] == 'a' && block[261] == 'r' && block[262] == 0;
      String name = string(0, 100);
      if (posix && block[345] != 0) {
        name = string(345, 155) + "/" + name;
      }
      if (longName != null) {
        name = new String(longName, StandardCharsets.UTF_8);
      }
      h.name = name;
      h.linkName = longLink != null ? new String(longLink, StandardCharsets.UTF_8) : string(157, 100);
      h.type = type == 0 || type == '7' ? TarHeader.REG : type;
      h.mode = (int) (number(100, 8) & 07777);
      h.uid = number(108, 8);
      h.gid = number(116, 8);
      h.size = size;
      h.mtimeSec = number(136, 12);
      if (h.type == TarHeader.CHR || h.type == TarHeader.BLK) {
        h.devMajor = (int) number(329, 8);
        h.devMinor = (int) number(337, 8);
      }
      for (Map.Entry<String, byte[]> e : pax.entrySet()) {
        String key = e.getKey();
        String value = new String(e.getValue(), StandardCharsets.UTF_8);
        switch (key) {
          case "path" -> h.name = value;
          case "linkpath" -> h.linkName = value;
          case "size" -> h.size = parseDecimal(key, value);
          case "uid" -> h.uid = parseDecimal(key, value);
          case "gid" -> h.gid = parseDecimal(key, value);
          case "mtime" -> {
            int dot = value.indexOf('.');
            h.mtimeSec = parseDecimal(key, dot < 0 ? value : value.substring(0, dot));
            if (dot >= 0) {
              String frac = (value.substring(dot + 1) + "000000000").substring(0, 9);
              h.mtimeNsec = (int) parseDecimal(key, frac);
              if (value.startsWith("-") && h.mtimeNsec != 0) { // -1.5 is 2 s before 0.5
                h.mtimeSec -= 1;
                h.mtimeNsec = 1_000_000_000 - h.mtimeNsec;
              }
            }
          }
          default -> {
            if (key.startsWith("SCHILY.xattr.")) {
              h.xattrs.put(key.substring("SCHILY.xattr.".length()), e.getValue());
            } else if (key.startsWith("GNU.sparse.")) {
              throw new LayerException(h.name + ": sparse tar entries are not supported");
            }
          }
        }
      }
      if (h.type == TarHeader.REG && h.name.endsWith("/")) {
        h.type = TarHeader.DIR; // pre-POSIX tars mark directories by the trailing slash only
      }
      long content = h.type == TarHeader.LINK || h.type == TarHeader.SYMLINK
          || h.type == TarHeader.DIR || h.type == TarHeader.CHR || h.type == TarHeader.BLK
          || h.type == TarHeader.FIFO ? 0 : h.size;
      // The data that follows the header is what the size field says, even for types without
      // content (some writers put sizes on hard links).
      unread = h.size;
      padding = (BLOCK - h.size % BLOCK) % BLOCK;
      h.size = content;
      return h;
    }
  }

  /** The content of the current entry; read it before calling {@link #next()} again. */
  InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (unread == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, unread));
        if (n < 0) {
          throw new LayerException("unexpected end of the tar stream inside an entry");
        }
        unread -= n;
        return n;
      }
    };
  }

  /** Reads to the end of the underlying stream (zero blocks and padding after the archive). */
  void drain() throws IOException {
    byte[] buf = new byte[64 * 1024];
    while (in.read(buf) >= 0) {
      // discarded: only the digest of the whole stream matters
    }
  }

  private byte[] readData(long size) throws IOException {
    if (size > 16 * 1024 * 1024) {
      throw new LayerException("tar extended header of " + size + " bytes is too large");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length != size) {
      throw new LayerException("unexpected end of the tar stream in an extended header");
    }
    skip((BLOCK - size % BLOCK) % BLOCK);
    return data;
  }

  /** Reads and discards; never InputStream.skip, which would bypass a digest over the stream. */
  private void skip(long n) throws IOException {
    byte[] buf = n <= BLOCK ? block.clone() : new byte[(int) Math.min(n, 64 * 1024)];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new LayerException("unexpected end of the tar stream");
      }
      n -= r;
    }
  }

  private boolean readBlock() throws IOException {
    int n = in.readNBytes(block, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n != BLOCK) {
      throw new LayerException("unexpected end of the tar stream in a header");
    }
    return true;
  }

  /**
   * The header's sum of its bytes, the checksum field counted as spaces, unsigned as POSIX says
   * or signed as some old tars wrote it (checked only when the unsigned one does not match: this
   * loop runs once per entry, mostly before the JIT has compiled it, so it is kept short).
   */
  private void verifyChecksum() throws IOException {
    long stored = number(148, 8);
    byte[] b = block;
    long unsigned = 8 * ' ';
    for (int i = 0; i < 148; i++) {
      unsigned += b[i] & 0xff;
    }
    for (int i = 156; i < BLOCK; i++) {
      unsigned += b[i] & 0xff;
    }
    if (stored != unsigned && stored != signedSum()) {
      throw new LayerException("invalid tar header checksum (not a tar stream, or corrupt)");
    }
  }

  private long signedSum() {
    long signed = 8 * ' ';
    for (int i = 0; i < BLOCK; i++) {
      signed += i >= 148 && i < 156 ? 0 : block[i];
    }
    return signed;
  }

  private static void parsePax(byte[] data, Map<String, byte[]> into) throws LayerException {
    int pos = 0;
    while (pos < data.length) {
      int space = pos;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new LayerException("malformed pax record length");
      }
      int recordEnd = pos + len;
      if (len <= 0 || recordEnd > data.length || data[recordEnd - 1] != '\n') {
        throw new LayerException("malformed pax record");
      }
      int eq = space + 1;
      while (eq < recordEnd && data[eq] != '=') {
        eq++;
      }
      if (eq >= recordEnd) {
        throw new LayerException("malformed pax record without '='");
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      into.put(key, Arrays.copyOfRange(data, eq + 1, recordEnd - 1));
      pos = recordEnd;
    }
  }

  private static long parseDecimal(String key, String v) throws LayerException {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new LayerException("malformed pax " + key + ": " + v);
    }
  }

  private String string(int off, int len) {
    int end = off;
    while (end < off + len && block[end] != 0) {
      end++;
    }
    return new String(block, off, end - off, StandardCharsets.UTF_8);
  }

  /** An octal field (space or NUL padded), or GNU base-256 when the high bit is set. */
  private long number(int off, int len) throws LayerException {
    if ((block[off] & 0x80) != 0) {
      long v = block[off] & 0x3f;
      if ((block[off] & 0x40) != 0) {
        throw new LayerException("negative base-256 number in a tar header");
      }
      for (int i = 1; i < len; i++) {
        v = (v << 8) | (block[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (block[i] == ' ' || block[i] == 0)) {
      i++;
    }
    for (; i < end && block[i] >= '0' && block[i] <= '7'; i++) {
      v = (v << 3) | (block[i] - '0');
    }
    return v;
  }

  private static byte[] trimNul(byte[] b) {
    int end = b.length;
    while (end > 0 && b[end - 1] == 0) {
      end--;
    }
    return Arrays.copyOf(b, end);
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
