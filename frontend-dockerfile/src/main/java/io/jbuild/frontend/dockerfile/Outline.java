package io.jbuild.frontend.dockerfile;

import io.jbuild.frontend.dockerfile.DockerfileFrontend.ArgOutline;
import io.jbuild.frontend.dockerfile.DockerfileFrontend.StageOutline;
import io.jbuild.frontend.dockerfile.Instructions.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --call=outline}: stages with their build args, like BuildKit's outline. Descriptions
 * come from the comment lines right above FROM / ARG; for an ARG, a comment whose first word is
 * the arg's name is that arg's description (BuildKit's convention).
 */
final class Outline {
  private Outline() {}

  static List<StageOutline> of(Source src) throws DockerfileException {
    Instructions.Parsed parsed = Instructions.parse(src);
    List<ArgOutline> meta = new ArrayList<>();
    for (Instructions.Arg a : parsed.metaArgs()) {
      for (KeyValue kv : a.args()) {
        meta.add(arg(a.node(), kv));
      }
    }
    List<StageOutline> out = new ArrayList<>();
    for (Instructions.StageDef s : parsed.stages()) {
      List<ArgOutline> args = new ArrayList<>(meta);
      for (Instructions.Instruction i : s.commands()) {
        if (i instanceof Instructions.Arg a) {
          for (KeyValue kv : a.args()) {
            args.add(arg(a.node(), kv));
          }
        }
      }
      Node from = s.from().node();
      out.add(new StageOutline(s.name(), s.index(), s.from().image(),
          String.join(" ", from.prevComment), List.copyOf(args), from.startLine));
    }
    return out;
  }

  private static ArgOutline arg(Node n, KeyValue kv) {
    String description = "";
    for (String c : n.prevComment) {
      if (c.startsWith(kv.key() + " ")) {
        description = c.substring(kv.key().length() + 1).trim();
      }
    }
    return new ArgOutline(kv.key(), kv.value(), description, n.startLine);
  }
}
