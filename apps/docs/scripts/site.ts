/** Pure pieces of the site build: Markdown rendering, the error catalogue, the page layout. */

import { documentedResponses, type OpenApiDocument, operations } from '@faceproof/openapi';
import hljs from 'highlight.js';
import MarkdownItCtor, { type MarkdownIt } from 'markdown-it';

export type NavItem = { href: string; title: string };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function createMarkdown(): MarkdownIt {
  const md: MarkdownIt = new MarkdownItCtor({
    html: true,
    linkify: false,
    typographer: false,
    highlight(code, lang) {
      const language = lang && hljs.getLanguage(lang) ? lang : 'plaintext';
      return `<pre class="hljs"><code class="language-${language}">${hljs.highlight(code, { language, ignoreIllegals: true }).value}</code></pre>`;
    },
  });
  // Headings get ids so that guides can link to sections.
  md.renderer.rules.heading_open = (tokens, idx, options, _env, self) => {
    const inline = tokens[idx + 1];
    const token = tokens[idx];
    if (token && inline?.type === 'inline' && !token.attrGet('id')) token.attrSet('id', slug(inline.content));
    return self.renderToken(tokens, idx, options);
  };
  return md;
}

export type Remedies = { byCode: Record<string, string>; byStatus: Record<string, string> };

export type CatalogueEntry = {
  operationId: string;
  summary: string;
  method: string;
  path: string;
  status: string;
  example: string;
  code: string;
  title: string;
  description: string;
  whatToDo: string;
  /** True when no entry for the code exists and the status's generic advice was used. */
  generic: boolean;
};

/** Every documented error of every operation, from the spec's named error examples. */
export function errorCatalogue(spec: OpenApiDocument, remedies: Remedies): CatalogueEntry[] {
  const norm = (code: string) => code.toUpperCase().replace(/_/g, '');
  const byCode = new Map(Object.entries(remedies.byCode).map(([k, v]) => [norm(k), v]));
  const byId = new Map(operations(spec).map((o) => [o.operationId, o]));
  return documentedResponses(spec)
    .filter(({ status }) => /^[45]\d\d$/.test(status))
    .flatMap(({ operationId, status, examples }) => {
      const operation = byId.get(operationId);
      if (!operation) throw new Error(`no operation ${operationId}`);
      return examples
        .filter((ex) => ex.mediaType === 'application/json')
        .map((ex) => {
          const value = ex.value ?? {};
          const code = String(value.code ?? '');
          const specific = byCode.get(norm(code));
          return {
            operationId,
            summary: operation.op.summary ?? '',
            method: operation.method,
            path: operation.path,
            status,
            example: ex.name,
            code,
            title: String(value.error ?? ''),
            description: [ex.summary, ex.description].filter(Boolean).join('. '),
            whatToDo: specific ?? remedies.byStatus[status] ?? 'Read the error message.',
            generic: !specific,
          };
        });
    });
}

/** The catalogue as Markdown: one section per operation with a table of its errors. */
export function errorCatalogueMarkdown(
  entries: CatalogueEntry[],
  statusDescriptions: Map<string, string>,
): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
  const byOp = Map.groupBy(entries, (e) => e.operationId);
  const out: string[] = [];
  for (const [operationId, list] of byOp) {
    const first = list[0];
    if (!first) continue;
    out.push(`### ${first.summary || operationId}`, '');
    out.push(`\`${first.method} ${first.path}\` · operation \`${operationId}\``, '');
    out.push('| Status | Code | Title | When | What to do |', '|---|---|---|---|---|');
    for (const e of list) {
      const when = e.description || statusDescriptions.get(`${operationId} ${e.status}`) || '';
      out.push(
        `| ${e.status} | \`${cell(e.code)}\` | ${cell(e.title)} | ${cell(when)} | ${cell(e.whatToDo)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

export function statusDescriptions(spec: OpenApiDocument): Map<string, string> {
  return new Map(
    documentedResponses(spec).map(({ operationId, status, response }) => [
      `${operationId} ${status}`,
      String(response.description ?? ''),
    ]),
  );
}

/**
 * The configuration section of the server's README: from the first heading that mentions
 * configuration or environment to the next heading of the same or a higher level.
 */
export function configurationSection(readme: string): string | null {
  const lines = readme.split('\n');
  let start = -1;
  let level = 0;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (!heading) continue;
    const depth = heading[1]?.length ?? 0;
    if (start < 0 && /configur|environment/i.test(heading[2] ?? '')) {
      start = i;
      level = depth;
    } else if (start >= 0 && depth <= level) {
      return lines
        .slice(start + 1, i)
        .join('\n')
        .trim();
    }
  }
  return start >= 0
    ? lines
        .slice(start + 1)
        .join('\n')
        .trim()
    : null;
}

/** The recognition sections of the face engine's EVALUATION.md, each heading one level down. */
const EVALUATION_SECTIONS = ['Template models', 'Calibration and thresholds', 'Limits of this evaluation'];

/**
 * The sections of EVALUATION.md the recognition page shows (template models with the figures, the
 * calibration with its threshold tables, the limits), headings demoted under the page's title; null when
 * none is there.
 */
export function evaluationSections(evaluation: string): string | null {
  const parts = evaluation.split(/^(?=## )/m);
  const kept = parts.filter((p) => EVALUATION_SECTIONS.some((t) => p.startsWith(`## ${t}`)));
  if (kept.length === 0) return null;
  return kept.map((p) => p.replace(/^(#{2,5}) /gm, '#$1 ').trim()).join('\n\n');
}

export function layout(opts: {
  title: string;
  body: string;
  nav: NavItem[];
  current: string;
  siteTitle: string;
  head?: string;
  bodyClass?: string;
}): string {
  const links = opts.nav
    .map(
      (n) =>
        `<li><a href="${escapeHtml(n.href)}"${n.href === opts.current ? ' aria-current="page"' : ''}>${escapeHtml(n.title)}</a></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)} · ${escapeHtml(opts.siteTitle)}</title>
<link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="assets/highlight.css">
<link rel="stylesheet" href="assets/site.css">
${opts.head ?? ''}
</head>
<body class="${opts.bodyClass ?? 'guide'}">
<header class="site-header">
<a class="brand" href="index.html">${escapeHtml(opts.siteTitle)}</a>
<nav aria-label="Site"><ul>${links}</ul></nav>
</header>
${opts.body}
</body>
</html>
`;
}
