package io.jbuild.builder.layer;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import java.io.BufferedInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;

/**
 * Re-encodes a layer blob with another compression (BuildKit's exporter options
 * {@code compression=gzip|zstd|uncompressed} and {@code compression-level=N}). The uncompressed
 * tar, and so the diff id in the config, stays the same (image-spec config.md: diff ids are over
 * the uncompressed layer); only the blob, its digest and media type change. The diff id is checked
 * on the way, and the new blob lands in the content store only when complete.
 */
public final class LayerRecompressor {
  private LayerRecompressor() {}

  /**
   * The layer in {@code to} compression at {@code level} (null: the codec's default, gzip's in
   * parallel). The descriptor carries the OCI media type of {@code to}.
   */
  public static LayerBlob recompress(ContentStore store, Descriptor layer, Digest diffId, Compression to, Integer level)
      throws IOException {
    String what = "layer " + layer.digest();
    try (InputStream raw = ContentStore.verifying(store.open(layer.digest()), layer.digest(), layer.size(), what);
         ContentStore.Writer blob = store.writer()) {
      DigestInputStream tar = new DigestInputStream(Compression.of(layer.mediaType())
          .decompressor(new BufferedInputStream(raw, 256 * 1024)), Digest.newSha256());
      try (OutputStream out = to.compressor(new FilterOutputStream(blob) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
          out.flush(); // the writer is committed, not closed, below
        }
      }, level)) {
        tar.transferTo(out);
      }
      raw.transferTo(OutputStream.nullOutputStream()); // verify the whole source blob
      Digest actual = Digest.ofSha256(tar.getMessageDigest().digest());
      if (diffId != null && !diffId.equals(actual)) {
        throw new LayerException(what + ": diffId mismatch: the config says " + diffId
            + ", the uncompressed layer is " + actual);
      }
      Digest digest = blob.commit(null);
      return new LayerBlob(Descriptor.of(to.mediaType(), digest, blob.size()), actual, false);
    }
  }
}
