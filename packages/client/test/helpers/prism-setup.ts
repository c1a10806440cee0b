// Starts Prism on an ephemeral loopback port over the bundled spec, for the whole test run, and
// hands its URL to the tests (`inject('prismUrl')`). Nothing else has to be running.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
export const specPath = createRequire(import.meta.url).resolve('@faceproof/openapi/openapi.yaml');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startPrism(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    `${pkgDir}node_modules/.bin/prism`,
    ['mock', '-h', '127.0.0.1', '-p', String(port), specPath],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start in 60 s:\n${log}`)), 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited with ${code}:\n${log}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  child.removeAllListeners('exit');
  return { url: `http://127.0.0.1:${port}`, child };
}

export default async function setup(project: TestProject) {
  const { url, child } = await startPrism();
  project.provide('prismUrl', url);
  return () => {
    child.kill('SIGTERM');
  };
}
