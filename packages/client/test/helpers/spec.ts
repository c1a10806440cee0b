import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// @ts-expect-error the shared reader is plain JavaScript, checked by its own tests
import * as utils from '../../scripts/spec-utils.mjs';

export interface ResponseExample {
  operationId: string;
  status: string;
  name: string;
  value: unknown;
}

export const spec = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@faceproof/openapi/openapi.json'), 'utf8'),
) as Record<string, unknown>;

export const responseExamplesOf = utils.responseExamplesOf as (s: unknown) => ResponseExample[];
export const errorCodesOf = utils.errorCodesOf as (s: unknown) => Record<string, Record<string, string[]>>;
export const operationsOf = utils.operationsOf as (
  s: unknown,
) => { operationId: string; method: string; path: string; operation: Record<string, unknown> }[];
export const deref = utils.deref as (s: unknown, node: unknown) => unknown;
