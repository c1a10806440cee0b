/** Pages generated from the spec's schemas: the webhook events and the token claims. */
import {
  type Json,
  type OpenApiDocument,
  requestExamples,
  resolveRef,
  webhookOperations,
} from '@faceproof/openapi';

export type FieldRow = { name: string; type: string; required: boolean; description: string };

export type WebhookEvent = {
  /** The event name, the top-level key under `webhooks:` and the payload's `type`. */
  event: string;
  operationId: string;
  summary: string;
  description: string;
  /** The component name of the event's schema (`BiometricValidationValidatedEvent`). */
  schemaName: string;
  schema: Json;
  examples: { name: string; summary: string; value: Json }[];
};

const refName = (ref: string) => ref.split('/').pop() ?? ref;

/** The first paragraph of a description: long explanations stay in the reference. */
const firstParagraph = (text: string) => (text.split(/\n\s*\n/)[0] ?? '').replace(/\s*\n\s*/g, ' ').trim();

const firstSentence = (text: string) => /^.*?[.!?](?=\s|$)/.exec(text)?.[0] ?? text;

/** A short type label: `"completed"` for a const, `a` \| `b` for an enum, `ObjectId` for a named model. */
export function typeLabel(spec: OpenApiDocument, node: Json): string {
  const schema = resolveRef(spec, node) ?? {};
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.enum)) return schema.enum.map((v: unknown) => `\`${String(v)}\``).join(' \\| ');
  const base = String(schema.type ?? 'any');
  const label = node?.$ref ? `${refName(node.$ref)} (${base})` : base;
  return schema.format ? `${label}, ${schema.format}` : label;
}

/** One row per property of an object schema, in the schema's order; nested refs are resolved. */
export function fieldRows(spec: OpenApiDocument, node: Json): FieldRow[] {
  const schema = resolveRef(spec, node) ?? {};
  const required = new Set<string>(schema.required ?? []);
  return Object.entries<Json>(schema.properties ?? {}).map(([name, prop]) => ({
    name,
    type: typeLabel(spec, prop),
    required: required.has(name),
    description: firstParagraph(String(prop.description ?? resolveRef(spec, prop)?.description ?? '')),
  }));
}

export function fieldTable(rows: FieldRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
  return [
    '| Field | Type | Required | Description |',
    '|---|---|---|---|',
    ...rows.map(
      (r) => `| \`${r.name}\` | ${r.type} | ${r.required ? 'yes' : 'no'} | ${cell(r.description)} |`,
    ),
  ].join('\n');
}

/** Every event of the spec's top-level `webhooks:`, in the spec's order. */
export function webhookEvents(spec: OpenApiDocument): WebhookEvent[] {
  return webhookOperations(spec).map((operation) => {
    const { op, path: event } = operation;
    const media = resolveRef(spec, op.requestBody).content['application/json'];
    return {
      event,
      operationId: operation.operationId,
      summary: op.summary ?? '',
      description: String(op.description ?? ''),
      schemaName: refName(media.schema.$ref),
      schema: resolveRef(spec, media.schema),
      examples: requestExamples(spec, operation)
        .filter((ex) => ex.mediaType === 'application/json')
        .map(({ name, summary, value }) => ({ name, summary: summary ?? '', value })),
    };
  });
}

/** The guide's event table and one section per event: when it is sent, its `data` fields, an example. */
export function webhookEventsMarkdown(spec: OpenApiDocument, events: WebhookEvent[]): string {
  const out = ['| Event `type` | Sent when |', '|---|---|'];
  for (const e of events) {
    const when = firstSentence(firstParagraph(e.description)).replace(/^Sent when /, '');
    out.push(`| [\`${e.event}\`](#${e.event.replace(/_/g, '-')}) | ${when} |`);
  }
  out.push('');
  for (const e of events) {
    out.push(`### \`${e.event}\``, '');
    out.push(firstParagraph(String(e.schema.description ?? e.description)), '');
    out.push(`Schema \`${e.schemaName}\`. Fields of \`data\`:`, '');
    out.push(fieldTable(fieldRows(spec, e.schema.properties.data)), '');
    const example = e.examples[0];
    if (example)
      out.push(
        `Example (${example.summary}):`,
        '',
        '```json',
        JSON.stringify(example.value, null, 2),
        '```',
        '',
      );
  }
  return out.join('\n');
}

/** The claims of a `*TokenClaims` schema as a table, under the schema's own explanation. */
export function claimsMarkdown(spec: OpenApiDocument, schemaName: string): string {
  const ref = { $ref: `#/components/schemas/${schemaName}` };
  const schema = resolveRef(spec, ref);
  if (!schema) throw new Error(`no schema ${schemaName} in the spec`);
  return [
    String(schema.description ?? '').trim(),
    '',
    `Claims (schema \`${schemaName}\`):`,
    '',
    fieldTable(fieldRows(spec, ref)),
    '',
  ].join('\n');
}

/** The headers every webhook delivery carries: the parameters of the spec's webhook operations. */
export function webhookHeadersMarkdown(spec: OpenApiDocument): string {
  const headers = new Map<string, Json>();
  for (const { parameters } of webhookOperations(spec))
    for (const param of parameters)
      if (param.in === 'header' && !headers.has(param.name)) headers.set(param.name, param);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| Header | Required | Value |',
    '|---|---|---|',
    ...[...headers.values()].map(
      (h) =>
        `| \`${h.name}\` | ${h.required ? 'yes' : 'no'} | ${cell(firstParagraph(String(h.description ?? '')))} |`,
    ),
  ].join('\n');
}

/** The paragraph of the Webhooks tag that starts with `**<title>.**` (delivery and retries). */
export function webhookTagParagraph(spec: OpenApiDocument, title: string): string {
  const tag = (spec.tags ?? []).find((t: Json) => t.name === 'Webhooks');
  const paragraph = String(tag?.description ?? '')
    .split(/\n\s*\n/)
    .find((p) => p.trim().startsWith(`**${title}.**`));
  if (!paragraph) throw new Error(`the Webhooks tag has no "${title}" paragraph`);
  return paragraph.trim().replace(/\s*\n\s*/g, ' ');
}
