import { Agent, request } from 'node:http';

/** One request exactly as it goes on the wire: the path is sent as is, broken encodings included. */
export interface WireRequest {
  /** The spec's operation it aims at (for the report), or `(none)` for a path the spec lacks. */
  operationId: string;
  /** What the generator or mutator did, such as `schema` or `huge string in name`. */
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Outcome {
  /** 0 when no answer came (a closed connection, a client-side refusal, the abort deadline). */
  status: number;
  text: string;
  headers: Headers;
  ms: number;
  /** Why no answer came, when none did. */
  error?: string;
}

/** An answer later than this is a hang in the report. */
export const HANG_MS = 10_000;
/** A request still unanswered after this is abandoned (and is a hang). */
const ABANDON_MS = 30_000;
// Lists of a hundred records fit; an answer is never this large unless something is wrong.
const ANSWER_KEPT = 4_000_000;

export interface Endpoint {
  host: string;
  port: number;
  agent: Agent;
}

export function endpoint(url: string): Endpoint {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), agent: new Agent({ keepAlive: true, maxSockets: 64 }) };
}

function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) h.set(k, String(v));
  return h;
}

/**
 * The headers with the body's length: Node frames a body of GET, HEAD or DELETE by nothing else,
 * and unframed bytes would be read by the server as the next request on the connection.
 */
function framed(req: WireRequest): Record<string, string> {
  if (req.body === undefined) return req.headers;
  return { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
}

/** Sends `req` and waits for the whole answer, never longer than the abandon deadline. */
export function send(to: Endpoint, req: WireRequest): Promise<Outcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const done = (o: Omit<Outcome, 'ms'>) => resolve({ ...o, ms: elapsed() });
    const failed = (error: unknown) =>
      done({ status: 0, text: '', headers: new Headers(), error: (error as Error).message || String(error) });
    let out: ReturnType<typeof request>;
    try {
      out = request(
        {
          host: to.host,
          port: to.port,
          agent: to.agent,
          method: req.method,
          path: req.path,
          headers: framed(req),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', failed);
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8').slice(0, ANSWER_KEPT),
              headers: headersOf(res.headers),
            }),
          );
        },
      );
    } catch (error) {
      return failed(error);
    }
    out.setTimeout(ABANDON_MS, () => out.destroy(new Error(`no answer within ${ABANDON_MS} ms`)));
    out.on('error', failed);
    out.end(req.body);
  });
}
