// A real OpenID Provider for the tests: npm's oidc-provider (a certified
// implementation) with its development login and consent pages, one
// confidential client, and signing keys made fresh at each start.
//
//   node oidc/provider.mjs '{"port": 0, "clientId": "...", "clientSecret": "...", "redirectUris": ["..."]}'
//
// Prints `listening <issuer>` once it accepts connections. Any login and
// password are accepted; the login names the account:
//   `ada@example.com`                       email ada@example.com, verified, name "Ada"
//   `Ada Lovelace <ada@example.com>`        the same, named "Ada Lovelace"
//   `unverified:ada@example.com`            email_verified false
// and the subject is the login itself.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2] ?? '{}');

function profile(login) {
  const unverified = login.startsWith('unverified:');
  const rest = unverified ? login.slice('unverified:'.length) : login;
  const named = /^(.*)<([^>]*)>\s*$/s.exec(rest);
  const email = (named ? named[2] : rest).trim();
  const name = named ? named[1].trim() : email.split('@')[0].replace(/^./, (first) => first.toUpperCase());
  return { sub: login, email, email_verified: !unverified, name };
}

// Fresh keys each start: a restarted provider signs with keys its clients
// have never seen.
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const server = createServer();
await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: options.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [{ ...signingKey, use: 'sig', kid: `key-${Date.now()}` }] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: (_ctx, id) => ({ accountId: id, claims: () => profile(id) }),
  // Plain http on 127.0.0.1 for tests; cookies keyed afresh per start.
  cookies: { keys: [signingKey.d.slice(0, 32)] },
});
provider.on('server_error', (_ctx, err) => console.error('provider error:', err));
server.on('request', provider.callback());
console.log(`listening ${issuer}`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
