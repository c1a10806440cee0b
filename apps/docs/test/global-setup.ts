import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMock } from '@faceproof/mock';
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
  const serve = fileURLToPath(new URL('../scripts/serve.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [serve], {
    env: { ...process.env, DOCS_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const docsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`docs server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Faceproof docs on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`docs server exited with ${code}:\n${output}`)));
  });
  project.provide('mockUrl', mock.url);
  project.provide('docsUrl', docsUrl);
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.all([exited, mock.close()]);
  };
}
