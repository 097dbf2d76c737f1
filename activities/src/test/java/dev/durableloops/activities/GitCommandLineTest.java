package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a step can make git write: names that are no UTF-8, and as much output as it likes. */
class GitCommandLineTest {

  @Test
  void aFileNameThatIsNoUtf8InGitsWarningsStillStages(@TempDir Path root) throws Exception {
    Path dir = root.resolve("workspace");
    Git.init().setDirectory(dir.toFile()).call().close();
    // LF turned to CRLF: git add warns naming each file, as its bytes are.
    Files.writeString(dir.resolve(".gitattributes"), "* text eol=crlf\n");
    Process p = new ProcessBuilder("sh", "-c", "printf 'a\\nb\\n' > \"$(printf 'f\\377')\"").directory(dir.toFile()).start();
    assertThat(p.waitFor()).isZero();

    GitCommandLine.Result added = GitCommandLine.addAll(dir);

    assertThat(added.ok()).as(added.output()).isTrue();
    assertThat(added.output()).contains("f\uFFFD");
    assertThat(GitCommandLine.writeTree(dir)).isNotNull();
  }

  @Test
  void outputIsKeptUpToItsLimit(@TempDir Path root) throws Exception {
    Path dir = root.resolve("workspace");
    Git.init().setDirectory(dir.toFile()).call().close();
    Files.writeString(dir.resolve(".gitattributes"), "* text eol=crlf\n");
    String longName = "n".repeat(200);
    for (int i = 0; i < 600; i++) {
      Files.writeString(dir.resolve(longName + i), "a\n");
    }

    GitCommandLine.Result added = GitCommandLine.addAll(dir);

    assertThat(added.ok()).as(added.output()).isTrue();
    assertThat(added.output()).startsWith("[").contains("bytes of output left out]");
    assertThat(added.output().length()).isLessThanOrEqualTo(GitCommandLine.OUTPUT_LIMIT + 100);
    assertThat(added.output()).contains(longName + "99");
  }

  @Test
  void shortOutputIsWhole(@TempDir Path root) throws Exception {
    Path file = root.resolve("out");
    Files.write(file, List.of("one", "two"));
    assertThat(GitCommandLine.tail(file)).isEqualTo("one\ntwo\n");
  }
}
