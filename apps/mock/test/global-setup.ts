import { fileURLToPath } from 'node:url';
import { startProcessUntil } from '@faceproof/process-testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    mockUrl: string;
  }
}

/** Starts the mock as a user does (`node dist/cli.js`), on a free port, and stops it afterwards. */
export default async function setup(project: TestProject) {
  const mock = await startProcessUntil({
    name: 'mock',
    command: process.execPath,
    args: [fileURLToPath(new URL('../dist/cli.js', import.meta.url))],
    env: { MOCK_PORT: '0' },
    ready: /Faceproof mock listening on (http:\/\/\S+)/,
    timeoutMs: 30_000,
  });
  project.provide('mockUrl', mock.match[1] as string);
  return () => mock.stop();
}
