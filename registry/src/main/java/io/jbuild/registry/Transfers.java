package io.jbuild.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for a set of blob transfers (pull or push) that run in parallel. */
public final class Transfers {
  private Transfers() {}

  /**
   * Waits for every transfer, then throws the first failure (the others suppressed in it).
   * Every transfer runs to its end even when one fails: what did arrive is verified and stored,
   * so the next attempt moves only what is still missing. An interrupt cancels them all.
   *
   * @param what "pulling" or "pushing", for the interrupt's message
   */
  public static void awaitAll(List<Future<?>> futures, String what) throws IOException {
    Throwable first = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        futures.forEach(x -> x.cancel(true));
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while " + what);
      } catch (ExecutionException e) {
        if (first == null) {
          first = e.getCause();
        } else if (first != e.getCause()) {
          first.addSuppressed(e.getCause());
        }
      }
    }
    if (first instanceof IOException io) {
      throw io;
    }
    if (first instanceof RuntimeException re) {
      throw re;
    }
    if (first instanceof Error err) {
      throw err;
    }
    if (first != null) {
      throw new UncheckedIOException(new IOException(first));
    }
  }
}
