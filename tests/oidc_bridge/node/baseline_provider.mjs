// Benchmark baseline: panva's oidc-provider (the provider FranceConnect runs), minimal config,
// on loopback. Interactions complete at once (login + consent), like our benchmark's aidant who
// is already logged in. Usage: node baseline_provider.mjs <port>; prints "ready" when listening.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret-bench-secret-bench-secret',
    redirect_uris: ['https://rp.example/cb'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], profile: ['given_name', 'family_name', 'birthdate', 'gender'] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id, given_name: 'Marie Louise', family_name: 'Dupont', birthdate: '1948-07-00', gender: 'female',
    }),
  }),
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => false },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['bench-cookie-key-bench-cookie-key'] },
});
const callback = provider.callback();

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: 'usager-1', clientId: details.params.client_id });
  grant.addOIDCScope('openid profile');
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: 'usager-1' }, consent: { grantId } },
    { mergeWithLastSubmission: false });
}

// The server's own clock, as bench_oidc reads ours from gunicorn: for each request, the
// monotonic time it reached the handler (after node parsed it) and how long until the response
// was finished, in nanoseconds (process.hrtime reads CLOCK_MONOTONIC, as Python's
// time.monotonic_ns does). GET /__bench/timings hands them over as "start duration path" lines.
const timings = [];

http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  if (req.url === '/__bench/timings') {
    res.end(timings.splice(0).join('\n'));
    return;
  }
  res.on('finish', () => {
    timings.push(`${started} ${process.hrtime.bigint() - started} ${req.url.split('?')[0]}`);
  });
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => { res.statusCode = 500; res.end(String(error)); });
    return;
  }
  callback(req, res);
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
