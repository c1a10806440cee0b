#!/usr/bin/env node
// The operator CLI (see `faceproof --help`); it runs the compiled sources of this package.
import('../dist/cli.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('faceproof: build the server first: pnpm --filter @faceproof/server build');
    process.exit(1);
  }
  throw err;
});
