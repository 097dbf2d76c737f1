package dev.durableloops.cli;

/** A unified diff as a terminal shows it: added lines green, removed red, hunk headers cyan, file headers bold. */
final class Diffs {

  private Diffs() {}

  static String colour(String diff, Printer printer) {
    if (!printer.terminal()) {
      return diff;
    }
    StringBuilder out = new StringBuilder();
    for (String line : diff.split("\n", -1)) {
      String styled;
      if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ")) {
        styled = printer.style("bold", line);
      } else if (line.startsWith("+")) {
        styled = printer.style("green", line);
      } else if (line.startsWith("-")) {
        styled = printer.style("red", line);
      } else if (line.startsWith("@@")) {
        styled = printer.style("cyan", line);
      } else {
        styled = line;
      }
      out.append(styled).append('\n');
    }
    // split(-1) leaves an empty last part after a final newline: do not add a second one.
    return diff.endsWith("\n") ? out.substring(0, out.length() - 1) : out.toString();
  }
}
