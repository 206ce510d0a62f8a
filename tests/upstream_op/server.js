// A real OpenID Connect provider (node-oidc-provider) that the integration tests
// start as an upstream identity provider on a loopback port. Configured by
// environment variables:
//   PORT          the port on 127.0.0.1 (the issuer is http://127.0.0.1:PORT)
//   ISSUER_SLASH  when set, the issuer ends in "/" (as Auth0's does)
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URI   the one client (Portcullis)
//   AMR           comma-separated amr values of every sign-in (e.g. "pwd,otp")
//   ACR           the acr value of every sign-in (optional)
//   ACCOUNTS      JSON: account id -> claims (email, email_verified, names)
//   USERINFO_ONLY comma-separated claims left out of ID tokens and released by
//                 userinfo only (as many providers do with `email`)
//   TAMPER        JSON: account id -> how that account's answers are falsified
//                 after the provider made them, to play a broken or hostile
//                 upstream: "signature" (ID token signed by a key not in the
//                 JWKS), "aud", "iss", "nonce", "exp" (that ID token claim
//                 changed, re-signed with the provider's own key), "no_auth_time"
//                 (auth_time left out, re-signed likewise), "userinfo_sub"
//                 (userinfo names another subject)
// Its sign-in page is a plain HTML form with one input, `login` (the account id).
import crypto from 'node:crypto';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}${process.env.ISSUER_SLASH ? '/' : ''}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const amr = (process.env.AMR || 'pwd').split(',').filter(Boolean);
const acr = process.env.ACR || undefined;
const userinfoOnly = (process.env.USERINFO_ONLY || '').split(',').filter(Boolean);
const tamper = JSON.parse(process.env.TAMPER || '{}');

// The provider's signing key, kept here so that a falsified ID token can be
// signed with it again; `stranger` is a key of the same kind the JWKS lacks.
// Both are fixed test-only keys read from this folder: a start generates no
// key (two RSA key generations at every start made it slower, and a rare
// start that never came up, under load, stopped there).
function rsaKey(file, kid) {
  const pem = fs.readFileSync(new URL(file, import.meta.url));
  const privateKey = crypto.createPrivateKey(pem);
  return { privateKey, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}
const own = rsaKey('./own-key.pem', 'upstream-key');
const stranger = rsaKey('./stranger-key.pem', 'upstream-key');

const b64url = (v) => Buffer.from(v).toString('base64url');

// Changes the ID token as `kind` says and signs it again (RS256).
function falsify(idToken, kind) {
  const [header, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'aud': claims.aud = 'someone-else'; break;
    case 'iss': claims.iss = 'http://127.0.0.1:1'; break;
    case 'nonce': claims.nonce = 'not-this-sign-ins-nonce'; break;
    case 'exp': claims.iat = now - 7200; claims.exp = now - 3600; break;
    case 'no_auth_time': delete claims.auth_time; break;
    default: break;
  }
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  const key = kind === 'signature' ? stranger.privateKey : own.privateKey;
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), key))}`;
}

function subjectOf(idToken) {
  return JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString()).sub;
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  acrValues: acr ? [acr] : [],
  jwks: { keys: [own.jwk] },
  features: {
    claimsParameter: { enabled: true },
    devInteractions: { enabled: false },
  },
  cookies: { keys: ['portcullis-tests-only'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims(use) {
        const claims = { sub, ...(accounts[sub] || {}) };
        if (use === 'id_token') {
          for (const c of userinfoOnly) delete claims[c];
        }
        return claims;
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    // The tests' client is first-party: no consent page.
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'given_name', 'family_name',
      'acr', 'amr', 'auth_time']);
    await grant.save();
    return grant;
  },
  interactions: {
    url(ctx, interaction) {
      return `/interaction/${interaction.uid}`;
    },
  },
});

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!m) {
    return next();
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = `<!doctype html><html lang="en"><title>Upstream sign-in</title>
<form method="post" action="/interaction/${details.uid}/login">
<input name="login" autofocus><button type="submit">Sign in</button></form></html>`;
    return undefined;
  }
  const login = new URLSearchParams(await readBody(ctx.req)).get('login');
  const result = { login: { accountId: login, amr, ...(acr ? { acr } : {}) } };
  const to = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.redirect(to);
  return undefined;
});

// After the provider answered: falsify the answers of the accounts in TAMPER.
provider.use(async (ctx, next) => {
  await next();
  const body = ctx.body;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) {
    return;
  }
  if (ctx.path === '/token' && typeof body.id_token === 'string') {
    const kind = tamper[subjectOf(body.id_token)];
    if (kind && kind !== 'userinfo_sub') {
      body.id_token = falsify(body.id_token, kind);
    }
  }
  if (ctx.path === '/me' && tamper[body.sub] === 'userinfo_sub') {
    body.sub = `not-${body.sub}`;
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`upstream provider listening at ${issuer}`);
});
