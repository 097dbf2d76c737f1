package dev.durableloops.activities;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.FS_POSIX;
import org.eclipse.jgit.util.ProcessResult;

/**
 * How the worker opens a workspace's repository: as trusted code on untrusted data (DESIGN.md,
 * "Trust boundaries", zone 2). A step that runs unconfined can write anything under the
 * workspace's {@code .git}; what it writes there is data, never instructions the worker follows:
 *
 * <ul>
 *   <li><b>No hook runs.</b> Repositories are opened with {@link #FS}, whose {@code findHook} finds
 *       nothing and whose {@code runHookIfPresent} runs nothing. {@code CommitCommand.setNoVerify}
 *       would not do: it skips {@code pre-commit} and {@code commit-msg} but still runs
 *       {@code post-commit}, and {@code PushCommand} has {@code pre-push}; an FS that has no hooks
 *       covers every hook JGit knows now and any it learns later.
 *   <li><b>No command runs.</b> {@link #FS} refuses {@code runInShell}, the one way JGit starts a
 *       command a setting names (clean/smudge filters, {@code remote.*.uploadpack} and
 *       {@code receivepack} of a local transport, an external ssh): it throws
 *       {@link StepException.Kind#UNSAFE_WORKSPACE}. The worker's own operations (clone, fetch and
 *       push to paths and URLs, reset, add, commit) never need one. A repository using Git LFS
 *       through the worker's global {@code filter.lfs} is refused too; that is the price of the rule.
 *   <li><b>No setting of the workspace's is read.</b> {@code .git/config} is a projection, like the
 *       memory files: every open replaces it (by a rename, which never writes through a link) with
 *       {@link #config the config the worker writes} from trusted facts — the loop's repository
 *       and nothing else. A deny-list of dangerous keys ({@code core.hooksPath},
 *       {@code core.fsmonitor}, {@code core.sshCommand}, {@code include.path}, {@code includeIf},
 *       {@code url.*.insteadOf}, {@code filter.*}, {@code diff.*.textconv}, {@code credential.helper}
 *       …) would miss the next key git learns; an allow-list by construction cannot. The work tree
 *       and the git directory are given to JGit explicitly, so {@code core.worktree},
 *       {@code commondir} and a {@code gitdir:} file are never consulted.
 *   <li><b>No link is followed and nothing outside is borrowed.</b> {@link #check} refuses a
 *       {@code .git} that is a symbolic link or a file (a {@code gitdir:} redirect), any symbolic
 *       link inside {@code .git} (JGit would write refs, reflogs and objects through it or read
 *       another repository's objects), a {@code commondir} file and {@code objects/info/alternates}
 *       or {@code http-alternates} (objects from elsewhere could enter an attempt commit) — except,
 *       in an attempt's workspace, the one alternates file the worker wrote
 *       ({@link AttemptWorkspaces}) with exactly the content it wrote, and in a fan-out child's
 *       workspace the one the worker recorded beside it, naming its mirror ({@link SharedClones}). Git never
 *       makes any of these in a clone of its own, so finding one is proof of tampering: the step
 *       fails with {@link StepException.Kind#UNSAFE_WORKSPACE} naming the path. So does a reflog
 *       ({@code logs/…}) with more than one name: JGit appends to reflogs in place, so a hard link
 *       would have the worker write into a file elsewhere. Every other file JGit writes in
 *       {@code .git} is written anew and renamed (a lock file), which replaces a hard link rather than
 *       writing through it, and reading one gives a step nothing it could not read itself. A
 *       symbolic ref (HEAD or any under {@code refs/}) must name a well-formed ref under
 *       {@code refs/}: JGit turns the name into a file name, so {@code refs/../../x} would be a
 *       file outside. The worker's own ref updates replace a symbolic ref instead of following it.
 * </ul>
 *
 * <p>The git command line ({@link GitCommandLine}: the walks of the work tree) runs on a workspace
 * only inside an {@link #open}, so after the check and with the worker's config, and under rules
 * of its own: an environment built from nothing, no program it could start, the worker's own index.
 *
 * <p>Checks run when the worker opens the repository for the first time since a step command ran in
 * it ({@link #distrust}); no step command of the loop runs at the same time (the
 * {@link Fence} kills the loop's processes before a step claims it), so nothing changes between
 * the check and the use. The {@code .git} walk costs one {@code lstat} per entry (~10 µs). POSIX
 * only, like the worker's process groups.
 */
