package io.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChmodSpecTest {
  @ParameterizedTest(name = "{0} on {1} (dir={2}) -> {3}")
  @CsvSource({
    "0755, 644, false, 755",
    "600, 777, true, 600",
    "u+x, 644, false, 744",
    "g-w, 664, false, 644",
    "o=r, 777, false, 774",
    "a+rwX, 600, false, 666",
    "a+rwX, 700, false, 777",
    "a+X, 600, true, 711",
    "'u=rwx,go=rx', 0, false, 755",
    "+x, 644, false, 755",
  })
  void apply_matchesChmod(String spec, String mode, boolean dir, String expected) {
    assertEquals(Integer.parseInt(expected, 8), ChmodSpec.parse(spec).apply(Integer.parseInt(mode, 8), dir));
  }

  @ParameterizedTest
  @ValueSource(strings = {"999", "u+q", "x+u", "u", ""})
  void parse_invalid_quotesTheValue(String spec) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChmodSpec.parse(spec));
    assertEquals(true, e.getMessage().contains("\"" + spec + "\""), e.getMessage());
  }
}
