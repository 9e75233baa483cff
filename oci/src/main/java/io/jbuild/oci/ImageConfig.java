package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/** An image configuration (config.md): platform, runtime config, rootfs diff ids, history. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageConfig(
    @JsonProperty("created") String created,
    @JsonProperty("author") String author,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("os") String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("variant") String variant,
    @JsonProperty("config") ContainerConfig config,
    @JsonProperty("rootfs") RootFs rootfs,
    @JsonProperty("history") List<History> history) {

  /** The layers' uncompressed digests, bottom first. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RootFs(@JsonProperty("type") String type, @JsonProperty("diff_ids") List<Digest> diffIds) {
    public static RootFs layers(List<Digest> diffIds) {
      return new RootFs("layers", List.copyOf(diffIds));
    }
  }

  /** One history entry; {@code empty_layer} entries have no layer in rootfs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record History(
      @JsonProperty("created") String created,
      @JsonProperty("created_by") String createdBy,
      @JsonProperty("author") String author,
      @JsonProperty("comment") String comment,
      @JsonProperty("empty_layer") Boolean emptyLayer) {

    public boolean isEmptyLayer() {
      return Boolean.TRUE.equals(emptyLayer);
    }
  }

  /** A fresh config for FROM scratch on a platform. */
  public static ImageConfig scratch(Platform platform) {
    return new ImageConfig(null, null, platform.architecture(), platform.os(), platform.osVersion(),
        platform.variant(), ContainerConfig.EMPTY, RootFs.layers(List.of()), List.of());
  }

  public Platform platform() {
    return new Platform(architecture, os, osVersion, null, variant);
  }

  public ContainerConfig containerConfig() {
    return config == null ? ContainerConfig.EMPTY : config;
  }

  public List<Digest> diffIds() {
    return rootfs == null || rootfs.diffIds() == null ? List.of() : rootfs.diffIds();
  }

  public List<History> historyOrEmpty() {
    return history == null ? List.of() : history;
  }

  public ImageConfig withConfig(ContainerConfig c) {
    return new ImageConfig(created, author, architecture, os, osVersion, variant, c, rootfs, history);
  }

  public ImageConfig withCreated(String c) {
    return new ImageConfig(c, author, architecture, os, osVersion, variant, config, rootfs, history);
  }

  public ImageConfig withAuthor(String a) {
    return new ImageConfig(created, a, architecture, os, osVersion, variant, config, rootfs, history);
  }

  public ImageConfig withLayers(List<Digest> diffIds, List<History> newHistory) {
    return new ImageConfig(created, author, architecture, os, osVersion, variant, config,
        RootFs.layers(diffIds), List.copyOf(newHistory));
  }

  /** This config with one more layer and its history entry appended. */
  public ImageConfig plusLayer(Digest diffId, History entry) {
    List<Digest> ids = new ArrayList<>(diffIds());
    ids.add(diffId);
    List<History> hs = new ArrayList<>(historyOrEmpty());
    hs.add(entry);
    return withLayers(ids, hs);
  }
}
