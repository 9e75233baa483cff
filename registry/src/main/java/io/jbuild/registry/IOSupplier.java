package io.jbuild.registry;

import java.io.IOException;

/** Supplies a value that may need I/O, e.g. a fresh stream over a blob for each upload attempt. */
@FunctionalInterface
public interface IOSupplier<T> {
  T get() throws IOException;
}
