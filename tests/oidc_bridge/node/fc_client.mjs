// Drives our identity provider with panva's openid-client (v5, the library FranceConnect's core
// uses towards identity providers), configured as FranceConnect configures it:
// client_secret_post, signed id_token (ES256 or RS256), nonce and state of 64 hex characters,
// acr_values=eidas1, prompt=login, scope "openid profile email birth", and a `claims` request
// for rep_scope. The aidant's browser is emulated with fetch and a cookie jar; when our provider
// sends the aidant to the login page, the script asks its parent (pytest) for a freshly
// logged-in session on stdout/stdin ({"need_login": url} -> {"cookie": "sessionid=..."}).
// Prints one JSON line with what the relying party saw.
import crypto from 'node:crypto';
import readline from 'node:readline';
import { Issuer, errors } from 'openid-client';

const env = process.env;
const jar = new Map();
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function remember(response) {
  for (const raw of response.headers.getSetCookie()) {
    const [pair] = raw.split(';');
    const [name, ...value] = pair.split('=');
    jar.set(name.trim(), value.join('='));
  }
}

function cookieHeader() {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function browse(url, form) {
  const init = { redirect: 'manual', headers: { Cookie: cookieHeader() } };
  if (form) {
    init.method = 'POST';
    init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  }
  const response = await fetch(url, init);
  remember(response);
  return response;
}

async function askLogin(url) {
  process.stdout.write(JSON.stringify({ need_login: url }) + '\n');
  const { value } = await lines.next();
  const [name, ...rest] = JSON.parse(value).cookie.split('=');
  jar.set(name, rest.join('='));
}

function csrf(html) {
  const match = html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/);
  if (!match) throw new Error('no CSRF token in page');
  return match[1];
}

// Follow the aidant through login, usager and démarche (when asked) until our provider sends
// the browser back to the relying party's redirect URI.
async function aidantJourney(startUrl) {
  let url = startUrl;
  let form;
  for (let hop = 0; hop < 25; hop += 1) {
    const response = await browse(url, form);
    form = undefined;
    if (response.status === 302) {
      const next = new URL(response.headers.get('location'), url).href;
      if (next.startsWith(env.REDIRECT_URI)) return next;
      const parsed = new URL(next);
      if (parsed.pathname === env.LOGIN_PATH) {
        await askLogin(next);
        url = new URL(parsed.searchParams.get('next'), next).href;
      } else {
        url = next;
      }
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status} at ${url}: ${html.slice(0, 300)}`);
    const token = csrf(html);
    // The usager page is served by authorize itself; each choice form names where it posts.
    const action = html.match(/<form method="post" action="([^"]+\/(usager|demarche))"/);
    const path = action ? action[1] : new URL(url).pathname;
    if (path.endsWith('/usager')) form = { csrfmiddlewaretoken: token, usager: env.USAGER_ID };
    else if (path.endsWith('/demarche')) form = { csrfmiddlewaretoken: token, demarche: env.DEMARCHE };
    else throw new Error(`unexpected page ${path}`);
    url = new URL(path, url).href;
  }
  throw new Error('too many hops');
}

async function main() {
  const issuer = await Issuer.discover(env.ISSUER);
  const client = new issuer.Client({
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: [env.REDIRECT_URI],
    post_logout_redirect_uris: [env.POST_LOGOUT_URI],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: env.ALG,
    ...(env.USERINFO_ALG ? { userinfo_signed_response_alg: env.USERINFO_ALG } : {}),
  });
  const state = crypto.randomBytes(32).toString('hex');
  const nonce = crypto.randomBytes(32).toString('hex');
  const authorizationUrl = client.authorizationUrl({
    scope: 'openid profile email birth',
    acr_values: 'eidas1',
    prompt: 'login',
    state,
    nonce,
    claims: { id_token: { rep_scope: { essential: true, values: env.REP_SCOPE.split(',') } } },
  });
  const callbackUrl = await aidantJourney(authorizationUrl);
  const params = client.callbackParams(callbackUrl);
  const tokenSet = await client.callback(env.REDIRECT_URI, params, { state, nonce, response_type: 'code' });
  const claims = tokenSet.claims();
  const header = JSON.parse(Buffer.from(tokenSet.id_token.split('.')[0], 'base64url').toString());
  const userinfo = await client.userinfo(tokenSet);

  let replayError = null;
  try {
    await client.callback(env.REDIRECT_URI, params, { state, nonce, response_type: 'code' });
  } catch (error) {
    replayError = error instanceof errors.OPError ? error.error : String(error);
  }
  let userinfoAfterReplay = null;
  try {
    await client.userinfo(tokenSet);
    userinfoAfterReplay = 'accepted';
  } catch (error) {
    userinfoAfterReplay = error instanceof errors.OPError ? error.error : String(error);
  }

  const logoutState = crypto.randomBytes(32).toString('hex');
  const endSession = client.endSessionUrl({
    id_token_hint: tokenSet.id_token, state: logoutState, post_logout_redirect_uri: env.POST_LOGOUT_URI,
  });
  const logout = await fetch(endSession, { redirect: 'manual' });
  process.stdout.write(JSON.stringify({
    issuer: issuer.issuer, header, claims, userinfo, replayError, userinfoAfterReplay,
    iss_param: params.iss, logout_status: logout.status, logout_location: logout.headers.get('location'),
    logout_state: logoutState,
  }) + '\n');
  process.exit(0);
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ failure: String(error && error.stack || error) }) + '\n');
  process.exit(1);
});
