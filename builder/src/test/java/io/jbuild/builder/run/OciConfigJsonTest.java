package io.jbuild.builder.run;

import io.jbuild.oci.JsonEquivalence;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OCI runtime's config.json, written by the binder, as databind writes it. */
class OciConfigJsonTest {
  @Test
  void runtimeConfig_writesAsDatabind() {
    for (int uid : new int[] {0, 1000}) {
      ExecSpec spec = new ExecSpec("id-1", Path.of("/tmp/rootfs"), List.of("/bin/sh", "-c", "echo \"hi\" é"),
          List.of("PATH=/bin", "HOME=/root"), "/work", uid, uid, uid == 0 ? List.of() : List.of(10, 20), "buildkitsandbox",
          uid == 0 ? "default" : "none", Path.of("/tmp/work"), s -> { }, s -> { });
      JsonEquivalence.assertSameWrite(OciRuntime.config(spec, Path.of("/tmp/hosts"), Path.of("/tmp/resolv.conf")));
      JsonEquivalence.assertSameWrite(OciRuntime.config(spec, null, null));
      ExecSpec mounted = new ExecSpec(spec.id(), spec.rootfs(), spec.args(), spec.env(), spec.cwd(), uid, uid,
          spec.additionalGids(), spec.hostname(), spec.network(), spec.workDir(), spec.stdout(), spec.stderr(),
          List.of(new ExecSpec.Mount("/cache", "bind", Path.of("/tmp/cache"), List.of("rw")),
              new ExecSpec.Mount("/tmp", "tmpfs", null, List.of("size=134217728"))));
      JsonEquivalence.assertSameWrite(OciRuntime.config(mounted, Path.of("/tmp/hosts"), Path.of("/tmp/resolv.conf")));
    }
  }
}
