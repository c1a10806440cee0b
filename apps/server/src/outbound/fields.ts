import type { Issue } from '../contract/validators.js';
import { checkOrigin, checkUrl, originRefusal, type UrlUse } from './url.js';

/** The URL fields of a request body and what each is used for. */
const FIELDS = { webhookUrl: 'webhook', redirectUrl: 'redirect' } as const satisfies Record<string, UrlUse>;

/** The origin-list fields: a flow's redirect origins, a project's browser origins (CORS). */
const ORIGIN_LISTS = ['allowedRedirectOrigins', 'allowedOrigins'] as const;

type UrlFields = { -readonly [K in keyof typeof FIELDS]?: string | null } & {
  -readonly [K in (typeof ORIGIN_LISTS)[number]]?: readonly string[] | null;
};

/**
 * The request's URL fields checked once, at the boundary: `urls` holds each one normalised (a
 * `null` that clears a field stays `null`), `issues` one entry per refused field, named
 * `/body/<field>` like the schema's own violations.
 */
export function checkUrlFields(body: UrlFields): { urls: UrlFields; issues: Issue[] } {
  const urls: UrlFields = {};
  const issues: Issue[] = [];
  for (const [field, use] of Object.entries(FIELDS) as [keyof typeof FIELDS, UrlUse][]) {
    const raw = body[field];
    if (raw === undefined) continue;
    if (raw === null) {
      urls[field] = null;
      continue;
    }
    const checked = checkUrl(raw, use);
    if (checked.refusal === undefined) urls[field] = checked.href;
    else issues.push({ path: `/body/${field}`, message: checked.refusal });
  }
  for (const field of ORIGIN_LISTS) {
    const origins = body[field];
    if (origins === null) urls[field] = null;
    else if (origins !== undefined) {
      const kept = new Set<string>();
      origins.forEach((raw, i) => {
        const checked = checkOrigin(raw);
        if (checked.refusal === undefined) kept.add(checked.origin);
        else issues.push({ path: `/body/${field}/${i}`, message: checked.refusal });
      });
      urls[field] = [...kept];
    }
  }
  return { urls, issues };
}

/** The message of a 400 naming each refused field, like the schema violations' messages. */
export const issuesMessage = (issues: Issue[]) =>
  issues.map((i) => `${i.path.slice(1)} ${i.message}`).join('; ');

/** `body` with its URL fields normalised, or the error `refuse` makes of the refused ones. */
export function withCheckedUrls<B extends UrlFields>(
  body: B,
  refuse: (message: string, details: Issue[]) => Error,
): B {
  const { urls, issues } = checkUrlFields(body);
  if (issues.length) throw refuse(issuesMessage(issues), issues);
  return { ...body, ...urls };
}

/**
 * Why a flow as it would be saved holds a `redirectUrl` outside its own `allowedRedirectOrigins`,
 * named by the field the request set (the URL, or else the list that no longer takes it).
 */
export function flowRedirectIssue(
  flow: { redirectUrl?: string; allowedRedirectOrigins?: readonly string[] },
  body: UrlFields,
): Issue | undefined {
  if (!flow.redirectUrl) return undefined;
  const refusal = originRefusal(flow.redirectUrl, flow.allowedRedirectOrigins);
  if (!refusal) return undefined;
  const field = body.redirectUrl !== undefined ? 'redirectUrl' : 'allowedRedirectOrigins';
  return { path: `/body/${field}`, message: refusal };
}
