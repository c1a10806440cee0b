import { parseArgs } from 'node:util';
import { openCore } from './boot.js';
import { ConfigError, loadConfig } from './config.js';
import { ensureDemo } from './demo.js';
import { nowIso, objectId } from './ids.js';
import { issueClientToken } from './tokens.js';

const USAGE = `Usage: faceproof <command>

  client create --name <name> [--json]   create a client and print a client access token
  client token --client <id> [--json]    issue another client access token for a client
  client revoke --token-id <jti>         revoke a client access token by its id (jti)
  keys rotate                            create a new signing key; the old one stays in the JWKS
  demo [--json]                          create (once) the demo client, project, flows, collection and
                                         app registration, and print their ids and tokens

Reads FACEPROOF_DATA_DIR (default .faceproof-data) like the server.`;

export async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      client: { type: 'string' },
      'token-id': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, sub] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd ? 0 : 1;
  }
  const config = loadConfig();
  const { store, keys } = await openCore(config);
  const out = (human: string, json: object) =>
    console.log(values.json ? JSON.stringify(json, null, 2) : human);
  try {
    if (cmd === 'client' && sub === 'create') {
      if (!values.name) throw new ConfigError('client create needs --name');
      const id = objectId();
      await store.createClient({ id, name: values.name, createdAt: nowIso() });
      const t = await issueClientToken(store, keys, id, config.CLIENT_TOKEN_TTL_S);
      out(t.token, {
        client: id,
        tokenId: t.jti,
        expiresAt: t.expiresAt.toISOString(),
        clientAccessToken: t.token,
      });
    } else if (cmd === 'client' && sub === 'token') {
      const client = values.client ? await store.getClient(values.client) : undefined;
      if (!client) throw new ConfigError('client token needs --client <id> of an existing client');
      const t = await issueClientToken(store, keys, client.id, config.CLIENT_TOKEN_TTL_S);
      out(t.token, {
        client: client.id,
        tokenId: t.jti,
        expiresAt: t.expiresAt.toISOString(),
        clientAccessToken: t.token,
      });
    } else if (cmd === 'client' && sub === 'revoke') {
      const jti = values['token-id'];
      if (!jti) throw new ConfigError('client revoke needs --token-id <jti>');
      const ok = await store.revokeClientToken(jti, nowIso());
      out(ok ? `revoked ${jti}` : `no active token ${jti}`, { tokenId: jti, revoked: ok });
      return ok ? 0 : 1;
    } else if (cmd === 'keys' && sub === 'rotate') {
      const kid = await keys.rotate();
      out(`new signing key ${kid}`, { kid });
    } else if (cmd === 'demo') {
      const demo = await ensureDemo(store, keys, config);
      out(
        Object.entries(demo)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
        demo,
      );
    } else {
      console.error(USAGE);
      return 1;
    }
    return 0;
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
