// The comparison server for `make bench`: node-oidc-provider configured like
// Portcullis's bench setup. RS256 (or BENCH_ALG=ES256) ID tokens, the in-memory adapter, one
// confidential client (client_secret_basic, PKCE), a login interaction that
// verifies argon2id hashes with Portcullis's parameters (m=19456 KiB, t=2, p=1)
// through npm `argon2`, and no consent page: a successful login grants the
// requested scopes at once, as Portcullis does for administrator-registered
// clients. Profile and email claims go into the ID token, as ours do; refresh
// tokens (scope offline_access) rotate at every use, as ours do.
//
// Environment: BENCH_PORT, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET,
// BENCH_REDIRECT_URI, BENCH_USERS (username<TAB>password<TAB>seed lines),
// BENCH_ALG (RS256 or ES256).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import argon2 from 'argon2';
import Provider from 'oidc-provider';

const port = Number(process.env.BENCH_PORT || 18081);
const issuer = `http://127.0.0.1:${port}`;
const ARGON2 = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

const byName = new Map();
const byId = new Map();
const lines = readFileSync(process.env.BENCH_USERS, 'utf8').split('\n').filter((l) => l.trim());
for (const [i, line] of lines.entries()) {
  const [username, password] = line.split('\t');
  const user = { id: `u${i}`, username, email: `${username}@example.com`, hash: await argon2.hash(password, ARGON2) };
  byName.set(username, user);
  byId.set(user.id, user);
}
// Unknown usernames cost one verification too, as in Portcullis.
const dummyHash = await argon2.hash('dummy-password-for-timing', ARGON2);

// BENCH_ALG: RS256 (a 2048-bit key, as Portcullis's) or ES256 (P-256).
const alg = process.env.BENCH_ALG || 'RS256';
const { privateKey } = alg === 'ES256'
  ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
  : generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `bench-${alg.toLowerCase()}`, alg, use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.BENCH_CLIENT_ID,
    client_secret: process.env.BENCH_CLIENT_SECRET,
    redirect_uris: [process.env.BENCH_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: alg,
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  // Portcullis rotates a refresh token at every use; do the same.
  rotateRefreshToken: () => true,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const user = byId.get(id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: user.email, email_verified: false, name: user.username, preferred_username: user.username,
        };
      },
    };
  },
});

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, status, error) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`<!doctype html><html><head><title>Sign in</title></head><body><h1>Sign in</h1>${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<label>Username <input type="text" name="username" required></label>
<label>Password <input type="password" name="password" required></label>
<button type="submit">Sign in</button></form></body></html>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error('body too large');
  }
  return new URLSearchParams(body);
}

async function interaction(req, res, login) {
  const details = await provider.interactionDetails(req, res);
  if (!login) {
    if (details.prompt.name === 'login') return loginPage(res, details.uid, 200);
    // No consent page: grant what was asked.
    return finish(req, res, details, details.session.accountId);
  }
  const form = await readForm(req);
  const user = byName.get(form.get('username') || '');
  const ok = await argon2.verify(user ? user.hash : dummyHash, form.get('password') || '');
  if (!user || !ok) return loginPage(res, details.uid, 401, 'Wrong username or password.');
  return finish(req, res, details, user.id);
}

async function finish(req, res, details, accountId) {
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
http.createServer((req, res) => {
  const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url.split('?')[0]);
  if (!m) return callback(req, res);
  if (m[2] && req.method !== 'POST') { res.statusCode = 405; return res.end(); }
  return interaction(req, res, Boolean(m[2])).catch((err) => {
    res.statusCode = 400;
    res.end(`interaction failed: ${err.message}`);
  });
}).listen(port, '127.0.0.1', () => {
  console.log(`node-oidc-provider ${issuer} pid ${process.pid}`);
});
