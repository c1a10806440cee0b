import { describe, expect, it } from 'vitest';
import { contract } from '../../src/contract/bundle.js';
import { LIST_COLUMNS } from '../../src/store/sql-store.js';

// Every field a list operation's spec offers to `sort`, `where_` and `in_` has its column in the
// store (validations' `status` is the effective status, computed from two columns).
const TABLE_OF: Record<string, Record<string, string>> = {
  listProjects: LIST_COLUMNS.projects,
  listProjectFlows: LIST_COLUMNS.project_flows,
  listCollections: LIST_COLUMNS.collections,
  listFaceRecognitionCollections: LIST_COLUMNS.collections,
  listPersons: LIST_COLUMNS.persons,
  listFaceRecognitionPersons: LIST_COLUMNS.persons,
  listBiometricValidations: { ...LIST_COLUMNS.biometric_validations, status: '(effective status)' },
};

describe('list fields', () => {
  const lists = contract.operations.filter((o) => o.op['x-list-fields'] !== undefined);

  it('are declared on every list operation this test knows, and only there', () => {
    expect(lists.map((o) => o.operationId).sort()).toEqual(Object.keys(TABLE_OF).sort());
  });

  it.each(lists.map((o) => [o.operationId, o.op['x-list-fields'] as string[]] as const))(
    '%s: each has a column',
    (operationId, fields) => {
      expect(fields.filter((f) => TABLE_OF[operationId]?.[f] === undefined)).toEqual([]);
    },
  );
});
