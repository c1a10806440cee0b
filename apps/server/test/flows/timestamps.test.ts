import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/flows/timestamps.js';

describe('parsing an RFC 3339 timestamp', () => {
  it('reads UTC, offsets and fractions', () => {
    expect(parseTimestamp('2024-09-12T17:30:26Z')).toBe(Date.UTC(2024, 8, 12, 17, 30, 26));
    expect(parseTimestamp('2024-09-12T19:30:26.5+02:00')).toBe(Date.UTC(2024, 8, 12, 17, 30, 26, 500));
    expect(parseTimestamp('2024-09-12t12:00:00-05:30')).toBe(Date.UTC(2024, 8, 12, 17, 30, 0));
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(new Date('0001-01-01T00:00:00Z').getTime());
  });

  it('counts a leap second as the last millisecond of its minute', () => {
    expect(Number.isNaN(Date.parse('2026-12-31T23:59:60Z'))).toBe(true);
    expect(parseTimestamp('2026-12-31T23:59:60Z')).toBe(Date.UTC(2026, 11, 31, 23, 59, 59, 999));
    expect(parseTimestamp('2027-01-01T00:59:60+01:00')).toBe(Date.UTC(2026, 11, 31, 23, 59, 59, 999));
  });

  it('refuses what is not a date-time', () => {
    for (const text of [
      '2024-09-12',
      '2024-09-12T17:30:26',
      '2024-09-12 17:30:26Z',
      '2024-13-01T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-09-31T00:00:00Z',
      '2024-09-12T24:00:00Z',
      '2024-09-12T17:60:00Z',
      '2024-09-12T17:30:61Z',
      '2024-09-12T17:30:26+24:00',
      'Thu, 12 Sep 2024 17:30:26 GMT',
      '',
    ])
      expect(parseTimestamp(text), text).toBeUndefined();
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });
});
