#!/usr/bin/env node
import { startMock } from './index.js';
import { runWebhookCommand } from './webhook-command.js';

const [command, ...args] = process.argv.slice(2);

if (command === 'webhook') {
  process.exitCode = await runWebhookCommand(args, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} else if (command !== undefined) {
  console.error(`unknown command "${command}"; usage: faceproof-mock [webhook <event> --to <url> …]`);
  process.exitCode = 2;
} else {
  await serve();
}

async function serve() {
  const port = Number(process.env.MOCK_PORT ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`MOCK_PORT must be a port number, got ${JSON.stringify(process.env.MOCK_PORT)}`);
    process.exit(2);
  }

  const mock = await startMock({ port, log: (line) => console.log(line) });
  console.log(`Faceproof mock listening on ${mock.url} (ready in ${Math.round(mock.startupMs)} ms)`);
  console.log(
    'Pick any documented response with `Prefer: code=<status>, example=<name>` (see apps/mock/README.md).',
  );

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void mock.close().then(() => process.exit(0));
    });
  }
}
