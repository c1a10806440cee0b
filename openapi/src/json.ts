// biome-ignore lint/suspicious/noExplicitAny: the bundle is plain JSON, walked by key.
export type Json = any;

/** A bundled OpenAPI 3.1 document, as `redocly bundle` writes it (local `#/...` refs only). */
export type OpenApiDocument = Json;
