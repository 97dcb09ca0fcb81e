// A real OpenID Provider (the `oidc-provider` package) for the OIDC e2e spec, run as its own
// process because the package is ESM-only. It signs users in without a form: each login becomes
// the account last posted to /__test/next-login. Prints {"port": N} once listening.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, PORT = '0' } = process.env;
let nextLogin = { sub: 'nobody', email: 'nobody@example.test', email_verified: true, name: 'Nobody' };
const accounts = new Map();

const server = createServer();
server.listen(Number(PORT), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: OIDC_CLIENT_SECRET,
        redirect_uris: [OIDC_REDIRECT_URI],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['e2e-only-cookie-key'] },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      return account && { accountId: sub, claims: async () => ({ ...account }) };
    },
    // Consent is implied: every scope the client asks for is granted.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const handle = provider.callback();

  server.on('request', async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/__test/next-login') {
        let body = '';
        for await (const chunk of req) body += chunk;
        nextLogin = JSON.parse(body);
        accounts.set(nextLogin.sub, nextLogin);
        res.writeHead(204).end();
        return;
      }
      if (req.url.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        const result =
          details.prompt.name === 'login' ? { login: { accountId: nextLogin.sub } } : { consent: {} };
        await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
        return;
      }
      handle(req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err?.stack ?? err));
    }
  });
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
