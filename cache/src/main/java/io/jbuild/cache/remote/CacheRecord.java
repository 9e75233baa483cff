package io.jbuild.cache.remote;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;

/**
 * One step of an exported cache: its cache key and what the local cache index holds for it (the
 * same fields as the builder's cache record, so an imported record reads like a local one).
 *
 * @param key the step's cache key (machine independent: op definition, parent key, content checksums)
 * @param empty the step changed nothing and has no layer
 * @param diffId the uncompressed layer's digest, null when empty
 * @param blob the layer blob as stored (and exported), null when empty
 * @param created when the step's result was first made (history timestamps come from it)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheRecord(Digest key, boolean empty, Digest diffId, Descriptor blob, String created) {}
