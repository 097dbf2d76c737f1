package dev.durableloops.activities;

import dev.durableloops.workflows.Texts;
import dev.durableloops.workflows.state.FailedTest;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Reads JUnit XML reports: the format Maven Surefire writes ({@code TEST-*.xml}) and pytest writes
 * with {@code --junitxml}; both are a {@code <testsuite>} (or {@code <testsuites>}) of
 * {@code <testcase classname name>} elements with a {@code <failure>} or {@code <error>} child when
 * the test failed. DTDs and external entities are refused.
 */
final class JUnitReports {

  /** Failing tests kept per check. */
  static final int MAX_FAILED = 50;

  /** Characters kept of a failure message. */
  static final int MAX_MESSAGE = 500;

  /**
   * Tests counted and failures found.
   *
   * @param testsRun test cases seen
   * @param failed failing ones, at most {@link #MAX_FAILED}
   * @param unreadable report files that could not be parsed
   */
  record Summary(int testsRun, List<FailedTest> failed, List<String> unreadable) {}

  private JUnitReports() {}

  /**
   * A check's reports: the JUnit files matching {@code glob} in the workspace {@code ws}, read with
   * secrets replaced ({@link #read}); none when {@code glob} is {@code null} or blank. A glob that
   * cannot be walked is reported as unreadable (redacted: the message may name a file the step made).
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} as {@link #find} does
   */
  static Summary readMatching(Path ws, String glob, Redaction redaction) {
    if (glob == null || glob.isBlank()) {
      return new Summary(0, List.of(), List.of());
    }
    try {
      return read(find(ws, glob), redaction);
    } catch (IOException e) {
      return new Summary(0, List.of(), List.of(redaction.apply(glob + ": " + e.getMessage())));
    }
  }

  /**
   * Files under {@code root} matching {@code glob} (relative to root), sorted; none outside root.
   * Reports are a step's files: no link is followed on the way or in the walk.
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} when a component of the glob's fixed part is a
   *     symbolic link, or a match is a symbolic link or a regular file with more than one name
   *     ({@link WorkspaceFiles#open})
   */
  static List<Path> find(Path root, String glob) throws IOException {
    String staticPart = glob;
    int wildcard = indexOfWildcard(glob);
    if (wildcard >= 0) {
      int slash = glob.lastIndexOf('/', wildcard);
      staticPart = slash < 0 ? "" : glob.substring(0, slash);
    }
    Path base = root.resolve(staticPart).normalize();
    if (!base.startsWith(root) || !WorkspaceFiles.requireNoLinks(root, base)) {
      return List.of();
    }
    if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) {
      return Files.isRegularFile(base, LinkOption.NOFOLLOW_LINKS) ? checked(root, List.of(base)) : List.of();
    }
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    try (Stream<Path> walk = Files.walk(base, 16)) {
      // Files.walk follows no link; a link that matches is refused below, not skipped, so the step says why.
      return checked(root, walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .filter(p -> matcher.matches(root.relativize(p))).sorted().toList());
    }
  }

  private static List<Path> checked(Path root, List<Path> files) throws IOException {
    for (Path file : files) {
      WorkspaceFiles.open(root, file).close();
    }
    return files.stream().filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
  }

  private static int indexOfWildcard(String glob) {
    for (int i = 0; i < glob.length(); i++) {
      if ("*?[{".indexOf(glob.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Parses every report. Test ids, messages and the reasons a report is unreadable (its file name
   * and the parser's message, which quotes element names) are the step's writing: secrets in them
   * are replaced by {@code redaction} before anything is cut, so no secret is cut into a prefix.
   */
  static Summary read(List<Path> reports, Redaction redaction) {
    int run = 0;
    List<FailedTest> failed = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    for (Path report : reports) {
      try {
        Document doc;
        try (var in = Files.newInputStream(report, LinkOption.NOFOLLOW_LINKS)) {
          doc = builder().parse(in);
        }
        NodeList cases = doc.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
          Element testcase = (Element) cases.item(i);
          run++;
          Element problem = firstChild(testcase, "failure", "error");
          if (problem != null && failed.size() < MAX_FAILED) {
            failed.add(new FailedTest(redaction.apply(id(testcase)), message(problem, redaction)));
          }
        }
      } catch (Exception e) {
        unreadable.add(redaction.apply(report.getFileName() + ": " + e.getMessage()));
      }
    }
    return new Summary(run, failed, unreadable);
  }

  private static String id(Element testcase) {
    String cls = testcase.getAttribute("classname");
    String name = testcase.getAttribute("name");
    return cls.isBlank() ? name : cls + "." + name;
  }

  private static String message(Element problem, Redaction redaction) {
    String message = problem.getAttribute("message");
    if (message.isBlank()) {
      message = problem.getTextContent().strip().lines().findFirst().orElse("");
    }
    return Texts.truncate(redaction.apply(message.strip()), MAX_MESSAGE);
  }

  private static Element firstChild(Element parent, String... names) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        for (String name : names) {
          if (name.equals(e.getTagName())) {
            return e;
          }
        }
      }
    }
    return null;
  }

  private static DocumentBuilder builder() throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setXIncludeAware(false);
    factory.setExpandEntityReferences(false);
    return factory.newDocumentBuilder();
  }
}
