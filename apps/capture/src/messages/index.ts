import type { components } from '@faceproof/openapi/types';
import { en, type MessageKey, type Messages } from './en.js';
import { es } from './es.js';

export type { MessageKey, Messages };
/** The languages of the spec (a validation's `language`): one without strings here breaks the build. */
export type Language = components['schemas']['Language'];

export const MESSAGES: Readonly<Record<Language, Messages>> = { en, es };
export const LANGUAGES = Object.keys(MESSAGES) as readonly Language[];

function base(tag: string): Language | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_;]/, 1)[0];
  return LANGUAGES.find((l) => l === primary);
}

/**
 * The page's language: an explicit `?lang=` (the server adds the validation's `language`) wins,
 * then the first supported browser language, then English.
 */
export function pickLanguage(explicit: string | null | undefined, preferred: readonly string[]): Language {
  if (explicit) {
    const l = base(explicit);
    if (l) return l;
  }
  for (const tag of preferred) {
    const l = base(tag);
    if (l) return l;
  }
  return 'en';
}

/** Languages of an Accept-Language header, best first (q-values honoured, `*` ignored). */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number.parseFloat(q.slice(2)) : 1;
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, i };
    })
    .filter((x) => x.tag && x.tag !== '*' && x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map((x) => x.tag);
}

/** Fills `{n}` placeholders. */
export function format(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
