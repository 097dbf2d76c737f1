package dev.durableloops.activities;

import dev.durableloops.workflows.Texts;
import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.NotifyInput;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.StepContext;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound steps at the activity boundary ({@link ActivityBoundary}): {@code Notify} through
 * the {@link Notifier}, {@code Deliver} as a push of the loop's head to its repository
 * ({@link Delivery}, after {@link LoopGuard#deliveryTarget} allowed it) and the deliver command,
 * whose environment adds {@code LOOP_DELIVER_BRANCH}, {@code LOOP_DELIVER_COMMIT},
 * {@code LOOP_DELIVER_REPOSITORY} and {@code LOOP_CHECKPOINT}. Built by {@link WorkerActivities}.
 */
final class OutboundActivitiesImpl implements OutboundActivities {

  private static final Logger log = LoggerFactory.getLogger(OutboundActivitiesImpl.class);

  private final GitWorkspace git;
  private final StepCommands commands;
  private final Redaction redaction;
  private final ActivityBoundary boundary;
  private final Notifier notifier;
  private final LoopGuard guard;

  OutboundActivitiesImpl(GitWorkspace git, StepCommands commands, Redaction redaction, ActivityBoundary boundary,
      Notifier notifier, LoopGuard guard) {
    this.git = git;
    this.commands = commands;
    this.redaction = redaction;
    this.boundary = boundary;
    this.notifier = notifier;
    this.guard = guard;
  }

  @Override
  public void announce(NotifyInput input) {
    boundary.run("Notify", () -> {
      ActivityBoundary.loop(input.loopId());
      notifier.send(input);
      return null;
    });
  }

  @Override
  public DeliverResult deliver(DeliverInput input) {
    return boundary.run("Deliver", () -> {
      StepContext ctx = ActivityBoundary.context(input.context());
      Fence.Lease lease = commands.reconciled(ctx);
      DeliverSpec spec = input.deliver();
      String branch = spec.branch() != null ? spec.branch() : LoopRefs.workBranch(ctx.loopId());
      String repository = input.workspace().repository();
      String error = null;
      String pushOutput = null;
      boolean pushed = false;
      String target = null;
      if (!Boolean.FALSE.equals(spec.push())) {
        try {
          target = guard.deliveryTarget(repository);
        } catch (StepException refused) {
          error = refused.getMessage();
        }
      }
      if (target != null) {
        String to = target;
        LiveOutput live = LiveOutput.of("deliver", redaction);
        live.beat("pushing " + branch, "", 0);
        Delivery.Push push = lease.write("push " + branch + " to " + repository, () -> Delivery.push(
            git.deliveryRepository(ctx.loopId()), to, ctx.commit(), branch, spec.branch() == null,
            () -> live.beat("pushing " + branch, "", 0)));
        pushed = push.ok();
        pushOutput = Texts.truncate(redaction.apply(push.output()), Delivery.MAX_OUTPUT_CHARS);
        if (!pushed) {
          error = "push of " + branch + " to " + repository + " failed: " + pushOutput;
        } else {
          // A push counts once the repository is read back at the commit (a remote can accept a push and not keep it).
          String unconfirmed = Delivery.unconfirmed(git.deliveryRepository(ctx.loopId()), to, ctx.commit(), branch,
              () -> live.beat("confirming " + branch, "", 0));
          if (unconfirmed != null) {
            pushed = false;
            error = "push of " + branch + " to " + repository + " not confirmed: " + Texts.truncate(redaction.apply(unconfirmed),
                Delivery.MAX_OUTPUT_CHARS);
          }
        }
      }
      Integer exit = null;
      String url = null;
      String tail = null;
      if (error == null && spec.command() != null) {
        CommandRunner.Run run = commands.run(ctx, lease, new StepSpec(spec.command(), spec.timeout()), "deliver", null, Map.of(
            "LOOP_DELIVER_BRANCH", branch, "LOOP_DELIVER_COMMIT", ctx.commit(), "LOOP_DELIVER_REPOSITORY", repository,
            "LOOP_CHECKPOINT", Integer.toString(input.checkpoint())));
        exit = run.exitCode();
        tail = redaction.tail(run.tail());
        url = Delivery.lastUrl(redaction.apply(StepLogs.read(run.log())));
        if (exit != 0) {
          error = run.timedOut() ? "deliver command timed out after " + spec.timeout() : "deliver command exited " + exit;
        }
      }
      log.info("delivered {} as {}: {}", Texts.shortId(ctx.commit()), branch, error == null ? "ok" : error);
      return new DeliverResult(input.checkpoint(), input.onSuccess(), ctx.commit(), pushed || spec.push() ? branch : null, pushed,
          pushOutput, exit, url, tail, error, Instant.now().toString());
    });
  }
}
