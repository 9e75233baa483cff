package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.annotation.Annotation;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records to JSON and back on jackson-core's streaming parser and generator, without
 * jackson-databind: a fresh JVM pays about a third of a second for an ObjectMapper (its static
 * defaults, then introspecting each type on first use), and jbuild is a fresh JVM per command.
 *
 * <p>It writes exactly the bytes {@link Json}'s ObjectMapper writes (ORDER_MAP_ENTRIES_BY_KEYS,
 * no white space) and reads exactly the values it reads, for what it knows: records (components
 * in declaration order; {@code @JsonProperty} names, {@code @JsonInclude} ALWAYS, NON_NULL and
 * NON_EMPTY on the record or a component, {@code @JsonIgnore}d components), records with a
 * {@code @JsonValue} method and a single-String {@code @JsonCreator} (Digest), String, the boxed
 * and primitive numbers and booleans, Lists, Collections, Maps with String keys, arrays of
 * references, and Object (untyped: Map, List, String, Integer/Long/BigInteger, Double, Boolean,
 * null, as databind's untyped values). Whatever it does not know (another Jackson annotation, a
 * getter that would be a property, a non-record class, a type mismatch that databind would
 * coerce, a duplicate property, malformed input whose error message databind words) throws
 * {@link Unsupported}, and {@link Json} asks databind, so that the answer is always databind's.
 */
final class JsonBinder {
  static final JsonFactory FACTORY = new JsonFactory();

  private JsonBinder() {}

