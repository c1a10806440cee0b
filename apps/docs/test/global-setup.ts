import { fileURLToPath } from 'node:url';
import { startMock } from '@faceproof/mock';
import { startProcessUntil } from '@faceproof/process-testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    mockUrl: string;
    docsUrl: string;
  }
}

/** Starts the site's own server (`node scripts/serve.ts`) on a free port, and the mock (Prism) beside it. */
export default async function setup(project: TestProject) {
  const mock = await startMock({ port: 0 });
  const docs = await startProcessUntil({
    name: 'docs server',
    command: process.execPath,
    args: [fileURLToPath(new URL('../scripts/serve.ts', import.meta.url))],
    env: { DOCS_PORT: '0' },
    ready: /Faceproof docs on (http:\/\/\S+)/,
    timeoutMs: 20_000,
  });
  project.provide('mockUrl', mock.url);
  project.provide('docsUrl', docs.match[1] as string);
  return async () => {
    await Promise.all([docs.stop(), mock.close()]);
  };
}
