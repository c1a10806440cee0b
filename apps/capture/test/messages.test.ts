import { describe, expect, it } from 'vitest';
import { en } from '../src/messages/en.js';
import { es } from '../src/messages/es.js';
import { format, parseAcceptLanguage, pickLanguage } from '../src/messages/index.js';
import { IMAGE_REASONS } from '../src/outcome.js';
import { spec } from './support/spec.js';

describe('messages', () => {
  it('has every English string in Spanish, translated, with the same placeholders', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(es[key].trim(), key).not.toBe('');
      expect(es[key].match(/\{\w+\}/g) ?? [], key).toEqual(en[key].match(/\{\w+\}/g) ?? []);
    }
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => es[k] === en[k]);
    expect(same).toEqual([]);
  });

  it('has advice for every image reason the spec documents', () => {
    const reasons: string[] = spec.components.schemas.ValidationIssue.properties.reason.enum;
    expect([...IMAGE_REASONS].sort()).toEqual([...reasons].sort());
    for (const r of reasons) expect(en[`reason_${r}` as keyof typeof en], r).toBeTruthy();
  });

  it('covers every language of the spec', () => {
    expect(spec.components.schemas.Language.enum).toEqual(['en', 'es']);
  });
});

describe('pickLanguage', () => {
  it('prefers ?lang, then the browser languages, then English', () => {
    expect(pickLanguage('es', ['en-US'])).toBe('es');
    expect(pickLanguage('fr', ['es-MX', 'en'])).toBe('es');
    expect(pickLanguage(null, ['de-DE', 'es'])).toBe('es');
    expect(pickLanguage(null, ['de-DE'])).toBe('en');
    expect(pickLanguage('ES', [])).toBe('es');
  });

  it('reads Accept-Language with q-values', () => {
    expect(parseAcceptLanguage('en;q=0.5, es-MX, *;q=0.1')).toEqual(['es-MX', 'en']);
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage('es;q=0')).toEqual([]);
  });

  it('fills placeholders', () => {
    expect(format(en.attemptsLeftMany, { n: 2 })).toBe('You have 2 attempts left.');
    expect(format('{x} {y}', { x: 1 })).toBe('1 {y}');
  });
});
