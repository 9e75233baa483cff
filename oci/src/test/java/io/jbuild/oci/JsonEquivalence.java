package io.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Checks that {@link JsonBinder} answers exactly as {@link Json}'s ObjectMapper: the same bytes
 * (compact, as a String and pretty-printed) and equal values read. Shared with the other modules'
 * tests through oci's test-jar: digests of manifests, configs and cache keys depend on it.
 */
public final class JsonEquivalence {
  private JsonEquivalence() {}

  private static ObjectMapper databind() {
    return Json.mapper();
  }

  /** The binder writes {@code value} by itself, and exactly as databind; returns the bytes. */
  public static byte[] assertSameWrite(Object value) {
    byte[] expected;
    String expectedString;
    String expectedPretty;
    try {
      expected = databind().writeValueAsBytes(value);
      expectedString = databind().writeValueAsString(value);
      expectedPretty = databind().writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (IOException e) {
      throw new AssertionError("databind cannot write " + value, e);
    }
    byte[] actual;
    try {
      actual = JsonBinder.write(value);
      assertEquals(expectedString, JsonBinder.writeString(value, false), "writeString");
      assertEquals(expectedPretty, JsonBinder.writeString(value, true), "pretty");
    } catch (JsonBinder.Unsupported e) {
      throw new AssertionError("the binder defers " + value + " to databind: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertArrayEquals(expected, actual, () -> "bytes differ:\n databind " + new String(expected, StandardCharsets.UTF_8)
        + "\n binder   " + new String(actual, StandardCharsets.UTF_8));
    assertArrayEquals(expected, Json.write(value));
    return actual;
  }

  /** The binder reads {@code json} as {@code type} by itself, to a value equal to databind's. */
  public static <T> T assertSameRead(byte[] json, Class<T> type) {
    T expected;
    try {
      expected = databind().readValue(json, type);
    } catch (IOException e) {
      throw new AssertionError("databind cannot read " + new String(json, StandardCharsets.UTF_8), e);
    }
    T actual;
    T actualFromString;
    try {
      actual = JsonBinder.read(json, type);
      actualFromString = JsonBinder.read(new String(json, StandardCharsets.UTF_8), type);
    } catch (JsonBinder.Unsupported e) {
      throw new AssertionError("the binder defers " + type.getName() + " to databind: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertTrue(Arrays.deepEquals(new Object[] {expected}, new Object[] {actual}),
        () -> "values differ:\n databind " + Arrays.deepToString(new Object[] {expected}) + "\n binder   "
            + Arrays.deepToString(new Object[] {actual}));
    assertTrue(Arrays.deepEquals(new Object[] {expected}, new Object[] {actualFromString}), "read from a String");
    return actual;
  }

  /** Reads as both, then writes what was read as both: values and bytes agree. */
  public static <T> T assertSameRoundTrip(byte[] json, Class<T> type) {
    T value = assertSameRead(json, type);
    if (value != null) {
      assertSameWrite(value);
    }
    return value;
  }

  public static <T> T assertSameRoundTrip(String json, Class<T> type) {
    return assertSameRoundTrip(json.getBytes(StandardCharsets.UTF_8), type);
  }

  /**
   * Where the binder does not answer by itself (a coercion, an error): {@link Json#read} still
   * answers as databind, the same value or an {@link InvalidContentException} naming what was read.
   */
  public static void assertSameReadThroughJson(byte[] json, Class<?> type) {
    Object expected;
    try {
      expected = databind().readValue(json, type);
    } catch (IOException e) {
      InvalidContentException ice = null;
      try {
        Json.read(json, type, "the thing");
        fail("databind refuses, Json.read accepts: " + new String(json, StandardCharsets.UTF_8));
      } catch (InvalidContentException x) {
        ice = x;
      }
      assertEquals("malformed the thing: " + e.getMessage(), ice.getMessage());
      return;
    }
    assertTrue(Arrays.deepEquals(new Object[] {expected}, new Object[] {Json.read(json, type, "the thing")}));
  }
}
