package dev.durableloops.api.loops;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.converter.DefaultDataConverter;
import org.junit.jupiter.api.Test;

/** A loop summary's {@code parent}: Temporal's parent execution of a fan-out's child, nothing for other loops. */
class LoopReaderTest {

  private static WorkflowExecutionMetadata execution(WorkflowExecutionInfo.Builder info) {
    return new WorkflowExecutionMetadata(info.setExecution(WorkflowExecution.newBuilder().setWorkflowId("loop-fleet-t1")).build(),
        DefaultDataConverter.STANDARD_INSTANCE);
  }

  @Test
  void aChildNamesItsParentAndOtherLoopsNone() {
    assertThat(LoopReader.parent(execution(WorkflowExecutionInfo.newBuilder()
        .setParentExecution(WorkflowExecution.newBuilder().setWorkflowId("loop-fleet").setRunId("r"))))).isEqualTo("loop-fleet");
    assertThat(LoopReader.parent(execution(WorkflowExecutionInfo.newBuilder()))).isNull();
  }
}
