package io.jbuild.graph;

/**
 * A file downloaded over http(s) for {@code ADD URL}: a directory holding exactly that file,
 * like BuildKit's {@code llb.HTTP(url, llb.Filename(f), llb.Checksum(d))}. The file gets mode
 * 0600, owner 0:0 and the mtime of the response's Last-Modified (BuildKit source/http).
 * Consumers read it like a local context, so a COPY's cache key is the downloaded content.
 *
 * @param url the URL as written (after expansion)
 * @param checksum {@code --checksum} ({@code sha256:HEX}), or null
 * @param filename the file's name in the directory: the last element of the URL path, or
 *     {@code __unnamed__} like BuildKit's dockerfile2llb
 */
public record HttpOp(String url, String checksum, String filename) implements Op {
  @Override
  public int arity() {
    return 0;
  }
}
