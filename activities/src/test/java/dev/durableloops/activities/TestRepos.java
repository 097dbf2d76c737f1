package dev.durableloops.activities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;

/** Real git repositories for tests, made with JGit. */
final class TestRepos {

  private TestRepos() {}

  /** A repository at {@code dir} on branch {@code main} with one commit holding {@code files}. */
  static Path create(Path dir, Map<String, String> files) throws IOException, GitAPIException {
    Files.createDirectories(dir);
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        Path file = dir.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.writeString(file, f.getValue());
      }
      git.add().addFilepattern(".").call();
      git.commit().setMessage("initial").setAuthor(GitWorkspace.IDENT).setCommitter(GitWorkspace.IDENT).call();
    }
    return dir;
  }

  /**
   * Runs the git command line in {@code dir} and returns its output (stdout and stderr), stripped.
   *
   * @throws IllegalStateException when git exits with anything but 0
   */
  static String git(Path dir, String... args) throws IOException, InterruptedException {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("git"));
    command.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command + " failed: " + out);
    }
    return out;
  }

  /** The slugify example repository of examples/slugify/repo, as a fresh git repository. */
  static Path slugify(Path dir) throws IOException, GitAPIException {
    Path source = exampleDir().resolve("repo");
    try (var files = Files.list(source)) {
      Map<String, String> content = new java.util.TreeMap<>();
      for (Path p : files.toList()) {
        content.put(p.getFileName().toString(), Files.readString(p));
      }
      return create(dir, content);
    }
  }

  /** examples/slugify of this checkout. */
  static Path exampleDir() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("examples/slugify"))) {
        return p.resolve("examples/slugify");
      }
    }
    throw new IllegalStateException("examples/slugify not found above " + here);
  }
}
