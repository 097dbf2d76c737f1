package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.durableloops.workflows.ForkSeed;
import dev.durableloops.workflows.StartGrant;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.FirstRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start grants: what they sign (the spec, and what a first run starts with) and the key file they are signed with. */
class StartGrantsTest {

  @TempDir Path tmp;

  final StartGrants grants = new StartGrants("a-test-key-of-enough-bytes".getBytes());

  static final LoopSpec SPEC = new LoopSpec("t", "goal", new WorkspaceSpec("/tmp/repo", "main"), null, null,
      new StepSpec("true", "PT1M"), List.of(new CheckSpec("c", "true", null, "PT1M", true, null)),
      null, null, null, new Caps(3, "P1D", null, 100), Map.of(), List.of(), null, null, null).normalized();

  static final ForkSeed SEED = new ForkSeed("loop-source", 2, "a".repeat(40), List.of(), List.of(), 0.5);

  @Test
  void aPlainStartsGrantIsTheSameAsBeforeStartsWereSigned() {
    StartGrant grant = grants.sign(SPEC, "lena", List.of("OPERATOR", "APPROVER"));
    assertThat(grant.startHash()).isNull();
    StartGrant asBefore = new StartGrant(grant.startedBy(), grant.roles(), grant.specHash(), grant.signature());
    assertThat(grants.verify(SPEC, asBefore, new FirstRun(null, null)).roles()).containsExactlyInAnyOrder("APPROVER", "OPERATOR");
  }

  @Test
  void aForksGrantCoversItsSeedOnly() {
    StartGrant grant = grants.sign(SPEC, "lena", List.of("APPROVER"), null, SEED);
    assertThat(grants.verify(SPEC, grant, new FirstRun(null, SEED)).problem()).isNull();
    ForkSeed other = new ForkSeed("loop-other", 2, "b".repeat(40), List.of(), List.of(), 0.5);
    assertThat(grants.verify(SPEC, grant, new FirstRun(null, other)).problem())
        .isEqualTo("its start grant was made for another start (the state or fork seed it was started with differ)");
    assertThat(grants.verify(SPEC, grant, new FirstRun(null, null)).roles()).isEmpty();
    // A continued run (no first run to check) keeps the grant's roles.
    assertThat(grants.verify(SPEC, grant, null).roles()).containsExactly("APPROVER");
    // The start hash is signed: swapping it for another start's fails the signature.
    StartGrant swapped = new StartGrant(grant.startedBy(), grant.roles(), grant.specHash(), grant.signature(),
        StartGrants.startHash(null, other));
    assertThat(grants.verify(SPEC, swapped, new FirstRun(null, other)).problem()).isEqualTo("its start grant's signature is not the API's");
  }

  @Test
  void aPlainStartsGrantDoesNotCoverACarriedState() {
    StartGrant grant = grants.sign(SPEC, "lena", List.of("APPROVER"));
    FirstRun carried = new FirstRun(StartGrantWorkflowTest.carriedWithCaps(new Caps(1_000_000, "P3650D", null, 1_000_000), null), null);
    assertThat(grants.verify(SPEC, grant, carried).roles()).isEmpty();
  }

  @Test
  void theKeyFileIsMadeOwnerOnly() throws Exception {
    StartGrants.of(tmp, null);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("grant-key")))).isEqualTo("rw-------");
  }

  @Test
  void aKeyFileOthersCanReadIsRefused() throws Exception {
    Path key = tmp.resolve("grant-key");
    Files.writeString(key, "a-key-others-can-read-0123456789\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> StartGrants.of(tmp, null)).isInstanceOf(IllegalStateException.class)
        .hasMessage("the start grant key " + key + " is rw-r--r--: others than its owner may read or change it, and with it sign a "
            + "grant with any role; make it owner-only (chmod 600 " + key + ") or set durable-loops.grant-key");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    assertThat(StartGrants.of(tmp, null).sign(SPEC, "lena", List.of()).signature()).hasSize(64);
  }
}
