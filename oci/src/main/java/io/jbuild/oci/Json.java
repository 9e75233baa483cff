package io.jbuild.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The one JSON mapper of jbuild. Output is deterministic: record components in declaration
 * order, map entries sorted by key, no insignificant white space; so the same value always gives
 * the same bytes and the same digest.
 *
 * <p>Reading and writing go through {@link JsonBinder} on jackson-core's streaming API, which
 * gives the bytes and values of the ObjectMapper below for the records jbuild stores; anything
 * else (and any error, so that its message is databind's) goes to that ObjectMapper, which is
 * made on first use only: creating it and introspecting types costs a fresh JVM about a third of
 * a second, and every jbuild command is a fresh JVM.
 */
public final class Json {
  private Json() {}

  /** Databind, loaded only when something needs it. */
  private static final class Databind {
    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    static byte[] write(Object value) {
      try {
        return MAPPER.writeValueAsBytes(value);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
      }
    }

    static String writeString(Object value, boolean pretty) {
      try {
        return pretty ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value)
            : MAPPER.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
      }
    }

    static String writeUnsorted(Object value, boolean pretty) {
      try {
        ObjectWriter w = MAPPER.writer().without(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        return (pretty ? w.withDefaultPrettyPrinter() : w).writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
      }
    }

    static <T> T read(byte[] json, Class<T> type, String what) {
      try {
        return MAPPER.readValue(json, type);
      } catch (IOException e) {
        throw new InvalidContentException("malformed " + what + ": " + e.getMessage(), e);
      }
    }

    static <T> T read(String json, Class<T> type, String what) {
      try {
        return MAPPER.readValue(json, type);
      } catch (IOException e) {
        throw new InvalidContentException("malformed " + what + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * The ObjectMapper itself, for JsonNode trees and pretty printers; made on the first call,
   * which costs a fresh JVM a third of a second: keep it off the paths of a build.
   */
  public static ObjectMapper mapper() {
    return Databind.MAPPER;
  }

  public static byte[] write(Object value) {
    try {
      return JsonBinder.write(value);
    } catch (JsonBinder.Unsupported | IOException e) {
      return Databind.write(value);
    }
  }

  public static String writeString(Object value) {
    try {
      return JsonBinder.writeString(value, false);
    } catch (JsonBinder.Unsupported | IOException e) {
      return Databind.writeString(value, false);
    }
  }

  /** As the mapper's {@code writerWithDefaultPrettyPrinter().writeValueAsString(value)}. */
  public static String writePretty(Object value) {
    try {
      return JsonBinder.writeString(value, true);
    } catch (JsonBinder.Unsupported | IOException e) {
      return Databind.writeString(value, true);
    }
  }

  /**
   * As {@link #writeString} or {@link #writePretty}, but maps in their own order: what a default
   * ObjectMapper writes, and what JsonNode.toString() writes for a tree of {@link #readTree}.
   */
  public static String writeUnsorted(Object value, boolean pretty) {
    try {
      return JsonBinder.writeString(value, pretty, false);
    } catch (JsonBinder.Unsupported | IOException e) {
      return Databind.writeUnsorted(value, pretty);
    }
  }

  /**
   * Prepares the bindings of these records (and of the records in them) on a thread of their own,
   * for a caller that will read or write them soon and has other work meanwhile: a fresh JVM
   * spends ~25 ms on the first reflective reading of Jackson annotations (a proxy class generated
   * per annotation type), time a cold build otherwise spends on its critical path.
   */
  public static void prepareInBackground(Class<?>... recordTypes) {
    Thread t = new Thread(() -> {
      java.util.Set<Class<?>> seen = new java.util.HashSet<>();
      for (Class<?> c : recordTypes) {
        try {
          JsonBinder.prepare(c, seen);
        } catch (RuntimeException | LinkageError e) {
          // the first real use builds it again and meets the same problem there
        }
      }
    }, "jbuild-json-prepare");
    t.setDaemon(true);
    t.start();
  }

  /** Reads a value; malformed JSON is an {@link InvalidContentException} naming {@code what}. */
  public static <T> T read(byte[] json, Class<T> type, String what) {
    try {
      return JsonBinder.read(json, type);
    } catch (JsonBinder.Unsupported | IOException e) {
      // a coercion, an error (worded by databind) or a type the binder leaves to databind
      return Databind.read(json, type, what);
    }
  }

  public static <T> T read(String json, Class<T> type, String what) {
    try {
      return JsonBinder.read(json, type);
    } catch (JsonBinder.Unsupported | IOException e) {
      return Databind.read(json, type, what);
    }
  }

  /**
   * The document as untyped values, like the mapper's {@code readTree}: a {@code Map<String,
   * Object>} (in document order) for an object, a {@code List<Object>} for an array, String,
   * Integer, Long, BigInteger, Double, Boolean, or null for JSON null and for empty input (where
   * readTree answers a MissingNode). Malformed JSON throws the parser's exception, as readTree does.
   */
  public static Object readTree(byte[] json) throws IOException {
    return JsonBinder.readTree(json);
  }

  /** {@code node.get(name)} of a tree from {@link #readTree}: null when node is no object or lacks it. */
  public static Object field(Object node, String name) {
    return node instanceof Map<?, ?> m ? m.get(name) : null;
  }

  /**
   * JsonNode's {@code asText(ifNull)} of a tree value: a string as it is, a number or boolean as
   * text, "" for an object or array, {@code ifNull} for null (JSON null or missing).
   */
  public static String text(Object value, String ifNull) {
    if (value == null) {
      return ifNull;
    }
    if (value instanceof Map<?, ?> || value instanceof Collection<?>) {
      return "";
    }
    return value.toString();
  }

  /** JsonNode's {@code has(name)} of a tree from {@link #readTree}: an object with the field, even if null. */
  public static boolean has(Object node, String name) {
    return node instanceof Map<?, ?> m && m.containsKey(name);
  }

  /** What iterating a JsonNode gives: an array's elements, an object's values, else nothing. */
  public static Collection<?> elements(Object node) {
    if (node instanceof List<?> l) {
      return l;
    }
    if (node instanceof Map<?, ?> m) {
      return m.values();
    }
    return List.of();
  }
}