final class TrustedGit {

  /** The file system JGit uses for every workspace: no hooks, no shell commands. */
  static final FS FS = new HooklessFs();

  /** Files in a git directory that borrow objects or refs from another repository. */
  static final List<String> REDIRECTS = List.of("commondir", "objects/info/alternates", "objects/info/http-alternates");

  private TrustedGit() {}

  /**
   * Opens the repository of {@code workTree} after {@link #check} and with a config of the worker's
   * own ({@link #writeConfig}); both are skipped when this process checked the workspace since a
   * step command last ran in it ({@link #distrust}).
   *
   * @param origin the loop's repository (path or URL), the config's {@code remote.origin.url}; or
   *     {@code null} when not known, leaving {@code origin} out
   * @throws StepException {@code UNSAFE_WORKSPACE} as {@link #check} says
   * @throws IOException when the repository cannot be read or its config not written
   */
  static Git open(Path workTree, String origin) throws IOException {
    boolean checked = CHECKED.contains(workTree);
    if (!checked) {
      check(workTree);
      writeConfig(workTree.resolve(".git"), origin);
    }
    Git git = build(workTree);
    CHECKED.add(workTree);
    return git;
  }

  /**
   * Workspaces {@link #open} checked since the last step command ran in them: their {@code .git}
   * holds only what the worker wrote since, so later opens skip the walk and the config. Process-wide,
   * as what it stands for is on this machine's disk; a new process starts with none.
   */
  private static final java.util.Set<Path> CHECKED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Makes the next {@link #open} of {@code workTree} check {@code .git} again and write its config
   * anew: to be called before a step command runs in it, and after the worker made a new clone.
   */
  static void distrust(Path workTree) {
    CHECKED.remove(workTree);
  }

  private static Git build(Path workTree) throws IOException {
    Path gitDir = workTree.resolve(".git");
    Repository repo = new FileRepositoryBuilder()
        .setFS(FS)
        .setGitDir(gitDir.toFile())
        .setGitCommonDir(gitDir.toFile())
        .setWorkTree(workTree.toFile())
        // The worker's own index, never the workspace's .git/index (GitCommandLine#index).
        .setIndexFile(GitCommandLine.index(workTree).toFile())
        .setMustExist(true)
        .build();
    return Git.wrap(repo);
  }

  /**
   * Whether {@code workTree} has a {@code .git} directory that is not a link (a workspace the
   * worker may open or must check).
   */
  static boolean hasGitDirectory(Path workTree) {
    return Files.isDirectory(workTree.resolve(".git"), LinkOption.NOFOLLOW_LINKS);
  }

  /** A loose object's directory: {@code objects/xx}. */
  private static final java.util.regex.Pattern FAN_OUT = java.util.regex.Pattern.compile("[0-9a-f]{2}");

  /**
   * Refuses a workspace whose {@code .git} is a symbolic link or not a directory, holds a symbolic
   * link, or holds a {@link #REDIRECTS redirect}. Loose objects ({@code objects/xx/…}, one file per
   * object the worker or a step wrote, thousands after a long loop: ~10 µs each) are left to
   * {@link #checkAll}, which the steps that put objects into a commit or a push call; their
   * directories are checked here. A missing {@code .git} passes (the caller rebuilds the workspace).
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} naming the path and what it is
   */
  static void check(Path workTree) {
    check(workTree, false);
  }

  /**
   * {@link #check} with every loose object too: before an attempt commit and a delivery, where an
   * object file linked to another repository's would carry its content into a commit. (Elsewhere a
   * linked object could only be one whose id the step already knows, and the commits the workflow
   * names were checked when they were made.)
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} naming the path and what it is
   */
  static void checkAll(Path workTree) {
    check(workTree, true);
  }

  private static void check(Path workTree, boolean looseObjects) {
    WorkspaceFiles.requireRealRoot(workTree);
    Path gitDir = workTree.resolve(".git");
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(gitDir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot read " + gitDir + ": " + e.getMessage(), e);
    }
    if (attributes.isSymbolicLink()) {
      throw unsafe(workTree, gitDir, "is a symbolic link" + WorkspaceFiles.target(gitDir));
    }
    if (!attributes.isDirectory()) {
      throw unsafe(workTree, gitDir, "is not a directory (a 'gitdir:' file redirects git elsewhere)");
    }
    String alternates = AttemptWorkspaces.expectedAlternates(workTree);
    // An attempt borrows from its loop's clone, which is checked in turn; a fan-out child's workspace
    // from the worker's mirror of the repository, which no step writes.
    Path lender = alternates == null ? null : AttemptWorkspaces.loopWorkspace(workTree);
    if (alternates == null) {
      alternates = SharedClones.expectedAlternates(workTree);
    }
    for (String redirect : REDIRECTS) {
      Path file = gitDir.resolve(redirect);
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      // An attempt's workspace borrows its loop clone's objects through the one file the worker wrote;
      // a shared workspace the mirror's through the one the worker recorded ({@link SharedClones}).
      if (alternates != null && redirect.equals("objects/info/alternates")) {
        if (!AttemptWorkspaces.holds(file, alternates)) {
          throw unsafe(workTree, file, "is not the one the worker wrote (naming " + alternates.strip()
              + "): it would let git read another repository's objects");
        }
        // Git follows the clone's own alternates in turn: the clone must be one the worker trusts.
        if (lender != null) {
          check(lender, false);
        }
        continue;
      }
      throw unsafe(workTree, file, "exists: it would let git read another repository's objects or refs");
    }
    try {
      Path objects = gitDir.resolve("objects");
      // Hooks are never run nor read ({@link HooklessFs}), so links there (a common way to install
      // hooks) are let be.
      Path hooks = gitDir.resolve("hooks");
      Path logs = gitDir.resolve("logs");
      Path refs = gitDir.resolve("refs");
      Files.walkFileTree(gitDir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (dir.equals(hooks)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          boolean loose = dir.getParent() != null && dir.getParent().equals(objects) && FAN_OUT.matcher(dir.getFileName().toString()).matches();
          return loose && !looseObjects ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isSymbolicLink() && !file.equals(hooks)) {
            throw unsafe(workTree, file, "is a symbolic link" + WorkspaceFiles.target(file));
          }
          if (attrs.isRegularFile() && (file.startsWith(refs) || file.getParent().equals(gitDir)
              && SPECIAL_REF.matcher(file.getFileName().toString()).matches())) {
            requireSymrefInside(workTree, file);
          }
          if (file.startsWith(logs) && attrs.isRegularFile() && !isPlain(file)) {
            throw unsafe(workTree, file, "has more than one name (a hard link): the worker appends to reflogs in place");
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            // Gone since it was listed (a lock file a crashed process left, removed): nothing to follow.
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot read " + gitDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The whole of a workspace's {@code .git/config} as the worker writes it: format version 0, a
   * non-bare repository with reflogs, and {@code remote.origin} (the loop's repository, all its
   * branches fetched). Nothing a step wrote survives the next open.
   */
  static String config(String origin) {
    Config config = new Config();
    config.setInt("core", null, "repositoryformatversion", 0);
    config.setBoolean("core", null, "filemode", true);
    config.setBoolean("core", null, "bare", false);
    config.setBoolean("core", null, "logallrefupdates", true);
    if (origin != null && !origin.isBlank()) {
      config.setString("remote", "origin", "url", origin);
      config.setString("remote", "origin", "fetch", "+refs/heads/*:refs/remotes/origin/*");
    }
    return config.toText();
  }

  /**
   * Replaces {@code gitDir/config} with {@link #config} unless it already holds exactly that as a
   * regular file with one name; the replacement is a new file renamed over the old name, so it
   * never writes through a link.
   */
  static void writeConfig(Path gitDir, String origin) throws IOException {
    String text = config(origin);
    Path file = gitDir.resolve("config");
    if (WorkspaceFiles.isPlainFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
      return;
    }
    WorkspaceFiles.replace(file, text);
  }

  /**
   * Makes {@code bare} a repository the git command line can push a workspace's commits from
   * without reading anything of the workspace but its objects: a bare repository of the worker's
   * own (its config, no hooks), whose {@code objects/info/alternates} — written by the worker —
   * names the workspace's object directory. {@link #checkAll} runs first: it refuses alternates of
   * the workspace's own, which git would follow in turn.
   *
   * @return {@code bare}
   * @throws StepException {@code UNSAFE_WORKSPACE} when the workspace's {@code .git} is not one the
   *     worker uses ({@link #checkAll}), {@code IO} when {@code bare} cannot be made
   */
  static Path deliveryRepository(Path workTree, Path bare) {
    checkAll(workTree);
    try {
      return makeDeliveryRepository(workTree, bare);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot make the delivery repository " + bare + ": " + e.getMessage(), e);
    }
  }

  private static Path makeDeliveryRepository(Path workTree, Path bare) throws IOException {
    if (!Files.isDirectory(bare.resolve("objects"), LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(bare.getParent());
      try (Git ignored = Git.init().setBare(true).setFs(FS).setDirectory(bare.toFile()).call()) {
        // Created; closing it is all that is left.
      } catch (GitAPIException e) {
        throw new IOException("cannot create " + bare + ": " + e.getMessage(), e);
      }
    }
    Path info = Files.createDirectories(bare.resolve("objects").resolve("info"));
    WorkspaceFiles.replace(info.resolve("alternates"), workTree.resolve(".git").resolve("objects").toAbsolutePath() + "\n");
    return bare;
  }

  /** Files at the top of a git directory that hold refs: HEAD, ORIG_HEAD, FETCH_HEAD, MERGE_HEAD … */
  private static final java.util.regex.Pattern SPECIAL_REF = java.util.regex.Pattern.compile("[A-Z_]*HEAD");

  /**
   * Refuses a symbolic ref ({@code ref: <name>}) whose target is not a well-formed name under
   * {@code refs/}: JGit makes the target's file name from it, so {@code refs/../../x} would have a
   * commit or reset of the worker write (and a read read) a file outside {@code .git}.
   */
  private static void requireSymrefInside(Path workTree, Path file) {
    byte[] head = new byte[512];
    int read;
    try (var in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      read = in.readNBytes(head, 0, head.length);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String text = new String(head, 0, read, StandardCharsets.UTF_8);
    if (!text.startsWith("ref:")) {
      return;
    }
    String target = text.substring(4).strip();
    if (!target.startsWith("refs/") || !Repository.isValidRefName(target)) {
      throw unsafe(workTree, file, "is a symbolic ref to '" + target + "', not a ref under refs/: git would read and write a file outside .git");
    }
  }

  private static boolean isPlain(Path file) {
    try {
      return WorkspaceFiles.isPlainFile(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static StepException unsafe(Path workTree, Path path, String what) {
    return new StepException(StepException.Kind.UNSAFE_WORKSPACE,
        "the workspace's " + workTree.relativize(path) + " " + what + "; the worker runs and follows nothing a step can write in "
            + workTree + ", so it will not use this repository");
  }

  /**
   * JGit's POSIX file system without hooks or shell commands. {@link #newInstance} keeps the type,
   * so a copy JGit makes for itself is just as closed.
   */
  static final class HooklessFs extends FS_POSIX {

    HooklessFs() {
      super();
    }

    private HooklessFs(FS source) {
      super(source);
    }

    @Override
    public FS newInstance() {
      return new HooklessFs(this);
    }

    @Override
    public File findHook(Repository repository, String hookName) {
      return null;
    }

    @Override
    public ProcessResult runHookIfPresent(Repository repository, String hookName, String[] args) {
      return new ProcessResult(ProcessResult.Status.NOT_PRESENT);
    }

    @Override
    public ProcessResult runHookIfPresent(Repository repository, String hookName, String[] args, OutputStream outRedirect,
        OutputStream errRedirect, String stdinArgs) {
      return new ProcessResult(ProcessResult.Status.NOT_PRESENT);
    }

    @Override
    protected ProcessResult internalRunHookIfPresent(Repository repository, String hookName, String[] args,
        OutputStream outRedirect, OutputStream errRedirect, String stdinArgs) {
      return new ProcessResult(ProcessResult.Status.NOT_PRESENT);
    }

    /**
     * @throws StepException {@code UNSAFE_WORKSPACE}, always: the worker starts no command a git
     *     setting names
     */
    @Override
    public ProcessBuilder runInShell(String cmd, String[] args) {
      throw new StepException(StepException.Kind.UNSAFE_WORKSPACE,
          "git asked the worker to run '" + cmd + "' (a filter, upload-pack, receive-pack or ssh command a git setting names);"
              + " the worker runs no command a setting names");
    }
  }
}
