package io.jbuild.graph;

import io.jbuild.oci.Digest;
import io.jbuild.oci.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of the build graph: an op applied to input vertices. Its digest covers the op's type,
 * its definition and its inputs' digests, so equal work has an equal digest. The name and
 * location are for people (progress, errors) and do not take part; nor does {@link
 * #ignoreCache()}, a note to the solver like BuildKit's {@code OpMetadata.IgnoreCache}, so a step
 * run again for {@code --no-cache-filter} stores its result under the key a normal build looks up.
 */
public final class Vertex {
  private final Op op;
  private final List<Vertex> inputs;
  private final String name;
  private final SourceLocation location;
  private final Digest digest;
  private final boolean ignoreCache;

  public Vertex(Op op, List<Vertex> inputs, String name, SourceLocation location) {
    this.op = op;
    this.inputs = List.copyOf(inputs);
    this.name = name;
    this.location = location;
    if (op.arity() >= 0 && op.arity() != this.inputs.size()) {
      throw new IllegalArgumentException(op.getClass().getSimpleName() + " takes " + op.arity()
          + " inputs, got " + this.inputs.size());
    }
    Map<String, Object> definition = new LinkedHashMap<>();
    definition.put("type", op.getClass().getSimpleName());
    definition.put("op", op);
    List<String> inputDigests = new ArrayList<>();
    for (Vertex v : this.inputs) {
      inputDigests.add(v.digest.toString());
    }
    definition.put("inputs", inputDigests);
    this.digest = Digest.sha256(Json.write(definition));
    this.ignoreCache = false;
  }

  private Vertex(Vertex v, boolean ignoreCache) {
    this.op = v.op;
    this.inputs = v.inputs;
    this.name = v.name;
    this.location = v.location;
    this.digest = v.digest;
    this.ignoreCache = ignoreCache;
  }

  public static Vertex of(Op op, String name, SourceLocation location, Vertex... inputs) {
    return new Vertex(op, List.of(inputs), name, location);
  }

  public Op op() {
    return op;
  }

  public List<Vertex> inputs() {
    return inputs;
  }

  public Vertex input(int i) {
    return inputs.get(i);
  }

  /** For people: "RUN echo hi", "[build 2/4] COPY . /src". */
  public String name() {
    return name;
  }

  /** Where in the Dockerfile, or null for vertices no instruction wrote. */
  public SourceLocation location() {
    return location;
  }

  public Digest digest() {
    return digest;
  }

  /** Whether the solver must run this step even when the cache holds its result. */
  public boolean ignoreCache() {
    return ignoreCache;
  }

  /** This vertex, same digest, marked to run even when cached ({@code --no-cache-filter}). */
  public Vertex ignoringCache() {
    return ignoreCache ? this : new Vertex(this, true);
  }

  /**
   * The chain of vertices whose layers make up this vertex's filesystem, bottom (the source:
   * scratch, image or context) first, following input 0.
   */
  public List<Vertex> layerChain() {
    List<Vertex> chain = new ArrayList<>();
    for (Vertex v = this; ; v = v.inputs.get(0)) {
      chain.add(0, v);
      if (!v.op.producesLayer()) {
        return chain;
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vertex v && v.digest.equals(digest);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public String toString() {
    return name + " (" + digest.shortHex() + ")";
  }
}
