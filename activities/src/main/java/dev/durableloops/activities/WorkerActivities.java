package dev.durableloops.activities;

import dev.durableloops.workflows.steps.LandingActivities;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import java.nio.file.Path;
import java.util.List;

/**
 * The activities of one worker: the implementations of the activity contracts,
 * {@link WorkspaceActivities} (the workspace and the step commands) and {@link OutboundActivities}
 * (webhooks and delivery), and {@link LandingActivities} (a fan-out's merge queue), built over one shared set of machinery — the data directory's layout,
 * the git workspace and store, the step commands and their fence, the redaction of secrets and the
 * activity boundary — so that a {@code Deliver} and a {@code Make} of one loop claim the same fence.
 * One instance serves every loop of a worker; all state is in the workspace directories and the
 * inputs.
 *
 * <p>Register both with a Temporal worker: {@code worker.registerActivitiesImplementations(all())}.
 * Step commands get the environment {@link StepVariables} describes.
 */
public final class WorkerActivities {

  private final WorkspaceActivities workspace;
  private final OutboundActivities outbound;
  private final LandingActivities landing;

  /**
   * @param dataDir the data directory holding every loop's workspace and logs
   * @param policy what step commands may see and write
   * @param store where every attempt and checkpoint is pushed
   * @param hostQueue this worker's own task queue, which {@code Prepare} reports so the loop's
   *     workspace steps come here; {@code null} when the worker has none
   * @param observer told of every step, for metrics
   */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer) {
    this(dataDir, policy, store, hostQueue, observer, Notifier.NotifyConfig.NONE, LoopGuard.NONE, MakerLimits.NONE, null);
  }

  /**
   * Activities that also send notifications.
   *
   * @param webhooks URLs every loop's events go to, besides each spec's own
   * @param secret the webhook signing key (Standard Webhooks; {@code whsec_<base64>} or text), or {@code null}
   * @param webUrl the app's address for the links in events
   */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      List<String> webhooks, String secret, String webUrl) {
    this(dataDir, policy, store, hostQueue, observer, new Notifier.NotifyConfig(webhooks, secret, webUrl), LoopGuard.NONE, MakerLimits.NONE, null);
  }

  /**
   * The worker's activities: notifications and the worker's own check of every loop
   * ({@link LoopGuard}: the spec policy for the starter its start grant names, before the first step;
   * the repository again before a push).
   */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      List<String> webhooks, String secret, String webUrl, LoopGuard guard) {
    this(dataDir, policy, store, hostQueue, observer, new Notifier.NotifyConfig(webhooks, secret, webUrl), guard, MakerLimits.NONE, null);
  }

  /**
   * The worker's activities with limits on the makers it runs at once ({@link MakerLimits}).
   */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      List<String> webhooks, String secret, String webUrl, LoopGuard guard, MakerLimits makers) {
    this(dataDir, policy, store, hostQueue, observer, webhooks, secret, webUrl, guard, makers, null);
  }

  /**
   * The worker's activities, whose {@code Prepare} also asks the loop for a heartbeat timeout of its
   * own for this worker's command steps.
   *
   * @param heartbeatTimeout how long this worker's command steps may go without a heartbeat before
   *     their loop takes the worker for lost, or {@code null} for the workflow's default (10 s); the
   *     workflow ignores a value outside 3 s…10 min
   */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      List<String> webhooks, String secret, String webUrl, LoopGuard guard, MakerLimits makers, java.time.Duration heartbeatTimeout) {
    this(dataDir, policy, store, hostQueue, observer, new Notifier.NotifyConfig(webhooks, secret, webUrl), guard, makers, heartbeatTimeout);
  }

  /** Activities with limits on the makers they run at once, without a worker-specific task queue, observer or notifications. */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, MakerLimits makers) {
    this(dataDir, policy, store, null, StepObserver.NONE, Notifier.NotifyConfig.NONE, LoopGuard.NONE, makers, null);
  }

  /** Activities with {@code guard}, without a worker-specific task queue, observer or notifications. */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, LoopGuard guard) {
    this(dataDir, policy, store, null, StepObserver.NONE, Notifier.NotifyConfig.NONE, guard, MakerLimits.NONE, null);
  }

  /** Activities without a worker-specific task queue or an observer. */
  public WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store) {
    this(dataDir, policy, store, null, StepObserver.NONE);
  }

  /** Activities with {@link CommandPolicy#standard()} and the data directory's own store. */
  public WorkerActivities(Path dataDir) {
    this(dataDir, CommandPolicy.standard(), GitStore.under(dataDir));
  }

  private WorkerActivities(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      Notifier.NotifyConfig notify, LoopGuard guard, MakerLimits makers, java.time.Duration heartbeatTimeout) {
    LoopPaths paths = new LoopPaths(dataDir);
    GitWorkspace git = new GitWorkspace(paths, store);
    Redaction redaction = new Redaction(policy.secrets());
    StepCommands commands = new StepCommands(paths, git, new Fence(paths, store.localDir()), policy, redaction);
    ActivityBoundary boundary = new ActivityBoundary(redaction, observer);
    this.workspace = new WorkspaceActivitiesImpl(paths, git, commands, policy, redaction, boundary, observer, guard, hostQueue,
        heartbeatTimeout == null ? null : heartbeatTimeout.toString(), new MakerSlots(makers));
    this.outbound = new OutboundActivitiesImpl(git, commands, redaction, boundary, new Notifier(notify, redaction), guard);
    this.landing = new LandingActivitiesImpl(paths, git, store, commands, redaction, boundary);
  }

  /** The workspace steps: {@code Prepare} … {@code Reflect}. */
  public WorkspaceActivities workspace() {
    return workspace;
  }

  /** The outbound steps: {@code Notify} and {@code Deliver}. */
  public OutboundActivities outbound() {
    return outbound;
  }

  /** The merge queue's step of a fan-out: {@code Land}. */
  public LandingActivities landing() {
    return landing;
  }

  /** Every implementation (workspace, outbound, landing), for {@code Worker.registerActivitiesImplementations}. */
  public Object[] all() {
    return new Object[] {workspace, outbound, landing};
  }
}
