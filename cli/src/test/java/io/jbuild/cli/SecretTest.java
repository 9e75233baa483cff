package io.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretTest {
  @Test
  void parse_srcAndEnvForms_asBuildxReadsThem(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("token"), "s3cr3t");
    assertEquals(new Secret("tok", f, null), Secret.parse("id=tok,src=" + f, Map.of()));
    assertEquals(new Secret("tok", f, null), Secret.parse("id=tok,source=" + f, Map.of()));
    assertEquals(new Secret("tok", null, "TOKEN"), Secret.parse("id=tok,env=TOKEN", Map.of("TOKEN", "x")));
    assertEquals(new Secret("TOKEN", null, "TOKEN"), Secret.parse("id=TOKEN", Map.of("TOKEN", "x")));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "src=/etc/hostname|no id=",
      "id=a,color=red|unknown key \"color\"",
      "id=a,src=/x,env=Y|not both",
      "id=a,env=NOPE_NOT_SET|the environment variable NOPE_NOT_SET is not set",
      "id=a,src=/does/not/exist|the file /does/not/exist does not exist",
      "id|field \"id\" is not KEY=VALUE"})
  void parse_malformed_namesTheProblem(String text, String problem) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Secret.parse(text, Map.of()));
    assertTrue(e.getMessage().startsWith("invalid --secret \"" + text + "\": ") && e.getMessage().contains(problem), e.getMessage());
  }
}
