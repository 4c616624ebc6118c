// A real OpenID provider for the integration tests: oidc-provider (npm) on 127.0.0.1, with its
// built-in development login and consent pages, one client (two when the staff client is set),
// PKCE (S256) required.
//
//   node tests/oidc/provider.mjs [port]        (port 0 or none: any free port)
//
// Prints "ready <issuer>" once it listens. Settings come from the environment:
//
//   OIDC_TEST_PORT             port, when none is given as an argument
//   OIDC_TEST_CLIENT_ID        the one client's id                         (required)
//   OIDC_TEST_CLIENT_SECRET    its secret                                  (required)
//   OIDC_TEST_REDIRECT_URIS    its redirect URIs, separated by spaces      (required)
//   OIDC_TEST_STAFF_CLIENT_ID, OIDC_TEST_STAFF_CLIENT_SECRET, OIDC_TEST_STAFF_REDIRECT_URIS
//                              a second client, the staff sign-in's (all three, or none)
//   OIDC_TEST_ACCOUNTS         JSON {login: {email, email_verified, name}} for logins that need
//                              other claims than the defaults: email <login>@example.com,
//                              email_verified true unless the login starts with "unverified",
//                              name = the login. The subject (sub) is the login.
//
// Knobs that make the provider misbehave, for the tests of what the portal refuses. The ID token
// the token endpoint returns is then changed and signed again with the provider's own key (the
// one its JWKS publishes), unless the key knob says otherwise:
//
//   OIDC_TEST_ID_TOKEN_CLAIMS  JSON of claims to set in the ID token, e.g. {"aud": "another-app"}
//   OIDC_TEST_ID_TOKEN_SHIFT   seconds added to iat, exp and auth_time (-7200: expired an hour ago)
//   OIDC_TEST_ID_TOKEN_KEY     "foreign": sign with a key the provider does not publish
//   OIDC_TEST_TOKEN_RESPONSE   "garbage": the token endpoint answers 200 with an HTML page;
//                              "error": it answers 500
//   OIDC_TEST_DISCOVERY        "garbage": the discovery document is an HTML page

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const env = process.env;

function required(name) {
  const value = env[name];
  if (!value) {
    console.error(`provider.mjs: ${name} must be set`);
    process.exit(2);
  }
  return value;
}

const clientId = required('OIDC_TEST_CLIENT_ID');
const clientSecret = required('OIDC_TEST_CLIENT_SECRET');
const redirectUris = required('OIDC_TEST_REDIRECT_URIS');
const accounts = JSON.parse(env.OIDC_TEST_ACCOUNTS || '{}');

function client(id, secret, uris) {
  return {
    client_id: id,
    client_secret: secret,
    redirect_uris: uris.split(/\s+/).filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

const clients = [client(clientId, clientSecret, redirectUris)];
if (env.OIDC_TEST_STAFF_CLIENT_ID) {
  clients.push(client(env.OIDC_TEST_STAFF_CLIENT_ID, required('OIDC_TEST_STAFF_CLIENT_SECRET'),
    required('OIDC_TEST_STAFF_REDIRECT_URIS')));
}
const port = Number(process.argv[2] ?? env.OIDC_TEST_PORT ?? 0);

const KID = 'test-signing-key';
const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const foreignKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function claimsFor(login) {
  return {
    sub: login,
    email: `${login}@example.com`,
    email_verified: !login.startsWith('unverified'),
    name: login,
    ...(accounts[login] || {}),
  };
}

// --- the misbehaviour knobs ------------------------------------------------------------------

const b64 = (data) => Buffer.from(data).toString('base64url');

function tamperedIdToken(idToken) {
  const [header, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  Object.assign(claims, JSON.parse(env.OIDC_TEST_ID_TOKEN_CLAIMS || '{}'));
  const shift = Number(env.OIDC_TEST_ID_TOKEN_SHIFT || 0);
  for (const name of ['iat', 'exp', 'auth_time']) {
    if (typeof claims[name] === 'number') claims[name] += shift;
  }
  const signingInput = `${header}.${b64(JSON.stringify(claims))}`;
  const key = env.OIDC_TEST_ID_TOKEN_KEY === 'foreign' ? foreignKey : signingKey;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const tampering = Boolean(env.OIDC_TEST_ID_TOKEN_CLAIMS || env.OIDC_TEST_ID_TOKEN_SHIFT
  || env.OIDC_TEST_ID_TOKEN_KEY);
const GARBAGE = '<!doctype html><title>Oops</title><p>Something went wrong.</p>';

// --- the provider ----------------------------------------------------------------------------

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    async findAccount(ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return claimsFor(sub);
        },
      };
    },
  });

  provider.use(async (ctx, next) => {
    if (ctx.path === '/.well-known/openid-configuration' && env.OIDC_TEST_DISCOVERY === 'garbage') {
      ctx.type = 'html';
      ctx.body = GARBAGE;
      return;
    }
    if (ctx.path === '/token' && env.OIDC_TEST_TOKEN_RESPONSE === 'garbage') {
      ctx.type = 'html';
      ctx.body = GARBAGE;
      return;
    }
    if (ctx.path === '/token' && env.OIDC_TEST_TOKEN_RESPONSE === 'error') {
      ctx.status = 500;
      ctx.type = 'html';
      ctx.body = GARBAGE;
      return;
    }
    await next();
    if (ctx.path === '/token' && tampering && ctx.status === 200 && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: tamperedIdToken(ctx.body.id_token) };
    }
  });

  server.on('request', provider.callback());
  console.log(`ready ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
