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
  const dir = mkdtempSync(join(tmpdir(), 'respect-'));
  const out = join(dir, 'report.json');
  const har = join(dir, 'traffic.har');
  const args = [redocly, 'respect', file, '-S', `faceproof=${serverUrl}`, '-J', out, '-H', har];
  // respect splits `-i key=value` at every `=`, so base64 padding would be cut off the value:
  // inputs go without it (base64 decoders accept unpadded data).
  for (const [k, v] of Object.entries(inputs)) args.push('-i', `${k}=${v.replace(/=+$/, '')}`);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 << 20 });
    return { ok: true, output: stdout, report: JSON.parse(readFileSync(out, 'utf8')) };
  } catch (error: any) {
    return {
      ok: false,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}${traffic(har)}`,
      report: undefined,
    };
  }
}

/** What was answered, from respect's HAR file: the first thing to read when a workflow fails. */
function traffic(harFile: string): string {
  try {
    const entries: any[] = JSON.parse(readFileSync(harFile, 'utf8')).log.entries;
    return entries
      .map(
        (e) =>
          `\n${e.request.method} ${e.request.url} -> ${e.response.status} ${String(e.response.content?.text ?? '').slice(0, 400)}`,
      )
      .join('');
  } catch {
    return '';
  }
}
