package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/** An image platform (image-index.md#platform-variants); text form {@code os/arch[/variant]}. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Platform(
    @JsonProperty("architecture") String architecture,
    @JsonProperty("os") String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant) {

  public static Platform of(String os, String architecture, String variant) {
    return new Platform(architecture, os, null, null, variant == null || variant.isEmpty() ? null : variant);
  }

  /** The platform of the machine we run on, with Go's GOARCH names like BuildKit uses. */
  public static Platform host() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> of("linux", "amd64", null);
      case "aarch64", "arm64" -> of("linux", "arm64", "v8");
      case "arm" -> of("linux", "arm", "v7");
      case "x86", "i386", "i686" -> of("linux", "386", null);
      case "ppc64le" -> of("linux", "ppc64le", null);
      case "s390x" -> of("linux", "s390x", null);
      case "riscv64" -> of("linux", "riscv64", null);
      default -> of("linux", arch, null);
    };
  }

  /**
   * Parses {@code os/arch[/variant]} as {@code --platform} takes it, normalised like
   * containerd's platforms package (x86_64 to amd64, aarch64 to arm64, arm64 default variant v8).
   */
  public static Platform parse(String text) {
    String[] parts = text.trim().toLowerCase(Locale.ROOT).split("/", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "invalid platform \"" + text + "\": expected os/arch[/variant], for example linux/amd64");
    }
    String arch = switch (parts[1]) {
      case "x86_64", "x86-64" -> "amd64";
      case "aarch64" -> "arm64";
      case "i386", "i686" -> "386";
      default -> parts[1];
    };
    String variant = parts.length == 3 ? parts[2] : null;
    if ("arm64".equals(arch) && variant == null) {
      variant = "v8";
    }
    if ("arm".equals(arch) && variant == null) {
      variant = "v7";
    }
    return of(parts[0], arch, variant);
  }

  /** True when an index entry with this platform can serve {@code wanted}. */
  public boolean matches(Platform wanted) {
    if (!os.equals(wanted.os) || !architecture.equals(wanted.architecture)) {
      return false;
    }
    String mine = variant == null && "arm64".equals(architecture) ? "v8" : variant;
    String theirs = wanted.variant == null && "arm64".equals(architecture) ? "v8" : wanted.variant;
    return theirs == null || theirs.equals(mine);
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
