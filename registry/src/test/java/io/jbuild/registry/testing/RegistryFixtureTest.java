package io.jbuild.registry.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class RegistryFixtureTest {
  @Test
  void plainHttp_start_answersV2WithinOneSecond() throws IOException, InterruptedException {
    long start = System.nanoTime();
    try (RegistryFixture r = RegistryFixture.plainHttp()) {
      long ms = (System.nanoTime() - start) / 1_000_000;
      HttpResponse<Void> resp = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + r.host() + "/v2/")).build(), HttpResponse.BodyHandlers.discarding());

      assertEquals(200, resp.statusCode());
      assertTrue(ms < 1000, "started in " + ms + " ms");
    }
  }
}
