import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, type RunningProcess, startHttpProcess } from './processes.js';

const require = createRequire(import.meta.url);

declare module 'vitest' {
  export interface ProvidedContext {
    mockUrl: string;
  }
}

/** Starts the targets once for the whole contract suite, as real processes on ephemeral ports. */
export default async function setup(project: TestProject) {
  const running: RunningProcess[] = [];
  try {
    const mockDir = dirname(require.resolve('@faceproof/mock/package.json'));
    const mockPort = await freePort();
    const mock = await startHttpProcess({
      name: 'mock',
      command: process.execPath,
      args: [join(mockDir, 'dist/cli.js')],
      port: mockPort,
      env: { MOCK_PORT: String(mockPort), MOCK_HOST: '127.0.0.1' },
      readyPath: '/v2/biometric-validations',
    });
    running.push(mock);
    project.provide('mockUrl', mock.url);
  } catch (error) {
    await Promise.all(running.map((p) => p.stop()));
    throw error;
  }
  return async () => {
    await Promise.all(running.map((p) => p.stop()));
  };
}
