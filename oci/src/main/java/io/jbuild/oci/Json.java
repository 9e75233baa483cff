package io.jbuild.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one JSON mapper of jbuild. Output is deterministic: record components in declaration
 * order, map entries sorted by key, no insignificant white space; so the same value always gives
 * the same bytes and the same digest.
 */
public final class Json {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  public static String writeString(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  /** Reads a value; malformed JSON is an {@link InvalidContentException} naming {@code what}. */
  public static <T> T read(byte[] json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw new InvalidContentException("malformed " + what + ": " + e.getMessage(), e);
    }
  }

  public static <T> T read(String json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw new InvalidContentException("malformed " + what + ": " + e.getMessage(), e);
    }
  }
}
