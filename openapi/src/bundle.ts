import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import type { OpenApiDocument } from './json.js';

// createRequire rather than import.meta.resolve: vitest's module runner, which loads this file in
// other packages' tests, does not support the latter.
const require = createRequire(import.meta.url);

/** Where the build writes the bundled contract, in both encodings. */
export const bundlePaths = {
  json: require.resolve('@faceproof/openapi/openapi.json'),
  yaml: require.resolve('@faceproof/openapi/openapi.yaml'),
};

/** Reads a bundle (this package's, by default) from a `.json`, `.yaml` or `.yml` file. */
export function loadBundle(path: string = bundlePaths.json): OpenApiDocument {
  const text = readFileSync(path, 'utf8');
  return /\.ya?ml$/i.test(path) ? parse(text) : JSON.parse(text);
}

/** A request body quoted by one of the source pages, and the operation it is sent to. */
export interface SeedRequest {
  source: string;
  operationId: string;
  body: unknown;
}

/** The request bodies of the source pages (fixtures/seed-requests.json). */
export function seedRequests(): SeedRequest[] {
  return JSON.parse(readFileSync(require.resolve('@faceproof/openapi/seed-requests.json'), 'utf8')).requests;
}
