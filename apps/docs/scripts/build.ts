/**
 * Builds the static site into dist/ from the bundled spec and guides/*.md:
 *   index.html and one page per guide, errors.html with the catalogue generated from the spec,
 *   webhooks.html with the events of the spec's `webhooks:`, tokens.html with the token claims,
 *   reference.html (Scalar, served locally), openapi.yaml and openapi.json.
 * Nothing on the pages is loaded from another host.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePaths, loadBundle } from '@faceproof/openapi';
import { parse } from 'yaml';
import {
  claimsMarkdown,
  webhookEvents,
  webhookEventsMarkdown,
  webhookHeadersMarkdown,
  webhookTagParagraph,
} from './schema-docs.ts';
import {
  configurationSection,
  createMarkdown,
  errorCatalogue,
  errorCatalogueMarkdown,
  escapeHtml,
  evaluationSections,
  layout,
  type NavItem,
  type Remedies,
  statusDescriptions,
} from './site.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist');
const scalarStandalone = join(
  dirname(fileURLToPath(import.meta.resolve('@scalar/api-reference'))),
  'browser',
  'standalone.js',
);
const hljsStyle = join(
  dirname(fileURLToPath(import.meta.resolve('highlight.js/package.json'))),
  'styles',
  'github.css',
);
const serverReadme = join(root, '..', 'server', 'README.md');
const faceEngineDir = join(root, '..', '..', 'packages', 'face-engine');
/** The face engine's evaluation figures, copied next to the page that shows them. */
const evaluationFigures = existsSync(faceEngineDir)
  ? readdirSync(faceEngineDir).filter((f) => /^evaluation-.*\.svg$/.test(f))
  : [];

/** Guides in reading order; any other guide is listed after them, by name. */
const ORDER = [
  'index',
  'quick-start',
  'login-flow',
  'onboarding-flow',
  'active-liveness',
  'tokens',
  'webhooks',
  'errors',
  'migrating-from-verifik',
  'self-hosting',
  'recognition',
];

const spec = loadBundle();
const siteTitle = `${spec.info?.title ?? 'API'} docs`;
const md = createMarkdown();

const guideFiles = readdirSync(join(root, 'guides'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => basename(f, '.md'))
  .sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib) || a.localeCompare(b);
  });

const guides = guideFiles.map((name) => {
  const source = readFileSync(join(root, 'guides', `${name}.md`), 'utf8');
  const title = /^#\s+(.+)$/m.exec(source)?.[1]?.trim() ?? name;
  const navTitle = /<!--\s*nav:\s*(.+?)\s*-->/.exec(source)?.[1] ?? title;
  return { name, source, title, navTitle, href: `${name}.html` };
});

const nav: NavItem[] = [
  ...guides.map((g) => ({ href: g.href, title: g.navTitle })),
  { href: 'reference.html', title: 'API reference' },
  // Short titles: the whole nav must fit a 1280 px screen (test/site.test.ts checks it).
  { href: 'openapi.yaml', title: 'YAML' },
  { href: 'openapi.json', title: 'JSON' },
];

function expandMarkers(source: string): string {
  return source
    .replace('<!-- error-catalogue -->', () => {
      const remedies = parse(readFileSync(join(root, 'guides', 'error-remedies.yaml'), 'utf8')) as Remedies;
      const entries = errorCatalogue(spec, remedies);
      const generic = [...new Set(entries.filter((e) => e.generic).map((e) => e.code))];
      if (generic.length)
        console.warn(`errors: no specific advice for ${generic.join(', ')} (status advice used)`);
      return errorCatalogueMarkdown(entries, statusDescriptions(spec));
    })
    .replace('<!-- webhook-events -->', () => webhookEventsMarkdown(spec, webhookEvents(spec)))
    .replace('<!-- webhook-headers -->', () => webhookHeadersMarkdown(spec))
    .replace(/<!--\s*webhook-tag:\s*(.+?)\s*-->/g, (_, title: string) => webhookTagParagraph(spec, title))
    .replace(/<!--\s*token-claims:\s*(\w+)\s*-->/g, (_, name: string) => claimsMarkdown(spec, name))
    .replace('<!-- server-configuration -->', () => {
      const section = existsSync(serverReadme)
        ? configurationSection(readFileSync(serverReadme, 'utf8'))
        : null;
      if (section)
        return `_From the server's README (\`apps/server/README.md\`) at build time:_\n\n${section}`;
      return 'The server documents its configuration (environment variables) in `apps/server/README.md`; this section shows that table once it exists there.';
    })
    .replace('<!-- face-engine-evaluation -->', () => {
      const file = join(faceEngineDir, 'EVALUATION.md');
      const section = existsSync(file) ? evaluationSections(readFileSync(file, 'utf8')) : null;
      if (!section)
        return 'The face engine writes its evaluation to `packages/face-engine/EVALUATION.md` (`pnpm --filter @faceproof/face-engine eval`); this page shows it once it exists.';
      return `_From \`packages/face-engine/EVALUATION.md\` at build time:_\n\n${section.replace(/\]\((evaluation-[\w-]+\.svg)\)/g, '](assets/evaluation/$1)')}`;
    })
    .replace(/<!--\s*nav:.*?-->\n?/, '');
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets', 'scalar'), { recursive: true });

for (const g of guides) {
  const body = `<main class="content">\n${md.render(expandMarkers(g.source))}\n</main>`;
  writeFileSync(join(out, g.href), layout({ title: g.title, body, nav, current: g.href, siteTitle }));
}

// The reference: Scalar's standalone bundle with everything that would reach another host turned off.
const referenceConfig = {
  url: 'openapi.json',
  servers: spec.servers ?? [],
};
const referenceBody = `<div id="reference"></div>
<script id="reference-config" type="application/json">${JSON.stringify(referenceConfig).replace(/</g, '\\u003c')}</script>
<script src="assets/scalar/standalone.js"></script>
<script src="assets/reference.js"></script>`;
writeFileSync(
  join(out, 'reference.html'),
  layout({
    title: 'API reference',
    body: referenceBody,
    nav,
    current: 'reference.html',
    siteTitle,
    bodyClass: 'reference',
  }),
);

copyFileSync(bundlePaths.json, join(out, 'openapi.json'));
copyFileSync(bundlePaths.yaml, join(out, 'openapi.yaml'));
copyFileSync(scalarStandalone, join(out, 'assets', 'scalar', 'standalone.js'));
for (const f of readdirSync(join(root, 'assets')))
  copyFileSync(join(root, 'assets', f), join(out, 'assets', f));
copyFileSync(hljsStyle, join(out, 'assets', 'highlight.css'));
mkdirSync(join(out, 'assets', 'evaluation'), { recursive: true });
for (const f of evaluationFigures) copyFileSync(join(faceEngineDir, f), join(out, 'assets', 'evaluation', f));

console.log(
  `docs: ${guides.length} guides, reference, spec (${Object.keys(spec.paths ?? {}).length} paths) -> ${escapeHtml(out)}`,
);
