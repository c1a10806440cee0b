import { afterAll, describe, expect, inject, it } from 'vitest';
import { Coverage } from '../src/coverage.js';
import { faceRecognitionScenarios } from './face-recognition.scenarios.js';
import { mockScenarios } from './mock.scenarios.js';
import { serverScenarios } from './server.scenarios.js';
import { verifikScenarios } from './verifik.scenarios.js';

// One coverage table for both targets: every (operation, documented status) pair must be reached
// on the mock and on the real server, and no undeclared status may appear (each scenario checks
// every response against the spec).
const coverage = new Coverage();

afterAll(() => {
  console.log(`\nCoverage of documented responses:\n${coverage.table(['mock', 'server'])}\n`);
});

// The scenarios run in a shuffled order when the run shuffles (tests/vitest.config.ts does); the
// gate reads what all of them recorded, so it alone keeps its place after them.
describe('contract', { shuffle: false }, () => {
  describe('scenarios', { shuffle: inject('shuffle') }, () => {
    mockScenarios(coverage);
    serverScenarios(coverage);
    verifikScenarios(coverage);
    faceRecognitionScenarios(coverage);
  });

  describe('coverage gate', () => {
    it.each(['mock', 'server'])('%s reached every documented (operation, status) pair', (target) => {
      expect(coverage.missing(target)).toEqual([]);
    });
  });
});
