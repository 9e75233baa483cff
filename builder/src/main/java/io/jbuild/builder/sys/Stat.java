package io.jbuild.builder.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A file's lstat (or stat, following a link): of a path as named, from the JDK; of what a
 * directory holds, from {@link LibC#statDir} without a call per file. Times in nanoseconds.
 */
public record Stat(int mode, long uid, long gid, long size, long dev, long ino, long mtime, long ctime, long nlink) {
  private static final String ATTRS = "unix:mode,uid,gid,size,dev,ino,lastModifiedTime,ctime,nlink";

  public static Stat of(Path p, boolean follow) throws IOException {
    Map<String, Object> a = follow ? Files.readAttributes(p, ATTRS)
        : Files.readAttributes(p, ATTRS, LinkOption.NOFOLLOW_LINKS);
    return new Stat((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("size"),
        (Long) a.get("dev"), (Long) a.get("ino"), ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
        ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS), (Integer) a.get("nlink"));
  }

  public static Stat of(DirEntries e) {
    return new Stat(e.mode(), e.uid(), e.gid(), e.size(), e.dev(), e.ino(), e.mtimeNanos(), e.ctimeNanos(), e.nlink());
  }

  public int type() {
    return mode & LibC.S_IFMT;
  }

  public boolean isDirectory() {
    return type() == LibC.S_IFDIR;
  }

  public FileTime mtimeFileTime() {
    return FileTime.from(mtime, TimeUnit.NANOSECONDS);
  }
}
