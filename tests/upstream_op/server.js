// A real OpenID Connect provider (node-oidc-provider) that the integration tests
// start as an upstream identity provider on a loopback port. Configured by
// environment variables:
//   PORT          the port on 127.0.0.1 (the issuer is http://127.0.0.1:PORT)
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URI   the one client (Portcullis)
//   AMR           comma-separated amr values of every sign-in (e.g. "pwd,otp")
//   ACR           the acr value of every sign-in (optional)
//   ACCOUNTS      JSON: account id -> claims (email, email_verified, names)
// Its sign-in page is a plain HTML form with one input, `login` (the account id).
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const amr = (process.env.AMR || 'pwd').split(',').filter(Boolean);
const acr = process.env.ACR || undefined;

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
  features: {
    claimsParameter: { enabled: true },
    devInteractions: { enabled: false },
  },
  cookies: { keys: ['portcullis-tests-only'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, ...(accounts[sub] || {}) };
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

provider.listen(port, '127.0.0.1', () => {
  console.log(`upstream provider listening at ${issuer}`);
});
