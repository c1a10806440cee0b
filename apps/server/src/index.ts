export { default as faceproof, genReqId } from './app.js';
export { buildServer, openCore, type Server } from './boot.js';
export { type Config, configSchema, loadConfig } from './config.js';
export type { AppContext } from './context.js';
export { type Demo, ensureDemo } from './demo.js';
export { objectId } from './ids.js';
export { SqliteStore } from './store/sqlite.js';
export type * from './store/types.js';
export { AUDIENCE, issueClientToken, KeyRing, type TokenKind } from './tokens.js';
