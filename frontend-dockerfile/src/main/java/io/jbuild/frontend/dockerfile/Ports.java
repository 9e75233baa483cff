package io.jbuild.frontend.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * EXPOSE port specs, docker-run style {@code [ip:][hostPort:]containerPort[/proto]} with ranges,
 * as BuildKit parses them (go-connections nat.ParsePortSpec); only the container port is kept.
 */
final class Ports {
  private Ports() {}

  /** The exposed-port keys ("80/tcp") a spec gives, in order. */
  static List<String> parse(String raw) throws ParseError {
    String[] parts = raw.split(":", -1);
    int n = parts.length;
    String ip = "";
    String hostPort = "";
    String container = parts[n - 1];
    if (n == 2) {
      hostPort = parts[0];
    } else if (n == 3) {
      ip = parts[0];
      hostPort = parts[1];
    } else if (n > 3) {
      ip = String.join(":", java.util.Arrays.copyOfRange(parts, 0, n - 2));
      hostPort = parts[n - 2];
    }
    String proto = "";
    String port = "";
    String[] pp = container.split("/", -1);
    if (!container.isEmpty() && !pp[0].isEmpty()) {
      if (pp.length == 1) {
        proto = "tcp";
        port = container;
      } else if (pp[1].isEmpty()) {
        proto = "tcp";
        port = pp[0];
      } else {
        proto = pp[1];
        port = pp[0];
      }
    }
    if (ip.startsWith("[")) {
      if (!ip.endsWith("]")) {
        throw new ParseError("invalid IP address " + ip);
      }
      ip = ip.substring(1, ip.length() - 1);
    }
    if (!ip.isEmpty() && !isIp(ip)) {
      throw new ParseError("invalid IP address: " + ip);
    }
    if (port.isEmpty()) {
      throw new ParseError("invalid port: " + GoText.quote(raw) + ": no port specified");
    }
    int[] range = range(port, raw);
    if (!hostPort.isEmpty()) {
      int[] host = range(hostPort, raw);
      if (host[1] - host[0] != range[1] - range[0] && host[0] != host[1]) {
        throw new ParseError("invalid ranges specified for container and host Ports: "
            + port + " and " + hostPort);
      }
    }
    String p = proto.toLowerCase(Locale.ROOT);
    if (!p.equals("tcp") && !p.equals("udp") && !p.equals("sctp")) {
      throw new ParseError("invalid proto: " + proto);
    }
    List<String> out = new ArrayList<>();
    for (int i = range[0]; i <= range[1]; i++) {
      out.add(i + "/" + p);
    }
    return out;
  }

  private static int[] range(String s, String raw) throws ParseError {
    int dash = s.indexOf('-');
    try {
      if (dash < 0) {
        int v = port(s);
        return new int[] {v, v};
      }
      int a = port(s.substring(0, dash));
      int b = port(s.substring(dash + 1));
      if (b < a) {
        throw new ParseError("invalid range specified for port: " + s);
      }
      return new int[] {a, b};
    } catch (NumberFormatException e) {
      throw new ParseError("invalid port: " + GoText.quote(raw) + ": invalid containerPort: " + s);
    }
  }

  private static int port(String s) {
    if (!s.matches("[0-9]{1,5}")) {
      throw new NumberFormatException(s);
    }
    int v = Integer.parseInt(s);
    if (v > 65535) {
      throw new NumberFormatException(s);
    }
    return v;
  }

  static boolean isIp(String s) {
    return isIpv4(s) || isIpv6(s);
  }

  private static boolean isIpv4(String s) {
    String[] p = s.split("\\.", -1);
    if (p.length != 4) {
      return false;
    }
    for (String x : p) {
      if (!x.matches("[0-9]{1,3}") || Integer.parseInt(x) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIpv6(String s) {
    int dbl = s.indexOf("::");
    if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
      return false;
    }
    String head = dbl >= 0 ? s.substring(0, dbl) : s;
    String tail = dbl >= 0 ? s.substring(dbl + 2) : "";
    List<String> groups = new ArrayList<>();
    if (!head.isEmpty()) {
      groups.addAll(List.of(head.split(":", -1)));
    }
    if (!tail.isEmpty()) {
      groups.addAll(List.of(tail.split(":", -1)));
    }
    int count = 0;
    for (int i = 0; i < groups.size(); i++) {
      String g = groups.get(i);
      if (i == groups.size() - 1 && g.contains(".")) {
        if (!isIpv4(g)) {
          return false;
        }
        count += 2;
        continue;
      }
      if (!g.matches("[0-9a-fA-F]{1,4}")) {
        return false;
      }
      count++;
    }
    return dbl >= 0 ? count < 8 : count == 8;
  }
}
