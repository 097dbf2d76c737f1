package dev.durableloops.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;

/** Git repositories for benchmarks: {@code files} small source files in directories of 100. */
final class TestRepo {

  private TestRepo() {}

  static Path create(Path dir, int files) throws Exception {
    Files.createDirectories(dir);
    for (int i = 0; i < files; i++) {
      Path file = dir.resolve("src/d" + (i / 100) + "/f" + i + ".txt");
      Files.createDirectories(file.getParent());
      Files.writeString(file, "file " + i + "\n".repeat(1) + "line two of file " + i + "\n");
    }
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      git.commit().setMessage("base").setAuthor("b", "b@x.invalid").setCommitter("b", "b@x.invalid").call();
    }
    return dir;
  }
}
