// A tiny scripted HTTP server on an ephemeral loopback port: each request takes the next handler,
// and every request is recorded, so tests can count calls and read the headers that were sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach } from 'vitest';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export async function scriptedServer(handlers: Handler[], fallback?: Handler) {
  const calls: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const h = handlers[calls.length - 1] ?? fallback;
      if (!h) {
        res.statusCode = 500;
        res.end('no handler');
        return;
      }
      h(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

export const errorBody = (code: string, extra: Record<string, unknown> = {}) => ({
  success: false,
  code,
  error: code,
  message: code,
  ...extra,
});

/**
 * A `scriptedServer` maker whose server is closed after each test of the file (once: a test may
 * close it earlier itself).
 */
export function scriptedServerPerTest() {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  return async (...args: Parameters<typeof scriptedServer>) => {
    const s = await scriptedServer(...args);
    let closing: Promise<void> | undefined;
    close = () => {
      closing ??= s.close();
      return closing;
    };
    return { ...s, close };
  };
}
