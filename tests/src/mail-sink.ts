import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

interface StoredMail {
  to: string;
  subject: string;
  text: string;
}

/**
 * A real SMTP server on loopback for the server target's emails. It runs in vitest's global setup
 * and files every message it accepts as JSON in a folder, where test files (other processes) read
 * them.
 */
export async function startMailSink() {
  const dir = mkdtempSync(join(tmpdir(), 'faceproof-mail-'));
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        const to = [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
        const stored: StoredMail = { to: to.join(','), subject: mail.subject ?? '', text: mail.text ?? '' };
        // Written aside, then renamed: a reader in another process never sees a half-written file.
        const file = join(dir, String(++count).padStart(5, '0'));
        writeFileSync(`${file}.part`, JSON.stringify(stored));
        renameSync(`${file}.part`, `${file}.json`);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    dir,
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits for the newest email to `address` whose text matches `pattern`, and returns the match. */
export async function waitForMail(
  dir: string,
  address: string,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    for (const file of files.sort().reverse()) {
      const mail: StoredMail = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const match = mail.to.split(',').includes(address) ? pattern.exec(mail.text) : null;
      if (match) return match;
    }
    await sleep(50);
  }
  throw new Error(`no email to ${address} matching ${pattern} within ${timeoutMs} ms`);
}
