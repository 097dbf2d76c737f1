package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs stay true to the code: every class {@code docs/ARCHITECTURE.md} names still exists, and
 * every relative link of the README and the pages under {@code docs/} leads to a file. Plain file
 * reads from the repository root (the tests run in {@code api/}), no application.
 */
class DocsTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** A backticked span naming a class: {@code Foo}, {@code Foo.java}, {@code pkg.Foo}, {@code Foo.member}, {@code Foo.method(...)}. */
  static final Pattern CLASS_SPAN = Pattern.compile("(?:[a-z…]+\\.)*([A-Z][A-Za-z0-9]*)(?:\\.java)?(?:[.#][A-Za-z_]\\w*(?:\\(.*\\))?)?");

  static final Pattern BACKTICKED = Pattern.compile("`([^`\\n]+)`");

  static final Pattern TYPE_DECLARATION = Pattern.compile("\\b(?:class|record|interface|enum)\\s+([A-Z]\\w*)");

  /** Temporal activity types ({@code Make}, {@code Gate}, …), which the architecture names as steps. */
  static final Pattern ACTIVITY_TYPE = Pattern.compile("@ActivityMethod\\(name = \"([A-Za-z]+)\"\\)");

  /** Classes of libraries the architecture names; they are not ours to find. */
  static final Set<String> LIBRARY_CLASSES = Set.of("Workflow", "WorkflowReplayer", "WorkflowClient", "ApplicationFailure");

  /** Markdown links and images: {@code [text](target)}, {@code ![alt](target)}. */
  static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

  @Test
  void everyClassTheArchitectureNamesExists() throws IOException {
    Set<String> types = new TreeSet<>();
    Set<String> activityTypes = new TreeSet<>();
    for (Path source : javaFiles("main")) {
      String text = Files.readString(source);
      types.add(source.getFileName().toString().replace(".java", ""));
      TYPE_DECLARATION.matcher(text).results().forEach(m -> types.add(m.group(1)));
      ACTIVITY_TYPE.matcher(text).results().forEach(m -> activityTypes.add(m.group(1)));
    }
    Set<String> tests = new TreeSet<>();
    for (Path source : javaFiles("test")) {
      tests.add(source.getFileName().toString().replace(".java", ""));
    }
    assertThat(types).as("classes found under */src/main/java").hasSizeGreaterThan(50);

    Set<String> named = classNames(Files.readString(ROOT.resolve("docs/ARCHITECTURE.md")));
    assertThat(named).as("class names found in docs/ARCHITECTURE.md").hasSizeGreaterThan(40);
    List<String> missing = new ArrayList<>();
    for (String name : named) {
      boolean test = name.endsWith("Test") || name.endsWith("IT");
      boolean found = test ? tests.contains(name) : types.contains(name) || activityTypes.contains(name) || LIBRARY_CLASSES.contains(name);
      if (!found) {
        missing.add(name);
      }
    }
    assertThat(missing).as("classes docs/ARCHITECTURE.md names that no longer exist under */src/%s/java", "main (or test)").isEmpty();
  }

  @Test
  void classNamesAreReadFromBackticks() {
    assertThat(classNames("`LoopWorkflowImpl`, `GitWorkspace.reconcile`, `security.EndpointRoles`, `Foo.java`, `LoopProgress.start(...)`,"
        + " `ACCEPT`, `LOOP_*`, `<data>/loops`, `sh -c x`, `index.html`"))
        .containsExactly("EndpointRoles", "Foo", "GitWorkspace", "LoopProgress", "LoopWorkflowImpl");
  }

  @Test
  void everyRelativeLinkOfTheDocsLeadsToAFile() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    assertThat(pages).as("README.md and docs/*.md").hasSizeGreaterThan(2);
    List<String> broken = new ArrayList<>();
    int links = 0;
    for (Path page : pages) {
      for (String target : relativeLinks(Files.readString(page))) {
        links++;
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        if (!file.isEmpty() && !Files.exists(page.getParent().resolve(file))) {
          broken.add(ROOT.relativize(page) + " → " + target);
        }
      }
    }
    assertThat(links).as("relative links found").isGreaterThan(10);
    assertThat(broken).as("relative links that lead nowhere").isEmpty();
  }

  @Test
  void everyDocsPageIsLinkedFromTheReadme() throws IOException {
    List<String> readmeLinks = relativeLinks(Files.readString(ROOT.resolve("README.md")));
    List<String> unlinked = new ArrayList<>();
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(p -> {
        String target = "docs/" + p.getFileName();
        if (readmeLinks.stream().noneMatch(l -> l.equals(target) || l.startsWith(target + "#"))) {
          unlinked.add(target);
        }
      });
    }
    assertThat(unlinked).as("docs pages the README does not link").isEmpty();
  }

  /** The class names among the backticked spans of {@code markdown}, sorted. */
  static Set<String> classNames(String markdown) {
    Set<String> names = new TreeSet<>();
    Matcher spans = BACKTICKED.matcher(markdown);
    while (spans.find()) {
      Matcher m = CLASS_SPAN.matcher(spans.group(1));
      // A class name has a lower-case letter; ACCEPT and LOOP_FAILED are constants.
      if (m.matches() && m.group(1).chars().anyMatch(Character::isLowerCase)) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** The link targets of {@code markdown} that are neither URLs nor in-page anchors, outside code blocks. */
  static List<String> relativeLinks(String markdown) {
    List<String> targets = new ArrayList<>();
    boolean code = false;
    for (String line : markdown.split("\n")) {
      if (line.strip().startsWith("```")) {
        code = !code;
        continue;
      }
      if (code) {
        continue;
      }
      Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", ""));
      while (m.find()) {
        String target = m.group(1);
        if (!target.matches("[a-z][a-z0-9+.-]*:.*") && !target.startsWith("#")) {
          targets.add(target);
        }
      }
    }
    return targets;
  }

  private static List<Path> javaFiles(String sourceSet) {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> modules = Files.list(ROOT)) {
      for (Path module : modules.sorted().toList()) {
        Path sources = module.resolve("src").resolve(sourceSet).resolve("java");
        if (Files.isDirectory(sources)) {
          try (Stream<Path> walk = Files.walk(sources)) {
            walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