  /** Outside what the binder does exactly like databind: ask databind. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  // ---- entry points ----------------------------------------------------------------------------

  static byte[] write(Object value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      writeValue(g, value, true);
    }
    return out.toByteArray();
  }

  static String writeString(Object value, boolean pretty) throws IOException {
    return writeString(value, pretty, true);
  }

  /**
   * With {@code sortMaps} false, maps are written in their own order, as by an ObjectMapper
   * without ORDER_MAP_ENTRIES_BY_KEYS (and as JsonNode.toString() writes a tree).
   */
  static String writeString(Object value, boolean pretty, boolean sortMaps) throws IOException {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.setPrettyPrinter(new DefaultPrettyPrinter());
      }
      writeValue(g, value, sortMaps);
    }
    return out.toString();
  }

  /** Reads the first value of {@code json} as {@code type}; what follows it is not looked at, as in databind. */
  @SuppressWarnings("unchecked")
  static <T> T read(byte[] json, Class<T> type) throws IOException {
    Reader r = rootReader(type);
    try (JsonParser p = FACTORY.createParser(json)) {
      return (T) readRoot(p, r);
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T read(String json, Class<T> type) throws IOException {
    Reader r = rootReader(type);
    try (JsonParser p = FACTORY.createParser(json)) {
      return (T) readRoot(p, r);
    }
  }

  /** ObjectMapper.readTree's answer as untyped values; null for empty input (databind: MissingNode). */
  static Object readTree(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      return p.nextToken() == null ? null : UNTYPED.read(p);
    }
  }

  /**
   * The reader of a document's type; a type the binder does not read is refused before the
   * document is looked at, for databind has its own answers even for {@code null} (a NullNode,
   * a primitive's 0).
   */
  private static Reader rootReader(Class<?> type) {
    Reader r = reader(type);
    if (type.isPrimitive() || r instanceof Refused
        || (r instanceof RecordReader rr && rr.type.readUnsupported != null)) {
      throw new Unsupported("not read here: " + type.getName());
    }
    return r;
  }

  private static Object readRoot(JsonParser p, Reader r) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new Unsupported("no content"); // databind words the error
    }
    return t == JsonToken.VALUE_NULL ? null : r.read(p);
  }

  // ---- writing: by the value's class, as databind does for all but final declared types ---------

  private static final int INCLUDE_ALWAYS = 0;
  private static final int INCLUDE_NON_NULL = 1;
  private static final int INCLUDE_NON_EMPTY = 2;

  private static final ConcurrentHashMap<Class<?>, RecordType> RECORDS = new ConcurrentHashMap<>();

  private static void writeValue(JsonGenerator g, Object v, boolean sort) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Map<?, ?> m) {
      writeMap(g, m, sort);
    } else if (v instanceof Collection<?> c) {
      g.writeStartArray();
      for (Object e : c) {
        writeValue(g, e, sort);
      }
      g.writeEndArray();
    } else if (v instanceof Record) {
      recordType(v.getClass()).write(g, v, sort);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v instanceof Float f) {
      g.writeNumber(f);
    } else if (v instanceof Short s) {
      g.writeNumber(s);
    } else if (v instanceof Byte b) {
      g.writeNumber(b.intValue());
    } else if (v instanceof BigInteger b) {
      g.writeNumber(b);
    } else if (v instanceof BigDecimal b) {
      g.writeNumber(b);
    } else if (v instanceof Object[] a) {
      g.writeStartArray();
      for (Object e : a) {
        writeValue(g, e, sort);
      }
      g.writeEndArray();
    } else {
      throw new Unsupported("no binding for " + v.getClass().getName());
    }
  }

  private static void writeMap(JsonGenerator g, Map<?, ?> m, boolean sort) throws IOException {
    for (Object k : m.keySet()) {
      if (!(k instanceof String)) {
        throw new Unsupported("map key " + (k == null ? "null" : k.getClass().getName()));
      }
    }
    // ORDER_MAP_ENTRIES_BY_KEYS: databind keeps a SortedMap's own order and sorts the rest
    Map<?, ?> ordered = !sort || m instanceof SortedMap<?, ?> || m.size() < 2 ? m : new TreeMap<>(m);
    g.writeStartObject();
    for (Map.Entry<?, ?> e : ordered.entrySet()) {
      g.writeFieldName((String) e.getKey());
      writeValue(g, e.getValue(), sort);
    }
    g.writeEndObject();
  }

  /** NON_EMPTY's "empty", as databind's serializers define it: null, "", empty containers. */
  private static boolean isEmpty(Object v) {
    if (v == null) {
      return true;
    } else if (v instanceof String s) {
      return s.isEmpty();
    } else if (v instanceof Collection<?> c) {
      return c.isEmpty();
    } else if (v instanceof Map<?, ?> m) {
      return m.isEmpty();
    } else if (v instanceof Object[] a) {
      return a.length == 0;
    } else if (v instanceof Record) {
      RecordType t = recordType(v.getClass());
      return t.jsonValue != null && isEmpty(t.jsonValue(v));
    }
    return false;
  }

  private static RecordType recordType(Class<?> c) {
    RecordType t = RECORDS.get(c);
    if (t == null) {
      t = new RecordType(c);
      RecordType before = RECORDS.putIfAbsent(c, t);
      if (before != null) {
        t = before;
      }
    }
    return t;
  }

  /**
   * Builds the bindings of a record and of the records its components hold (in lists and maps
   * too), as their first read or write would: their annotations are read by reflection, and the
   * first reading of each Jackson annotation type makes the JDK generate a proxy class for it.
   */
  static void prepare(Class<?> c, java.util.Set<Class<?>> seen) {
    if (!c.isRecord() || !seen.add(c)) {
      return;
    }
    RecordType t = recordType(c);
    for (Type component : t.types) {
      prepareType(component, seen);
    }
  }

  private static void prepareType(Type t, java.util.Set<Class<?>> seen) {
    if (t instanceof Class<?> k) {
      prepare(k.isArray() ? k.getComponentType() : k, seen);
    } else if (t instanceof ParameterizedType pt) {
      for (Type a : pt.getActualTypeArguments()) {
        prepareType(a, seen);
      }
    }
  }

  /** A record's binding: its properties and creator, or why the binder leaves it to databind. */
  private static final class RecordType {
    final Class<?> type;
    /** Why databind must handle this type, or null. */
    final String unsupported;
    /** For a @JsonValue record: the method; its value is what is written. */
    final Method jsonValue;
    /** For a @JsonValue record read from a string: the single-String @JsonCreator. */
    final Executable stringCreator;
    final String[] names;
    /**
     * The order databind writes the components in: declaration order, but those with an
     * explicit {@code @JsonProperty} name after the others (its renaming step re-adds them).
     */
    final int[] order;
    final Method[] accessors;
    final int[] include;
    final boolean[] ignored;
    final Type[] types;
    final Class<?>[] rawTypes;
    final Constructor<?> canonical;
    final Map<String, Integer> index;
    final Reader[] readers;
    /** Why reading (only) is left to databind, or null. */
    final String readUnsupported;

    RecordType(Class<?> c) {
      this.type = c;
      String why = null;
      String whyRead = null;
      Method value = null;
      Executable creator = null;
      RecordComponent[] comps = c.getRecordComponents();
      int n = comps.length;
      names = new String[n];
      order = new int[n];
      accessors = new Method[n];
      include = new int[n];
      ignored = new boolean[n];
      types = new Type[n];
      rawTypes = new Class<?>[n];
      readers = new Reader[n];
      index = new HashMap<>();
      Constructor<?> ctor = null;
      try {
        for (int i = 0; i < n; i++) {
          rawTypes[i] = comps[i].getType();
          types[i] = comps[i].getGenericType();
        }
        ctor = c.getDeclaredConstructor(rawTypes);
        ctor.setAccessible(true);
      } catch (ReflectiveOperationException | RuntimeException e) {
        why = "no canonical constructor";
      }
      canonical = ctor;
      if (why == null) {
        why = jacksonAnnotations(c.getAnnotations(), CLASS_ANNOTATIONS);
      }
      if (why == null) {
        why = interfacesAnnotated(c);
      }
      // @JsonValue / @JsonCreator: the record is one value, written as its @JsonValue
      if (why == null) {
        for (Method m : c.getDeclaredMethods()) {
          JsonValue jv = m.getAnnotation(JsonValue.class);
          if (jv != null && jv.value()) {
            if (value != null || m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())) {
              why = "@JsonValue on " + m;
            }
            value = m;
          }
        }
      }
      if (why == null && value != null) {
        for (Executable e : creators(c)) {
          if (jacksonAnnotations(e.getAnnotations(), VALUE_ANNOTATIONS) != null) {
            why = "annotated " + e;
          }
        }
      }
      if (why == null && value != null) {
        value.setAccessible(true);
        for (Executable e : creators(c)) {
          JsonCreator jc = e.getAnnotation(JsonCreator.class);
          if (jc == null) {
            continue;
          }
          boolean ok = creator == null && e.getParameterCount() == 1 && e.getParameterTypes()[0] == String.class
              && (jc.mode() == JsonCreator.Mode.DEFAULT || jc.mode() == JsonCreator.Mode.DELEGATING)
              && e.getParameterAnnotations()[0].length == 0
              && (e instanceof Constructor<?> || Modifier.isStatic(e.getModifiers()));
          if (!ok) {
            whyRead = "@JsonCreator " + e;
          }
          creator = e;
        }
        if (creator == null) {
          whyRead = "a @JsonValue type without a single-String @JsonCreator";
        } else {
          creator.setAccessible(true);
        }
      }
      jsonValue = why == null ? value : null;
      stringCreator = why == null && whyRead == null ? creator : null;
      if (why == null && value == null) {
        String[] w = properties(c, comps, ctor);
        why = w[0];
        whyRead = w[1];
      }
      unsupported = why;
      readUnsupported = why != null ? why : whyRead;
    }

    /** Fills names, accessors, include, ignored, index; {why not at all, why not read}. */
    private String[] properties(Class<?> c, RecordComponent[] comps, Constructor<?> ctor) {
      int classInclude = INCLUDE_ALWAYS;
      JsonInclude ci = c.getAnnotation(JsonInclude.class);
      if (ci != null) {
        if (!contentAlways(ci)) {
          return new String[] {"@JsonInclude content on " + c.getName(), null};
        }
        if (ci.value() != JsonInclude.Include.USE_DEFAULTS) {
          classInclude = inclusion(ci.value());
          if (classInclude < 0) {
            return new String[] {"@JsonInclude(" + ci.value() + ") on " + c.getName(), null};
          }
        }
      }
      JsonIgnoreProperties ip = c.getAnnotation(JsonIgnoreProperties.class);
      if (ip != null && (ip.value().length > 0 || ip.allowGetters() || ip.allowSetters())) {
        return new String[] {"@JsonIgnoreProperties with names on " + c.getName(), null};
      }
      String whyRead = null;
      boolean[] explicit = new boolean[comps.length];
      Annotation[][] params = ctor.getParameterAnnotations();
      for (int i = 0; i < comps.length; i++) {
        Method acc = comps[i].getAccessor();
        Field field;
        try {
          field = c.getDeclaredField(comps[i].getName());
        } catch (NoSuchFieldException e) {
          return new String[] {"no field " + comps[i].getName(), null};
        }
        Annotation[][] sites = {acc.getAnnotations(), field.getAnnotations(),
            params.length == comps.length ? params[i] : new Annotation[0]};
        String name = null;
        JsonInclude inc = null;
        boolean ignore = false;
        for (int s = 0; s < sites.length; s++) {
          String why = jacksonAnnotations(sites[s], PROPERTY_ANNOTATIONS);
          if (why != null) {
            return new String[] {why + " on " + c.getName() + "." + comps[i].getName(), null};
          }
          for (Annotation a : sites[s]) {
            if (a instanceof JsonProperty jp) {
              if (jp.access() != JsonProperty.Access.AUTO || jp.required() || jp.index() != JsonProperty.INDEX_UNKNOWN
                  || !jp.defaultValue().isEmpty()) {
                return new String[] {"@JsonProperty options on " + c.getName() + "." + comps[i].getName(), null};
              }
              String v = jp.value().isEmpty() ? null : jp.value();
              if (v != null && name != null && !name.equals(v)) {
                return new String[] {"two names for " + c.getName() + "." + comps[i].getName(), null};
              }
              name = v != null ? v : name;
            } else if (a instanceof JsonInclude ji) {
              if (s == 2 && inc == null) {
                return new String[] {"@JsonInclude on a parameter only: " + c.getName() + "." + comps[i].getName(), null};
              }
              if (inc != null && !inc.equals(ji)) {
                return new String[] {"two @JsonInclude on " + c.getName() + "." + comps[i].getName(), null};
              }
              inc = ji;
            } else if (a instanceof JsonIgnore ig) {
              ignore |= ig.value();
            }
          }
        }
        int mode = classInclude;
        if (inc != null) {
          if (!contentAlways(inc)) {
            return new String[] {"@JsonInclude content on " + c.getName() + "." + comps[i].getName(), null};
          }
          if (inc.value() != JsonInclude.Include.USE_DEFAULTS) {
            mode = inclusion(inc.value());
            if (mode < 0) {
              return new String[] {"@JsonInclude(" + inc.value() + ") on " + c.getName() + "." + comps[i].getName(), null};
            }
          }
        }
        acc.setAccessible(true);
        explicit[i] = name != null;
        names[i] = name == null ? comps[i].getName() : name;
        accessors[i] = acc;
        include[i] = mode;
        ignored[i] = ignore;
        if (ignore) {
          whyRead = "@JsonIgnore on " + c.getName() + "." + comps[i].getName();
        } else if (index.put(names[i], i) != null) {
          return new String[] {"two properties named " + names[i] + " in " + c.getName(), null};
        }
      }
      int o = 0;
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < comps.length; i++) {
          if (explicit[i] == (pass == 1)) {
            order[o++] = i;
          }
        }
      }
      String why = otherMembers(c, comps);
      return new String[] {why, whyRead};
    }

    /**
     * Methods databind would see besides the accessors: a public getX() or isX() is a property of
     * its own (not bound here), unless isX() names a component, which it joins (the accessor
     * wins); a Jackson annotation anywhere else is not bound here either.
     */
    private static String otherMembers(Class<?> c, RecordComponent[] comps) {
      List<Method> methods = new ArrayList<>(List.of(c.getMethods()));
      methods.addAll(List.of(c.getDeclaredMethods()));
      for (Method m : methods) {
        if (m.isSynthetic() || m.isBridge() || m.getDeclaringClass() == Object.class
            || m.getDeclaringClass() == Record.class) {
          continue;
        }
        boolean isStatic = Modifier.isStatic(m.getModifiers());
        if (!isStatic && m.getParameterCount() == 0 && isAccessor(m, comps)) {
          continue; // its annotations were read with its component
        }
        Annotation[] anns = m.getAnnotations();
        boolean annotated = jacksonAnnotations(anns, NONE) != null;
        String getter = !isStatic && Modifier.isPublic(m.getModifiers()) && m.getParameterCount() == 0
            ? getterName(m) : null;
        if (getter == null) {
          if (annotated) {
            return "annotated " + m;
          }
          continue;
        }
        boolean joins = isAccessorName(getter, comps);
        if (!annotated) {
          if (joins && m.getName().startsWith("is") && namedAccessor(c, getter)) {
            // isEmptyLayer() joins the component emptyLayer, and databind writes the accessor when
            // it has a @JsonProperty (an accessor without one loses to the is-getter)
            continue;
          }
          return "the getter " + m + " is a property";
        }
        JsonIgnore ig = m.getAnnotation(JsonIgnore.class);
        if (ig != null && ig.value() && !joins && jacksonAnnotations(anns, IGNORE_ONLY) == null) {
          continue; // an ignored getter is no property
        }
        return "annotated " + m;
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (jacksonAnnotations(k.getAnnotations(), NONE) != null) {
          return "annotated " + k;
        }
      }
      return null;
    }

    private static boolean isAccessorName(String name, RecordComponent[] comps) {
      for (RecordComponent rc : comps) {
        if (rc.getName().equals(name)) {
          return true;
        }
      }
      return false;
    }

    private static boolean namedAccessor(Class<?> c, String component) {
      try {
        return c.getDeclaredMethod(component).getAnnotation(JsonProperty.class) != null;
      } catch (NoSuchMethodException e) {
        return false;
      }
    }

    private static boolean isAccessor(Method m, RecordComponent[] comps) {
      return isAccessorName(m.getName(), comps);
    }

    void write(JsonGenerator g, Object v, boolean sort) throws IOException {
      if (unsupported != null) {
        throw new Unsupported(unsupported);
      }
      if (jsonValue != null) {
        writeValue(g, jsonValue(v), sort);
        return;
      }
      g.writeStartObject();
      for (int i : order) {
        if (ignored[i]) {
          continue;
        }
        Object x = get(accessors[i], v);
        if (include[i] == INCLUDE_NON_NULL ? x == null : include[i] == INCLUDE_NON_EMPTY && isEmpty(x)) {
          continue;
        }
        g.writeFieldName(names[i]);
        writeValue(g, x, sort);
      }
      g.writeEndObject();
    }

    Object jsonValue(Object v) {
      // Digest's @JsonValue is toString(): a plain call, not a reflective one
      return jsonValue.getName().equals("toString") ? v.toString() : get(jsonValue, v);
    }

    Object read(JsonParser p) throws IOException {
      if (readUnsupported != null) {
        throw new Unsupported(readUnsupported);
      }
      if (stringCreator != null) {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
          throw new Unsupported(type.getName() + " from " + p.currentToken());
        }
        return create(stringCreator, new Object[] {p.getText()});
      }
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw new Unsupported(type.getName() + " from " + p.currentToken());
      }
      int n = names.length;
      Object[] args = new Object[n];
      boolean[] seen = new boolean[n];
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        Integer i = index.get(name);
        if (i == null) {
          p.skipChildren(); // FAIL_ON_UNKNOWN_PROPERTIES is off
          continue;
        }
        if (seen[i]) {
          throw new Unsupported("duplicate property " + name); // databind's answer depends on the order
        }
        seen[i] = true;
        if (t != JsonToken.VALUE_NULL) {
          Reader r = readers[i];
          if (r == null) {
            r = reader(types[i]);
            readers[i] = r;
          }
          args[i] = r.read(p);
        }
      }
      for (int i = 0; i < n; i++) {
        if (args[i] == null && rawTypes[i].isPrimitive()) {
          args[i] = primitiveDefault(rawTypes[i]); // missing or null: FAIL_ON_NULL_FOR_PRIMITIVES is off
        }
      }
      return create(canonical, args);
    }
  }

  private static final List<Class<?>> NONE = List.of();
  private static final List<Class<?>> IGNORE_ONLY = List.of(JsonIgnore.class);
  private static final List<Class<?>> VALUE_ANNOTATIONS = List.of(JsonValue.class, JsonCreator.class);
  private static final List<Class<?>> CLASS_ANNOTATIONS =
      List.of(JsonInclude.class, JsonIgnoreProperties.class);
  private static final List<Class<?>> PROPERTY_ANNOTATIONS =
      List.of(JsonProperty.class, JsonInclude.class, JsonIgnore.class);

  /** A Jackson annotation other than the {@code known} ones, or null. */
  private static String jacksonAnnotations(Annotation[] anns, List<Class<?>> known) {
    for (Annotation a : anns) {
      Class<?> t = a.annotationType();
      if (t.getName().startsWith("com.fasterxml.jackson.") && !known.contains(t)) {
        return "@" + t.getSimpleName();
      }
    }
    return null;
  }

  /** Databind merges the annotations of interfaces into their implementations: none are bound here. */
  private static String interfacesAnnotated(Class<?> c) {
    List<Class<?>> todo = new ArrayList<>(List.of(c.getInterfaces()));
    while (!todo.isEmpty()) {
      Class<?> i = todo.remove(todo.size() - 1);
      if (jacksonAnnotations(i.getAnnotations(), NONE) != null) {
        return "annotated interface " + i.getName();
      }
      for (Method m : i.getDeclaredMethods()) {
        if (jacksonAnnotations(m.getAnnotations(), NONE) != null) {
          return "annotated " + m;
        }
      }
      todo.addAll(List.of(i.getInterfaces()));
    }
    return null;
  }

  private static List<Executable> creators(Class<?> c) {
    List<Executable> out = new ArrayList<>(List.of(c.getDeclaredConstructors()));
    for (Method m : c.getDeclaredMethods()) {
      out.add(m);
    }
    return out;
  }

  private static boolean contentAlways(JsonInclude i) {
    return i.content() == JsonInclude.Include.ALWAYS || i.content() == JsonInclude.Include.USE_DEFAULTS;
  }

  private static int inclusion(JsonInclude.Include i) {
    switch (i) {
      case ALWAYS:
        return INCLUDE_ALWAYS;
      case NON_NULL:
        return INCLUDE_NON_NULL;
      case NON_EMPTY:
        return INCLUDE_NON_EMPTY;
      default:
        return -1;
    }
  }

  /** Databind's implicit name of a getter (legacy mangling), or null when the method is none. */
  static String getterName(Method m) {
    String n = m.getName();
    Class<?> rt = m.getReturnType();
    int offset;
    if (n.startsWith("get") && n.length() > 3 && rt != void.class) {
      offset = 3;
    } else if (n.startsWith("is") && n.length() > 2 && (rt == boolean.class || rt == Boolean.class)) {
      offset = 2;
    } else {
      return null;
    }
    StringBuilder b = new StringBuilder(n.length() - offset);
    int i = offset;
    for (; i < n.length(); i++) {
      char ch = n.charAt(i);
      char lower = Character.toLowerCase(ch);
      if (ch == lower) {
        break;
      }
      b.append(lower);
    }
    return b.append(n, i, n.length()).toString();
  }

  private static Object get(Method m, Object target) {
    try {
      return m.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
      throw new Unsupported(m + " failed"); // databind calls it again and reports it its way
    }
  }

  private static Object create(Executable e, Object[] args) {
    try {
      return e instanceof Constructor<?> k ? k.newInstance(args) : ((Method) e).invoke(null, args);
    } catch (ReflectiveOperationException | RuntimeException x) {
      throw new Unsupported(e + " refused the value"); // databind reports it its way
    }
  }

  private static Object primitiveDefault(Class<?> c) {
    if (c == long.class) {
      return 0L;
    } else if (c == int.class) {
      return 0;
    } else if (c == boolean.class) {
      return false;
    } else if (c == double.class) {
      return 0.0d;
    }
    throw new Unsupported("primitive " + c); // not readable: never reached
  }

  // ---- reading: by the declared type ------------------------------------------------------------

  /** Reads one value whose first token is the current one and is not VALUE_NULL. */
  private abstract static class Reader {
    abstract Object read(JsonParser p) throws IOException;
  }

  private static final ConcurrentHashMap<Type, Reader> READERS = new ConcurrentHashMap<>();

  private static Reader reader(Type t) {
    Reader r = READERS.get(t);
    if (r == null) {
      r = newReader(t);
      Reader before = READERS.putIfAbsent(t, r);
      if (before != null) {
        r = before;
      }
    }
    return r;
  }

  private static final int K_STRING = 0;
  private static final int K_LONG = 1;
  private static final int K_INT = 2;
  private static final int K_BOOLEAN = 3;
  private static final int K_DOUBLE = 4;

  private static final class Scalar extends Reader {
    final int kind;

    Scalar(int kind) {
      this.kind = kind;
    }

    @Override
    Object read(JsonParser p) throws IOException {
      JsonToken t = p.currentToken();
      switch (kind) {
        case K_STRING:
          if (t == JsonToken.VALUE_STRING) {
            return p.getText();
          }
          break;
        case K_LONG:
          if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return p.getLongValue();
          }
          break;
        case K_INT:
          if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
            return p.getIntValue();
          }
          break;
        case K_BOOLEAN:
          if (t == JsonToken.VALUE_TRUE) {
            return Boolean.TRUE;
          } else if (t == JsonToken.VALUE_FALSE) {
            return Boolean.FALSE;
          }
          break;
        default:
          if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
            return p.getDoubleValue();
          }
          break;
      }
      throw new Unsupported(t + " for a " + kind); // a coercion: databind decides
    }
  }

  /** Object: Map, List, String, Integer/Long/BigInteger, Double, Boolean, null (databind's "untyped"). */
  private static final Reader UNTYPED = new Reader() {
    @Override
    Object read(JsonParser p) throws IOException {
      switch (p.currentTokenId()) {
        case JsonTokenId.ID_START_OBJECT: {
          Map<String, Object> m = new LinkedHashMap<>();
          for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            p.nextToken();
            m.put(name, read(p));
          }
          return m;
        }
        case JsonTokenId.ID_START_ARRAY: {
          List<Object> l = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            l.add(read(p));
          }
          return l;
        }
        case JsonTokenId.ID_STRING:
          return p.getText();
        case JsonTokenId.ID_NUMBER_INT:
          return p.getNumberValue();
        case JsonTokenId.ID_NUMBER_FLOAT:
          return p.getDoubleValue();
        case JsonTokenId.ID_TRUE:
          return Boolean.TRUE;
        case JsonTokenId.ID_FALSE:
          return Boolean.FALSE;
        case JsonTokenId.ID_NULL:
          return null;
        default:
          throw new Unsupported("token " + p.currentToken());
      }
    }
  };

  /** A list's or map's reader; the reader of what it holds is found on first use (a record may hold itself). */
  private abstract static class ContainerReader extends Reader {
    final Type contentType;
    private Reader content;

    ContainerReader(Type contentType) {
      this.contentType = contentType;
    }

    Reader content() {
      Reader r = content;
      if (r == null) {
        r = reader(contentType);
        content = r;
      }
      return r;
    }
  }

  private static final class ListReader extends ContainerReader {
    ListReader(Type element) {
      super(element);
    }

    @Override
    Object read(JsonParser p) throws IOException {
      if (p.currentToken() != JsonToken.START_ARRAY) {
        throw new Unsupported("a list from " + p.currentToken());
      }
      Reader r = content();
      List<Object> l = new ArrayList<>();
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        l.add(t == JsonToken.VALUE_NULL ? null : r.read(p));
      }
      return l;
    }
  }

  private static final class ArrayReader extends Reader {
    final Class<?> component;
    final ListReader list;

    ArrayReader(Class<?> component) {
      this.component = component;
      this.list = new ListReader(component);
    }

    @Override
    Object read(JsonParser p) throws IOException {
      List<?> l = (List<?>) list.read(p);
      Object a = Array.newInstance(component, l.size());
      for (int i = 0; i < l.size(); i++) {
        Array.set(a, i, l.get(i));
      }
      return a;
    }
  }

  private static final class MapReader extends ContainerReader {
    MapReader(Type value) {
      super(value);
    }

    @Override
    Object read(JsonParser p) throws IOException {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw new Unsupported("a map from " + p.currentToken());
      }
      Reader r = content();
      Map<String, Object> m = new LinkedHashMap<>();
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        m.put(name, t == JsonToken.VALUE_NULL ? null : r.read(p)); // a duplicate: the last wins, as in databind
      }
      return m;
    }
  }

  private static final class RecordReader extends Reader {
    final RecordType type;

    RecordReader(RecordType type) {
      this.type = type;
    }

    @Override
    Object read(JsonParser p) throws IOException {
      return type.read(p);
    }
  }

  private static final class Refused extends Reader {
    final String why;

    Refused(String why) {
      this.why = why;
    }

    @Override
    Object read(JsonParser p) {
      throw new Unsupported(why);
    }
  }

  private static Reader newReader(Type t) {
    if (t instanceof WildcardType w) {
      return reader(w.getUpperBounds()[0]);
    }
    if (t instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw) {
      Type[] args = pt.getActualTypeArguments();
      if ((raw == List.class || raw == Collection.class || raw == ArrayList.class) && args.length == 1) {
        return new ListReader(args[0]);
      }
      if ((raw == Map.class || raw == LinkedHashMap.class) && args.length == 2
          && (args[0] == String.class || args[0] == Object.class)) {
        return new MapReader(args[1]);
      }
      return new Refused("type " + t);
    }
    if (t instanceof GenericArrayType) {
      return new Refused("type " + t);
    }
    if (!(t instanceof Class<?> c)) {
      return new Refused("type " + t);
    }
    if (c == String.class) {
      return new Scalar(K_STRING);
    } else if (c == Long.class || c == long.class) {
      return new Scalar(K_LONG);
    } else if (c == Integer.class || c == int.class) {
      return new Scalar(K_INT);
    } else if (c == Boolean.class || c == boolean.class) {
      return new Scalar(K_BOOLEAN);
    } else if (c == Double.class || c == double.class) {
      return new Scalar(K_DOUBLE);
    } else if (c == Object.class) {
      return UNTYPED;
    } else if (c == List.class || c == Collection.class || c == ArrayList.class) {
      return new ListReader(Object.class);
    } else if (c == Map.class || c == LinkedHashMap.class) {
      return new MapReader(Object.class);
    } else if (c.isArray() && !c.getComponentType().isPrimitive()) {
      return new ArrayReader(c.getComponentType());
    } else if (c.isRecord()) {
      return new RecordReader(recordType(c));
    }
    return new Refused("type " + c.getName());
  }
}
