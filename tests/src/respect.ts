import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const openapiDir = dirname(require.resolve('@faceproof/openapi/package.json'));
const redocly = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');

export const workflows = {
  login: join(openapiDir, 'arazzo/login.arazzo.yaml'),
  onboarding: join(openapiDir, 'arazzo/onboarding.arazzo.yaml'),
};

/** Runs one Arazzo file with `redocly respect` against `serverUrl`; returns its exit code and report. */
export async function respect(file: string, serverUrl: string, inputs: Record<string, string>) {
  const out = join(mkdtempSync(join(tmpdir(), 'respect-')), 'report.json');
  const args = [redocly, 'respect', file, '-S', `faceproof=${serverUrl}`, '-J', out];
  for (const [k, v] of Object.entries(inputs)) args.push('-i', `${k}=${v}`);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 << 20 });
    return { ok: true, output: stdout, report: JSON.parse(readFileSync(out, 'utf8')) };
  } catch (error: any) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}`, report: undefined };
  }
}
