package io.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  @Test
  void format_writesWhatInstantToStringWrites() {
    Random r = new Random(42);
    List<Instant> fixed = List.of(Instant.EPOCH, Instant.ofEpochSecond(951_782_400L), // 2000-02-29
        Instant.ofEpochSecond(4_107_542_399L, 999_999_999), Instant.ofEpochSecond(1_700_000_000L, 120_000_000),
        Instant.ofEpochSecond(1_700_000_000L, 123_400), Instant.ofEpochSecond(1_700_000_000L, 1),
        Instant.ofEpochSecond(253_402_300_799L), Instant.ofEpochSecond(253_402_300_800L), Instant.ofEpochSecond(-1L, 5));
    for (Instant t : fixed) {
      assertEquals(t.toString(), Timestamps.format(t));
    }
    for (int i = 0; i < 20_000; i++) {
      Instant t = Instant.ofEpochSecond(Math.floorMod(r.nextLong(), 253_402_300_800L), i % 3 == 0 ? 0 : r.nextInt(1_000_000_000));
      assertEquals(t.toString(), Timestamps.format(t));
    }
  }

  @Test
  void parse_readsWhatOffsetDateTimeParseReads() {
    Random r = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      Instant t = Instant.ofEpochSecond(Math.floorMod(r.nextLong(), 253_402_300_800L), r.nextInt(1_000_000_000));
      String s = t.toString();
      assertEquals(t, Timestamps.parse(s), s);
    }
    for (String s : List.of("2023-05-18T22:34:17.000000000Z", "2023-05-18T22:34:17+02:00", "2023-05-18T22:34:17.5-07:30",
        "2024-02-29T00:00:00Z", "1969-12-31T23:59:59Z", "2023-05-18t22:34:17z", "2023-05-18T22:34Z",
        "2023-05-18T22:34:17+18:00", "2023-05-18T22:34:17.Z", "2023-05-18T22:34:17+05:30:15", "+12023-05-18T22:34:17Z")) {
      assertEquals(OffsetDateTime.parse(s).toInstant(), Timestamps.parse(s), s);
    }
    for (String s : List.of("2023-02-29T00:00:00Z", "2023-05-18T24:00:00Z", "2023-05-18T22:34:60Z", "2023-05-18 22:34:17Z",
        "2023-05-18T22:34:17", "2023-05-18T22:34:17.1234567891Z", "2023-05-18T22:34:17+19:00", "")) {
      assertThrows(DateTimeParseException.class, () -> OffsetDateTime.parse(s), s);
      assertThrows(DateTimeParseException.class, () -> Timestamps.parse(s), s);
    }
  }
}
