package io.jbuild.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaseHintTest {
  private static String hint(String dockerfile, Map<String, String> buildArgs) {
    return BaseHint.firstBase(dockerfile.getBytes(StandardCharsets.UTF_8), buildArgs);
  }

  private static String hint(String dockerfile) {
    return hint(dockerfile, Map.of());
  }

  @Test
  void plainFrom_isTheNormalizedReference() {
    assertEquals("docker.io/library/busybox:latest", hint("FROM busybox\nRUN true\n"));
    assertEquals("docker.io/library/debian:bookworm", hint("# syntax=docker/dockerfile:1\n\n# a comment\nfrom debian:bookworm AS base\n"));
  }

  @Test
  void argsBeforeFrom_areSubstitutedWithBuildArgsWinning() {
    String df = "ARG REG=127.0.0.1:5000\nARG TAG\nFROM ${REG}/library/busybox:$TAG\n";
    assertEquals("127.0.0.1:5000/library/busybox:1.36", hint(df, Map.of("TAG", "1.36")));
    assertEquals("example.com/library/busybox:1", hint(df, Map.of("REG", "example.com", "TAG", "1")));
    assertNull(hint(df), "TAG has no value: the frontend decides");
  }

  @Test
  void anythingTheFrontendMightReadDifferently_givesNoHint() {
    assertNull(hint("# escape=`\nFROM busybox\n"));
    assertNull(hint("FROM --platform=linux/arm64 busybox\n"));
    assertNull(hint("FROM \\\n  busybox\n"));
    assertNull(hint("ARG X=\"a b\"\nFROM busybox\n"));
    assertNull(hint("ARG B=busybox\nFROM ${B:-alpine}\n"));
    assertNull(hint("FROM $UNDECLARED\n"));
    assertNull(hint("ENV A=b\nFROM busybox\n"));
    assertNull(hint("FROM scratch\n"));
    assertNull(hint("FROM Not_A_Valid//Reference\n"));
    assertNull(hint("# just comments\n"));
  }
}
