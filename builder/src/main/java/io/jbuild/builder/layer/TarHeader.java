package io.jbuild.builder.layer;

import java.util.Map;
import java.util.TreeMap;

/**
 * One tar entry as jbuild reads and writes it. Field meanings follow POSIX pax/ustar; xattrs are
 * kept as raw bytes because values such as security.capability are binary, which is also why
 * jbuild has its own tar codec: commons-compress decodes pax values as UTF-8 and would corrupt
 * them.
 */
final class TarHeader {
  static final byte REG = '0';
  static final byte LINK = '1';
  static final byte SYMLINK = '2';
  static final byte CHR = '3';
  static final byte BLK = '4';
  static final byte DIR = '5';
  static final byte FIFO = '6';

  String name; // no leading "/", directories with a trailing "/"
  byte type = REG;
  int mode; // permission bits incl. setuid/setgid/sticky (07777)
  long uid;
  long gid;
  long size;
  long mtimeSec;
  int mtimeNsec;
  String linkName = "";
  int devMajor;
  int devMinor;
  final Map<String, byte[]> xattrs = new TreeMap<>();

  boolean isDir() {
    return type == DIR;
  }

  @Override
  public String toString() {
    return name;
  }
}
