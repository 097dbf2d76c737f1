package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.state.FailedTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JUnitReportsTest {

  @TempDir Path tmp;

  @Test
  void readsARealPytestReport() throws Exception {
    Path repo = TestRepos.slugify(tmp.resolve("repo"));
    Process pytest =
        new ProcessBuilder("python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=.loop/reports/tests.xml")
            .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
    assertThat(pytest.waitFor()).isEqualTo(1);

    JUnitReports.Summary s = JUnitReports.read(JUnitReports.find(repo, ".loop/reports/*.xml"), new Redaction(Map.of()));
    assertThat(s.testsRun()).isEqualTo(7);
    assertThat(s.failed()).extracting(FailedTest::id)
        .containsExactly("test_slugify.test_transliterates_accents", "test_slugify.test_max_length_leaves_no_trailing_separator");
    assertThat(s.failed().get(0).message()).startsWith("AssertionError: assert 'cr-me-br-l-e-la-carte' == 'creme-brulee-a-la-carte'");
    assertThat(s.unreadable()).isEmpty();
  }

  @Test
  void readsSurefireReportsWithErrorsAndSkips() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("target/surefire-reports"));
    Files.writeString(dir.resolve("TEST-com.example.SlugTest.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite name="com.example.SlugTest" tests="4" failures="1" errors="1" skipped="1">
          <testcase name="ok" classname="com.example.SlugTest" time="0.01"/>
          <testcase name="bad" classname="com.example.SlugTest"><failure message="expected: &lt;a&gt; but was: &lt;b&gt;" type="org.opentest4j.AssertionFailedError">trace</failure></testcase>
          <testcase name="boom" classname="com.example.SlugTest"><error type="java.lang.NullPointerException">java.lang.NullPointerException: x is null
            at com.example.Slug.run(Slug.java:3)</error></testcase>
          <testcase name="later" classname="com.example.SlugTest"><skipped/></testcase>
        </testsuite>
        """);
    Files.writeString(dir.resolve("TEST-broken.xml"), "<testsuite><testcase");

    JUnitReports.Summary s = JUnitReports.read(JUnitReports.find(tmp, "target/surefire-reports/TEST-*.xml"), new Redaction(Map.of()));
    assertThat(s.testsRun()).isEqualTo(4);
    assertThat(s.failed()).containsExactly(
        new FailedTest("com.example.SlugTest.bad", "expected: <a> but was: <b>"),
        new FailedTest("com.example.SlugTest.boom", "java.lang.NullPointerException: x is null"));
    assertThat(s.unreadable()).hasSize(1);
  }

  @Test
  void refusesDoctypesAndGlobsOutsideTheWorkspace() throws Exception {
    Files.writeString(tmp.resolve("evil.xml"), "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><testsuite><testcase name=\"&e;\"/></testsuite>");
    assertThat(JUnitReports.read(List.of(tmp.resolve("evil.xml")), new Redaction(Map.of())).unreadable()).hasSize(1);
    Path ws = Files.createDirectories(tmp.resolve("ws"));
    assertThat(JUnitReports.find(ws, "../*.xml")).isEmpty();
  }
}
