import { parseArgs } from 'node:util';
import { DEFAULT_TEMPLATE_MODEL, TEMPLATE_MODELS, templateModelOf } from '@faceproof/face-engine';
import { openCore } from './boot.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { ensureDemo } from './demo.js';
import { nowIso, objectId } from './ids.js';
import type { Store } from './store/types.js';
import { issueClientToken, type KeyRing } from './tokens.js';

const USAGE = `Usage: faceproof <command>

  client create --name <name> [--json]   create a client and print a client access token
  client token --client <id> [--json]    issue another client access token for a client
  client revoke --token-id <jti>         revoke a client access token by its id (jti)
  keys rotate                            create a new signing key; the old one stays in the JWKS
  demo [--json]                          create (once) the demo client, project, flows, collection and
                                         app registration, and print their ids and tokens
  templates report [--json]              per collection: the model it searches, its persons, and how
                                         many of them have a template of each model
  templates switch --collection <id> [--model <id|name>] [--force]
                                         make a collection search another template model (default: the
                                         engine's); refused while a person lacks a template of it, unless
                                         --force (those persons are then not found). Restart the server
                                         (every instance) for it to take effect.

Reads FACEPROOF_DATA_DIR (default .faceproof-data) like the server.`;

const OPTIONS = {
  name: { type: 'string' },
  client: { type: 'string' },
  collection: { type: 'string' },
  model: { type: 'string' },
  force: { type: 'boolean', default: false },
  'token-id': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

interface Command {
  values: Values;
  config: Config;
  store: Store;
  keys: KeyRing;
  /** Prints the human line, or the JSON document under --json. */
  out(human: string, json: object): void;
}

async function printToken(c: Command, clientId: string) {
  const t = await issueClientToken(c.store, c.keys, clientId, c.config.CLIENT_TOKEN_TTL_S);
  c.out(t.token, {
    client: clientId,
    tokenId: t.jti,
    expiresAt: t.expiresAt.toISOString(),
    clientAccessToken: t.token,
  });
  return 0;
}

/** Each command by `<command> <subcommand>`; returns the exit code. */
const COMMANDS: Record<string, (c: Command) => Promise<number>> = {
  async 'client create'(c) {
    if (!c.values.name) throw new ConfigError('client create needs --name');
    const id = objectId();
    await c.store.createClient({ id, name: c.values.name, createdAt: nowIso() });
    return printToken(c, id);
  },
  async 'client token'(c) {
    const client = c.values.client ? await c.store.getClient(c.values.client) : undefined;
    if (!client) throw new ConfigError('client token needs --client <id> of an existing client');
    return printToken(c, client.id);
  },
  async 'client revoke'(c) {
    const jti = c.values['token-id'];
    if (!jti) throw new ConfigError('client revoke needs --token-id <jti>');
    const ok = await c.store.revokeClientToken(jti, nowIso());
    c.out(ok ? `revoked ${jti}` : `no active token ${jti}`, { tokenId: jti, revoked: ok });
    return ok ? 0 : 1;
  },
  async 'keys rotate'(c) {
    const kid = await c.keys.rotate();
    c.out(`new signing key ${kid}`, { kid });
    return 0;
  },
  async 'templates report'(c) {
    const engineModel = TEMPLATE_MODELS[DEFAULT_TEMPLATE_MODEL].id;
    const rows = (await c.store.templateModelCounts()).map((r) => ({
      ...r,
      searchModel: r.searchModel ?? engineModel,
      readyFor: Object.fromEntries(Object.entries(r.models).map(([m, n]) => [m, n === r.persons])),
    }));
    c.out(
      [
        `engine model: ${engineModel}`,
        ...rows.map(
          (r) =>
            `${r.collectionId}  searches ${r.searchModel}  persons ${r.persons}  ${Object.entries(r.models)
              .map(([m, n]) => `${m}: ${n}`)
              .join('  ')}`,
        ),
      ].join('\n'),
      { engineModel, collections: rows },
    );
    return 0;
  },
  async 'templates switch'(c) {
    const collectionId = c.values.collection;
    if (!collectionId) throw new ConfigError('templates switch needs --collection <id>');
    const model = templateModelOf(c.values.model ?? DEFAULT_TEMPLATE_MODEL);
    if (!model) throw new ConfigError(`templates switch: unknown model ${c.values.model}`);
    const counts = (await c.store.templateModelCounts()).find((r) => r.collectionId === collectionId);
    if (!counts) throw new ConfigError(`templates switch: no collection ${collectionId}`);
    const have = counts.models[model.id] ?? 0;
    if (have < counts.persons && !c.values.force) {
      c.out(
        `not switched: ${counts.persons - have} of ${counts.persons} persons have no ${model.id} template (they gain one by logging in); --force switches anyway`,
        {
          collection: collectionId,
          model: model.id,
          switched: false,
          persons: counts.persons,
          withTemplate: have,
        },
      );
      return 1;
    }
    await c.store.setCollectionSearchModel(collectionId, model.id);
    c.out(`${collectionId} now searches ${model.id}; restart the server for it to take effect`, {
      collection: collectionId,
      model: model.id,
      switched: true,
      persons: counts.persons,
      withTemplate: have,
    });
    return 0;
  },
  async demo(c) {
    const demo = await ensureDemo(c.store, c.keys, c.config);
    c.out(
      Object.entries(demo)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
      demo,
    );
    return 0;
  },
};

export async function main(argv: string[]) {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [cmd, sub] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd ? 0 : 1;
  }
  const run = COMMANDS[cmd === 'demo' ? cmd : `${cmd} ${sub}`];
  if (!run) {
    console.error(USAGE);
    return 1;
  }
  const config = loadConfig();
  const { store, keys } = await openCore(config);
  const out = (human: string, json: object) =>
    console.log(values.json ? JSON.stringify(json, null, 2) : human);
  try {
    return await run({ values, config, store, keys, out });
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exitCode = 1;
  },
);
