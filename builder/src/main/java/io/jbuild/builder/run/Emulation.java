package io.jbuild.builder.run;

import io.jbuild.oci.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether this host can execute a foreign platform's binaries: natively (amd64 runs 386, arm64
 * runs arm), or through a binfmt_misc handler registered by qemu-user-static. BuildKit checks the
 * same handlers before it runs a RUN for another platform (util/archutil) and fails otherwise.
 */
public final class Emulation {
  private final Path binfmt;

  public Emulation(Path binfmtMisc) {
    this.binfmt = binfmtMisc;
  }

  public static Emulation host() {
    return new Emulation(Path.of("/proc/sys/fs/binfmt_misc"));
  }

  /**
   * Empty when {@code target}'s binaries run here; else why not and what to install, naming
   * the handler file that is missing.
   */
  public Optional<String> missingFor(Platform target, Platform host) {
    if (target == null || target.architecture() == null || target.architecture().equals(host.architecture())) {
      return Optional.empty();
    }
    String a = target.architecture();
    String h = host.architecture();
    if ((h.equals("amd64") && a.equals("386")) || (h.equals("arm64") && a.equals("arm"))) {
      return Optional.empty();
    }
    String qemu = qemuName(a);
    Path handler = binfmt.resolve("qemu-" + qemu);
    if (Files.exists(handler) || Files.exists(binfmt.resolve("qemu-" + qemu + "-static"))) {
      return Optional.empty();
    }
    return Optional.of("cannot run " + target.os() + "/" + a + (target.variant() == null ? "" : "/" + target.variant())
        + " binaries on this " + host.os() + "/" + h + " host: no binfmt_misc handler " + handler
        + "; install QEMU's emulators with `apt-get install qemu-user-static binfmt-support`"
        + " (or build for " + host.os() + "/" + h + ")");
  }

  /** QEMU's name for an OCI architecture. */
  static String qemuName(String ociArch) {
    switch (ociArch.toLowerCase(Locale.ROOT)) {
      case "amd64":
        return "x86_64";
      case "arm64":
        return "aarch64";
      case "386":
        return "i386";
      case "mips64le":
        return "mips64el";
      case "ppc64le":
        return "ppc64le";
      default:
        return ociArch;
    }
  }
}
