import { afterAll, describe, expect, it } from 'vitest';
import { Coverage } from '../src/coverage.js';
import { mockScenarios } from './mock.scenarios.js';
import { serverScenarios } from './server.scenarios.js';

// One coverage table for both targets: every (operation, documented status) pair must be reached
// on the mock and on the real server, and no undeclared status may appear (each scenario checks
// every response against the spec).
const coverage = new Coverage();
mockScenarios(coverage);
serverScenarios(coverage);

afterAll(() => {
  console.log(`\nCoverage of documented responses:\n${coverage.table(['mock', 'server'])}\n`);
});

describe('coverage gate', () => {
  it.each(['mock', 'server'])('%s reached every documented (operation, status) pair', (target) => {
    expect(coverage.missing(target)).toEqual([]);
  });
});
