// The strict OAuth client library oauth4webapi against a real badgeserver on loopback: discovery,
// authorization code + PKCE through the interaction API (iss checked, RFC 9207), PAR, refresh,
// client credentials, introspection, revocation, and RFC 9068 access-token validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { webcrypto } from 'node:crypto';
import * as oauth from 'oauth4webapi';

// Debian 12's Node.js 18 has WebCrypto but not yet as a global; oauth4webapi looks for the global.
if (!globalThis.crypto) globalThis.crypto = webcrypto;

const BINARY = process.env.BADGESERVER_BINARY ?? new URL('../../build/badgeserver', import.meta.url).pathname;
const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/';
const REDIRECT = 'https://wallet.example.org/cb';
const insecure = { [oauth.allowInsecureRequests]: true };
const env = { ...process.env, BADGESERVER_KEY_ENCRYPTION_KEY: 'dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=' };

let dir, server, base, issuer, as, adminKey, session, userId;

const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function json(method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method, headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual',
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'badgeserver-node-'));
  const db = `sqlite:${join(dir, 'db.sqlite')}`;
  adminKey = JSON.parse(execFileSync(BINARY, ['admin', 'create-api-key', '--database', db, '--name', 'node',
    '--scopes', 'admin'], { env })).api_key;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BINARY, ['serve', '--database', db, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'],
    { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  issuer = new URL(base);
  as = await oauth.processDiscoveryResponse(issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const user = await json('POST', '/api/v1/users',
    { email: 'node@example.org', password: 'correct horse battery', name: 'Node' }, { 'x-api-key': adminKey });
  assert.equal(user.status, 201);
  userId = user.body.id;
  session = (await json('POST', '/auth/login', { email: 'node@example.org', password: 'correct horse battery' }))
    .body.access_token;
});

after(() => {
  server?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function register(metadata) {
  const r = await json('POST', '/oauth/register', metadata);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

// Drives the interaction API the way a host's front end would, returning the final redirect.
async function interact(authorizationUrl) {
  const start = await fetch(authorizationUrl, { headers: { accept: 'application/json' } });
  const view = await start.json();
  assert.equal(start.status, 200, JSON.stringify(view));
  const auth = { authorization: `Bearer ${session}` };
  assert.equal((await json('POST', `/oauth/interactions/${view.interaction_id}/login`, {}, auth)).status, 200);
  const done = await json('POST', `/oauth/interactions/${view.interaction_id}/consent`, { decision: 'accept' }, auth);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return new URL(done.body.redirect_to);
}

test('discovery metadata satisfies oauth4webapi', () => {
  assert.equal(as.issuer, base);
  assert.equal(as.authorization_endpoint, `${base}/oauth/authorize`);
  assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
  assert.equal(as.authorization_response_iss_parameter_supported, true);
});

test('authorization code + PKCE, then refresh, introspection and revocation', async () => {
  const client = await register({
    client_name: 'node wallet', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic', scope: `${OB}credential.readonly offline_access`,
  });
  const auth = oauth.ClientSecretBasic(client.client_secret);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', state,
    scope: `${OB}credential.readonly offline_access`,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const callback = oauth.validateAuthResponse(as, client, await interact(url), state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT, verifier, insecure));
  assert.equal(tokens.token_type, 'bearer');
  assert.ok(tokens.refresh_token);

  // The access token is a valid RFC 9068 JWT for this server's default audience.
  const claims = await oauth.validateJwtAccessToken(as,
    new Request(`${base}/api`, { headers: { authorization: `Bearer ${tokens.access_token}` } }), base, insecure);
  assert.equal(claims.sub, userId);
  assert.equal(claims.client_id, client.client_id);

  const refreshed = await oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, insecure));
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

  const introspection = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure));
  assert.equal(introspection.active, true);
  assert.equal(introspection.sub, userId);

  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, auth, refreshed.access_token, insecure));
  const after = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure));
  assert.equal(after.active, false);
});

test('public client with PAR', async () => {
  const client = await register({
    client_name: 'node spa', redirect_uris: [REDIRECT], grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'none', scope: `${OB}profile.readonly`,
  });
  const verifier = oauth.generateRandomCodeVerifier();
  const pushed = await oauth.processPushedAuthorizationResponse(as, client,
    await oauth.pushedAuthorizationRequest(as, client, oauth.None(), {
      redirect_uri: REDIRECT, response_type: 'code', scope: `${OB}profile.readonly`,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, insecure));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({ client_id: client.client_id, request_uri: pushed.request_uri });
  const callback = oauth.validateAuthResponse(as, client, await interact(url), oauth.expectNoState);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, REDIRECT, verifier, insecure));
  assert.equal(tokens.scope, `${OB}profile.readonly`);
});

test('client credentials', async () => {
  const client = await register({
    client_name: 'node service', grant_types: ['client_credentials'], response_types: [],
    token_endpoint_auth_method: 'client_secret_basic', scope: `${OB}credential.readonly`,
  });
  const tokens = await oauth.processClientCredentialsResponse(as, client,
    await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(client.client_secret), {}, insecure));
  assert.equal(tokens.token_type, 'bearer');
  assert.equal(tokens.expires_in, 3600);
});
