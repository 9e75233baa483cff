package io.jbuild.builder.layer;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.jbuild.oci.GzipInput;
import io.jbuild.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** How a layer blob is compressed, and so which OCI layer media type it has (image-spec layer.md). */
public enum Compression {
  GZIP(MediaTypes.OCI_LAYER_GZIP),
  ZSTD(MediaTypes.OCI_LAYER_ZSTD),
  NONE(MediaTypes.OCI_LAYER);

  private final String mediaType;

  Compression(String mediaType) {
    this.mediaType = mediaType;
  }

  public String mediaType() {
    return mediaType;
  }

  private static final int CORES = Runtime.getRuntime().availableProcessors();

  /**
   * A stream that compresses into {@code out}; null level: the default (gzip 1, zstd 3, what
   * BuildKit uses for zstd too). zstd runs on every core: with workers its output depends on
   * the level alone, not on how many there are (zstd's multi-threaded format is deterministic).
   */
  OutputStream compressor(OutputStream out, Integer level) throws IOException {
    return switch (this) {
      case GZIP -> level == null ? ParallelGzipOutputStream.create(out) : ParallelGzipOutputStream.create(out, level);
      case ZSTD -> new BufferedOutputStream(new ZstdOutputStream(out, level == null ? 3 : level).setWorkers(CORES), 256 * 1024);
      case NONE -> new BufferedOutputStream(out, 256 * 1024);
    };
  }

  /**
   * The uncompressed bytes of {@code in} (the tar of a layer), buffered; gzip of any number of
   * members (layers jbuild writes have one per 128 KiB block: {@link GzipInput}).
   */
  InputStream decompressor(InputStream in) throws IOException {
    return decompressor(in, -1);
  }

  /**
   * {@link #decompressor(InputStream)} of a blob of {@code size} bytes (-1: unknown): a small
   * gzip one is read whole and decompressed by libdeflate ({@link WholeGzipInput}).
   */
  InputStream decompressor(InputStream in, long size) throws IOException {
    return switch (this) {
      case GZIP -> new BufferedInputStream(WholeGzipInput.open(in, size), 64 * 1024);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(in), 64 * 1024);
      case NONE -> in;
    };
  }

  /** The compression of a layer media type, OCI or Docker. */
  public static Compression of(String mediaType) {
    return switch (MediaTypes.layerCompression(mediaType)) {
      case "gzip" -> GZIP;
      case "zstd" -> ZSTD;
      default -> NONE;
    };
  }
}
