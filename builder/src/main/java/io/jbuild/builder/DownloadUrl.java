package io.jbuild.builder;

import io.jbuild.graph.HttpOp;
import io.jbuild.oci.Digest;
import io.jbuild.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;

/**
 * ADD URL: downloads one file into a directory of its own, as BuildKit's http source does
 * (source/http/httpsource.go): mode 0600, owner 0:0, mtime from Last-Modified (the Unix epoch
 * when the server sends none), {@code --checksum} verified.
 *
 * <p>A small record per URL ({@code <root>/sources/http/<sha256 of url>/}: the file and its
 * ETag, Last-Modified and digest) lets the next build ask with If-None-Match/If-Modified-Since
 * and reuse the file on 304, and skip the network altogether when {@code --checksum} names the
 * digest already downloaded (BuildKit keys such a source by URL and checksum alone).
 */
final class DownloadUrl {
  /** What the last download of a URL gave. */
  record Remembered(String etag, String lastModified, String digest) {}

  private final Path records;
  private final HttpClient client;

  DownloadUrl(Path records) {
    this.records = records;
    this.client = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  /** Fills {@code into} (an empty directory) with the file and returns it. */
  Path fetch(HttpOp op, Path into) throws IOException, InterruptedException {
    Path record = records.resolve(Digest.sha256(op.url().getBytes(java.nio.charset.StandardCharsets.UTF_8)).encoded());
    Remembered known = remembered(record);
    Path file;
    String lastModified;
    if (op.checksum() != null && known != null && op.checksum().equals(known.digest())) {
      file = record.resolve("file");
      lastModified = known.lastModified();
    } else {
      HttpRequest.Builder req = HttpRequest.newBuilder(uri(op.url())).GET();
      if (known != null && known.etag() != null) {
        req.header("If-None-Match", known.etag());
      }
      if (known != null && known.lastModified() != null) {
        req.header("If-Modified-Since", known.lastModified());
      }
      HttpResponse<InputStream> resp;
      try {
        resp = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        throw new IOException("failed to load " + op.url() + ": " + e, e);
      }
      if (resp.statusCode() == 304 && known != null) {
        resp.body().close();
        file = record.resolve("file");
        lastModified = known.lastModified();
        verify(op, known.digest());
      } else if (resp.statusCode() / 100 != 2) {
        resp.body().close();
        // BuildKit: "invalid response status 404"
        throw new IOException("failed to load " + op.url() + ": invalid response status " + resp.statusCode());
      } else {
        Path staging = Files.createTempDirectory(into.getParent(), "download-");
        Path tmp = staging.resolve("file");
        String digest;
        try (InputStream in = resp.body(); OutputStream out = Files.newOutputStream(tmp)) {
          MessageDigest sha = sha256();
          byte[] buf = new byte[65536];
          for (int n; (n = in.read(buf)) > 0; ) {
            sha.update(buf, 0, n);
            out.write(buf, 0, n);
          }
          digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
        }
        verify(op, digest);
        lastModified = resp.headers().firstValue("Last-Modified").orElse(null);
        remember(record, staging, new Remembered(resp.headers().firstValue("ETag").orElse(null), lastModified, digest));
        file = staging.resolve("file");
      }
    }
    Path out = into.resolve(op.filename());
    Files.copy(file, out, StandardCopyOption.REPLACE_EXISTING);
    Files.setAttribute(out, "unix:mode", 0600);
    Files.setAttribute(out, "unix:uid", 0);
    Files.setAttribute(out, "unix:gid", 0);
    Files.setLastModifiedTime(out, FileTime.from(mtime(lastModified)));
    return out;
  }

  private static void verify(HttpOp op, String digest) throws IOException {
    if (op.checksum() != null && !op.checksum().equals(digest)) {
      throw new IOException("checksum mismatch for " + op.url() + ": --checksum is " + op.checksum()
          + " but the download is " + digest);
    }
  }

  /** Last-Modified (RFC 1123) or the Unix epoch, like BuildKit. */
  static Instant mtime(String lastModified) {
    if (lastModified == null) {
      return Instant.EPOCH;
    }
    try {
      return ZonedDateTime.parse(lastModified, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private static Remembered remembered(Path record) {
    try {
      if (!Files.isRegularFile(record.resolve("meta.json")) || !Files.isRegularFile(record.resolve("file"))) {
        return null;
      }
      return Json.read(Files.readAllBytes(record.resolve("meta.json")), Remembered.class, "download record " + record);
    } catch (IOException | RuntimeException e) {
      return null; // a broken record only costs a download
    }
  }

  /** Replaces the URL's record with the staged file and its metadata (rename: atomic). */
  private static void remember(Path record, Path staging, Remembered r) throws IOException {
    Path copy = Files.createTempDirectory(staging.getParent(), "record-");
    Files.copy(staging.resolve("file"), copy.resolve("file"));
    Files.write(copy.resolve("meta.json"), Json.write(r));
    Files.createDirectories(record.getParent());
    Path old = record.resolveSibling(record.getFileName() + ".old-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    try {
      Files.move(record, old, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException e) {
      old = null;
    }
    try {
      Files.move(copy, record, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
      TmpJanitor.removeTree(copy); // another build wrote it first
    }
    if (old != null) {
      TmpJanitor.removeTree(old);
    }
  }

  private static URI uri(String url) throws IOException {
    try {
      return URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid URL " + url + ": " + e.getMessage(), e);
    }
  }

  private static MessageDigest sha256() {
    return Digest.newSha256();
  }
}
