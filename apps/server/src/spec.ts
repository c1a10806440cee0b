// The contract moved to contract/; test/helpers.ts still imports these from here.
export { createAjv, operations, resolveRef, SPEC_ID } from './contract/bundle.js';
