// The sandbox runtime (srt) as a long-lived process of one worker: started by the worker's JVM
// (activities' SandboxRuntime, which ships this file in its jar), it initializes srt's
// SandboxManager once (its filtering HTTP and SOCKS proxies and their Unix-socket bridges) and then
// wraps each step's command into the bubblewrap command line that runs it; the JVM runs that line
// itself, under its step supervisor. One process serves one network policy (the proxies filter by
// the policy the manager was initialized with, not per command), so the JVM keeps one per distinct
// list of allowed domains.
//
// Usage: node srt-wrapper.mjs <package-dir> <network-json>
//   <package-dir>   the installed @anthropic-ai/sandbox-runtime (its dist/ is imported)
//   <network-json>  {"allowedDomains":[…],"deniedDomains":[],"deniedResolvedAddresses":[…]}
// Protocol: JSON lines on stdin and stdout, nothing else on stdout (srt's own messages go to stderr).
//   out {"ready":true} once the proxies listen, or {"fatal":"…"} and exit 1
//   in  {"id":n,"cwd":"/abs/workspace","argv":["…"],"settings":{"network":{…},"filesystem":{…}}}
//   out {"id":n,"wrapped":"<shell command line for /bin/sh -c>"} or {"id":n,"error":"…"}
//   in  {"id":n,"done":true} when the command of wrap n has ended: srt's per-command clean-up
// The channel is this process's stdin and stdout, pipes to the JVM alone: a step is never a child of
// this process, and the JVM starts steps with no descriptor but their standard streams, so nothing
// inside a sandbox can reach it. End of stdin (the JVM closed it or died) ends this process, its
// proxies and bridges with it.
import * as path from 'node:path';
import * as readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const [pkgDir, networkJson] = process.argv.slice(1);
// srt logs with console.*; stdout is the protocol's alone.
console.log = console.info = console.debug = console.warn = console.error;
const send = message => process.stdout.write(JSON.stringify(message) + '\n');

let manager;
try {
  const lib = await import(pathToFileURL(path.join(pkgDir, 'dist/index.js')).href);
  const { quote } = await import(pathToFileURL(path.join(pkgDir, 'dist/utils/shell-quote.js')).href);
  manager = lib.SandboxManager;
  const network = JSON.parse(networkJson);
  const config = lib.SandboxRuntimeConfigSchema.parse({
    network,
    filesystem: { denyRead: [], allowRead: [], allowWrite: [], denyWrite: [] },
  });
  await manager.initialize(config);
  const policy = JSON.stringify(config.network);
  // One wrap at a time: srt reads the working directory (the workspace's .git/hooks, .git/config
  // and the other mandatory write-denies follow from it) from the process, so each wrap changes it.
  let queue = Promise.resolve();
  const wrap = async request => {
    const settings = lib.SandboxRuntimeConfigSchema.parse(request.settings);
    if (JSON.stringify(settings.network) !== policy) {
      throw new Error('the step asks for a network policy this process does not serve');
    }
    if (!path.isAbsolute(request.cwd) || !Array.isArray(request.argv) || request.argv.length === 0) {
      throw new Error('a wrap needs an absolute cwd and a command');
    }
    process.chdir(request.cwd);
    return manager.wrapWithSandbox(quote(request.argv), undefined,
      { network: { allowedDomains: settings.network.allowedDomains }, filesystem: settings.filesystem });
  };
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on('line', line => {
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      return;
    }
    if (request.done) {
      queue = queue.then(() => manager.cleanupAfterCommand());
      return;
    }
    queue = queue.then(() => wrap(request))
      .then(wrapped => send({ id: request.id, wrapped }), e => send({ id: request.id, error: e instanceof Error ? e.message : String(e) }));
  });
  input.on('close', () => {
    queue.then(() => manager.reset()).finally(() => process.exit(0));
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => manager.reset().finally(() => process.exit(0)));
  }
  send({ ready: true });
} catch (e) {
  send({ fatal: e instanceof Error ? e.message : String(e) });
  try {
    await manager?.reset();
  } finally {
    process.exit(1);
  }
}
