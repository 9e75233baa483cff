package io.jbuild.frontend.dockerfile;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jbuild.oci.Platform;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the parser, the word expander and the converter: whatever the input, the only exception
 * that may escape is {@link DockerfileException} (and ShellException from the expander). Inputs
 * that crashed once live in src/test/resources/.../FrontendFuzzTestInputs and are replayed in
 * every run.
 */
class FrontendFuzzTest {
  private static final String[] WORDS = {"FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "ARG ",
      "LABEL ", "WORKDIR ", "USER ", "EXPOSE ", "VOLUME ", "CMD ", "ENTRYPOINT ", "SHELL ",
      "ONBUILD ", "HEALTHCHECK ", "STOPSIGNAL ", "MAINTAINER ", " AS ", "--from=", "--chmod=",
      "--mount=", "--platform=", "<<EOF", "<<-'EOF'", "\nEOF\n", "\\\n", "`\n", "# escape=`\n",
      "# check=error=true\n", "${A:-b}", "${A#*}", "${A//x/y}", "$A", "'q'", "\"q\"", "[\"a\"]",
      "scratch", "busybox", "\n", " ", "=", "0", "/"};

  @FuzzTest(maxDuration = "20s")
  void frontend_anyInput_onlyDockerfileExceptionEscapes(FuzzedDataProvider data) {
    StringBuilder df = new StringBuilder();
    int n = data.consumeInt(0, 40);
    for (int i = 0; i < n; i++) {
      if (data.consumeBoolean()) {
        df.append(data.pickValue(WORDS));
      } else {
        df.append(data.consumeString(12));
      }
    }
    String word = data.consumeString(64);
    byte[] bytes = df.toString().getBytes(StandardCharsets.UTF_8);
    try {
      DockerfileFrontend.dumpAst(bytes, "Dockerfile");
    } catch (DockerfileException e) {
      // expected for bad input
    }
    try {
      DockerfileFrontend.check(bytes, "Dockerfile", Map.of("A", "x"));
    } catch (DockerfileException e) {
      // expected for bad input
    }
    try {
      DockerfileFrontend.convert(new ConvertRequest(bytes, "Dockerfile", Map.of("A", "x"), null,
          Platform.of("linux", "amd64", null), Platform.of("linux", "amd64", null), List.of(),
          new FakeResolver(), f -> { }));
    } catch (DockerfileException e) {
      // expected for bad input
    }
    try {
      ShellLex lex = new ShellLex(data.consumeBoolean() ? '\\' : '`');
      lex.processWords(word, Map.of("A", "a b", "EMPTY", ""));
      lex.processWord(word, Map.of("A", "a b"));
    } catch (ShellLex.ShellException e) {
      // expected for bad input
    }
  }
}
