// Starts Prism on an ephemeral loopback port over the bundled spec, for the whole test run, and
// hands its URL to the tests (`inject('prismUrl')`). Nothing else has to be running.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort, startProcessUntil } from '@faceproof/process-testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
export const specPath = createRequire(import.meta.url).resolve('@faceproof/openapi/openapi.yaml');

export async function startPrism(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const prism = await startProcessUntil({
    name: 'Prism',
    command: `${pkgDir}node_modules/.bin/prism`,
    args: ['mock', '-h', '127.0.0.1', '-p', String(port), specPath],
    ready: /Prism is listening/,
    timeoutMs: 60_000,
  });
  return { url: `http://127.0.0.1:${port}`, stop: prism.stop };
}

export default async function setup(project: TestProject) {
  const { url, stop } = await startPrism();
  project.provide('prismUrl', url);
  return stop;
}
