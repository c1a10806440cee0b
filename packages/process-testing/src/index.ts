import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  /** The last 64 kB of what the process printed (stdout and stderr). */
  output: () => string;
  /** SIGTERM, then SIGKILL when it has not exited after 10 s. */
  stop: () => Promise<void>;
}

export interface ProcessOptions {
  /** Named in failure messages. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

const OUTPUT_KEPT = 65_536;

function spawnKept(options: ProcessOptions) {
  let log = '';
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningProcess = {
    child,
    output: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return running;
}

export type RunningHttpProcess = RunningProcess & { url: string; port: number };

/**
 * Starts a process that serves HTTP on `port` and waits until `readyPath` answers with any status
 * below 500 (polled, with a deadline).
 */
export async function startHttpProcess(
  options: ProcessOptions & {
    port: number;
    readyPath?: string;
    /** How often `readyPath` is asked while the process starts (default 200 ms). */
    pollMs?: number;
    /** Sees every answer of `readyPath` while waiting (for tests of the start-up itself). */
    onPoll?: (answer: { status: number; headers: Headers; text: string }) => void;
  },
): Promise<RunningHttpProcess> {
  const { name, port, readyPath = '/', timeoutMs = 90_000, pollMs = 200 } = options;
  const running = spawnKept(options);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (running.child.exitCode !== null)
      throw new Error(`${name} exited with ${running.child.exitCode} before answering:\n${running.output()}`);
    try {
      const res = await fetch(url + readyPath, { signal: AbortSignal.timeout(2_000) });
      const text = await res.text();
      options.onPoll?.({ status: res.status, headers: res.headers, text });
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      running.child.kill('SIGKILL');
      throw new Error(`${name} did not answer ${readyPath} within ${timeoutMs} ms:\n${running.output()}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { ...running, url, port };
}

/**
 * Starts a process and waits until its output matches `ready` (for one that chooses its own port
 * and prints where it listens); resolves with the match.
 */
export async function startProcessUntil(
  options: ProcessOptions & { ready: RegExp },
): Promise<RunningProcess & { match: RegExpMatchArray }> {
  const { name, ready, timeoutMs = 60_000 } = options;
  const running = spawnKept(options);
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      running.child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${running.output()}`));
    }, timeoutMs);
    const onData = () => {
      const found = running.output().match(ready);
      if (!found) return;
      clearTimeout(timer);
      running.child.off('exit', onExit);
      resolve(found);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${running.output()}`));
    };
    running.child.stdout?.on('data', onData);
    running.child.stderr?.on('data', onData);
    running.child.once('exit', onExit);
  });
  return { ...running, match };
}
