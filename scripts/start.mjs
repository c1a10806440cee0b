// Runs every app of the workspace that exists (real server, mock, docs) side by side, waits until
// each one answers, then prints where they are and a demo token. Ctrl-C stops them all.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { connect } from 'node:net';
import { promisify } from 'node:util';

// One data directory for the server and the CLI, whatever their working directories.
const env = { ...process.env, FACEPROOF_DATA_DIR: resolvePath(process.env.FACEPROOF_DATA_DIR ?? '.faceproof-data') };
const apps = [
  { dir: 'apps/server', name: '@faceproof/server', label: 'server', port: Number(env.PORT ?? 3000) },
  { dir: 'apps/mock', name: '@faceproof/mock', label: 'mock', port: Number(env.MOCK_PORT ?? 4010) },
  { dir: 'apps/docs', name: '@faceproof/docs', label: 'docs', port: Number(env.DOCS_PORT ?? 4000) },
];
const present = apps.filter((app) => existsSync(`${app.dir}/package.json`));
const missing = apps.filter((app) => !present.includes(app));

const children = present.map((app) => {
  const child = spawn('pnpm', ['--filter', app.name, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`[${app.label}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`[${app.label}] exited (${signal ?? code})\n`);
    if (!stopping) stop(1);
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r))))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket.end() && true));
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(app, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(app.port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const ready = await Promise.all(present.map((app) => waitFor(app)));
const lines = ['', 'Faceproof is running:'];
present.forEach((app, i) => {
  lines.push(`  ${app.label.padEnd(7)} http://127.0.0.1:${app.port}${ready[i] ? '' : '  (not answering yet)'}`);
});
for (const app of missing) lines.push(`  ${app.label.padEnd(7)} not built yet (${app.dir} does not exist)`);

if (present.some((app) => app.label === 'server')) {
  try {
    const { stdout } = await promisify(execFile)('pnpm', ['--silent', 'faceproof', 'demo', '--json'], { env });
    const demo = JSON.parse(stdout);
    const server = apps[0];
    lines.push('', `Demo client access token:\n  ${demo.clientAccessToken}`);
    lines.push(
      '',
      'Create a login validation for the demo project:',
      `  curl -s http://127.0.0.1:${server.port}/v2/biometric-validations \\`,
      `    -H "Authorization: Bearer ${demo.clientAccessToken}" -H "Content-Type: application/json" \\`,
      `    -d '{"project":"${demo.project}","projectFlow":"${demo.loginFlow}","identifier":"demo-user","type":"login"}'`,
    );
  } catch (error) {
    lines.push('', `Could not create the demo project: ${error.message}`);
  }
}
lines.push('', 'Press Ctrl-C to stop.');
process.stdout.write(`${lines.join('\n')}\n`);
