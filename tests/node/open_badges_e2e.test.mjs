// Open Badges 3.0 end to end against the real binary: a wallet registers dynamically (RFC 7591),
// a user authorizes it with PKCE through the interaction API, the wallet reads and upserts
// credentials and the profile with the token; an admin issues a credential through /api/v1 to the
// user's profile id, the wallet reads it back and it verifies. Every OB response body is validated
// with ajv against the official 1EdTech schemas in third_party/openbadges/schema (JSON Schema 2019-09).
//
// BADGESERVER_TEST_DATABASE=sqlite (default) or postgres (a fresh database on
// BADGESERVER_TEST_POSTGRES_URL, made and dropped with psql).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const BINARY = process.env.BADGESERVER_BINARY ?? new URL('../../build/badgeserver', import.meta.url).pathname;
const SCHEMA_DIR = new URL('../../third_party/openbadges/schema/', import.meta.url);
const DATABASE = process.env.BADGESERVER_TEST_DATABASE ?? 'sqlite';
const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/';
const SCOPES = ['credential.readonly', 'credential.upsert', 'profile.readonly', 'profile.update'].map((s) => OB + s);
const REDIRECT = 'https://wallet.example.org/cb';
const env = { ...process.env, BADGESERVER_KEY_ENCRYPTION_KEY: 'dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=' };

const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
const schema = (name) => ajv.compile(JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8')));
const validators = {
  credential: schema('achievementcredential.json'),
  profile: schema('profile.json'),
  list: schema('getopenbadgecredentialsresponse.json'),
  imsx: schema('imsx_statusinfo.json'),
};

// Asserts that an OB response body is valid against the named official schema.
function valid(kind, body) {
  const ok = validators[kind](body);
  assert.ok(ok, `${kind} schema: ${JSON.stringify(validators[kind].errors)}\n${JSON.stringify(body)}`);
}

let dir, pgDatabase, pgAdminUrl, server, base, adminKey, session, userId, token;

const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function call(method, path, { body, headers = {}, type = 'application/json' } = {}) {
  const init = { method, headers: { ...headers }, redirect: 'manual' };
  if (body !== undefined) {
    init.headers['content-type'] = type;
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, text, body: json };
}

const bearer = (t) => ({ authorization: `Bearer ${t}` });
const admin = () => ({ 'x-api-key': adminKey });

// An OB error: the status, its Imsx_StatusInfo code, and a body valid against the schema.
function imsx(res, status, codeMinor) {
  assert.equal(res.status, status, res.text);
  valid('imsx', res.body);
  assert.equal(res.body.imsx_codeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue, codeMinor);
}

function databaseUrl() {
  if (DATABASE === 'sqlite') return `sqlite:${join(dir, 'db.sqlite')}`;
  assert.equal(DATABASE, 'postgres', 'BADGESERVER_TEST_DATABASE must be sqlite or postgres');
  pgAdminUrl = process.env.BADGESERVER_TEST_POSTGRES_URL;
  assert.ok(pgAdminUrl, 'BADGESERVER_TEST_DATABASE=postgres needs BADGESERVER_TEST_POSTGRES_URL');
  pgDatabase = `ob_e2e_${randomBytes(6).toString('hex')}`;
  execFileSync('psql', [pgAdminUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${pgDatabase}`]);
  const url = new URL(pgAdminUrl);
  url.pathname = `/${pgDatabase}`;
  return url.toString();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'badgeserver-ob-'));
  const db = databaseUrl();
  adminKey = JSON.parse(execFileSync(BINARY, ['admin', 'create-api-key', '--database', db, '--name', 'e2e',
    '--scopes', 'admin:badges admin:users'], { env })).api_key;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BINARY, ['serve', '--database', db, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'],
    { env, stdio: ['ignore', 'ignore', 'inherit'] });
  let up = false;
  for (let i = 0; i < 400 && !up; i++) {
    try { up = (await fetch(`${base}/health`)).ok; } catch {}
    if (!up) await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(up, 'the server did not start');
  const user = await call('POST', '/api/v1/users', {
    body: { email: 'learner@example.org', password: 'correct horse battery', name: 'Ada Learner' },
    headers: admin(),
  });
  assert.equal(user.status, 201, user.text);
  userId = user.body.id;
  session = (await call('POST', '/auth/login',
    { body: { email: 'learner@example.org', password: 'correct horse battery' } })).body.access_token;
  token = await authorize(SCOPES.join(' '));
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (pgDatabase) {
    execFileSync('psql', [pgAdminUrl, '-qc', `DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`]);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// RFC 7591 registration of a public client, then authorize -> login -> consent -> token (PKCE S256).
async function authorize(scope) {
  const reg = await call('POST', '/oauth/register', {
    body: {
      client_name: 'e2e wallet', redirect_uris: [REDIRECT], grant_types: ['authorization_code'],
      response_types: ['code'], token_endpoint_auth_method: 'none', scope,
    },
  });
  assert.equal(reg.status, 201, reg.text);
  const clientId = reg.body.client_id;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope, state,
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  const start = await call('GET', `/oauth/authorize?${query}`, { headers: { accept: 'application/json' } });
  assert.equal(start.status, 200, start.text);
  const id = start.body.interaction_id;
  const asUser = { ...bearer(session), accept: 'application/json' };
  assert.equal((await call('POST', `/oauth/interactions/${id}/login`, { body: {}, headers: asUser })).status, 200);
  const done = await call('POST', `/oauth/interactions/${id}/consent`,
    { body: { decision: 'accept' }, headers: asUser });
  assert.equal(done.status, 200, done.text);
  const redirect = new URL(done.body.redirect_to);
  assert.equal(redirect.searchParams.get('state'), state);
  assert.equal(redirect.searchParams.get('iss'), base);
  const tokens = await call('POST', '/oauth/token', {
    type: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: clientId, code: redirect.searchParams.get('code'),
      redirect_uri: REDIRECT, code_verifier: verifier,
    }).toString(),
  });
  assert.equal(tokens.status, 200, tokens.text);
  assert.equal(tokens.body.scope, scope);
  return tokens.body.access_token;
}

const jwsPayload = (compact) => JSON.parse(Buffer.from(compact.split('.')[1], 'base64url').toString('utf8'));

function sampleCredential(id, validFrom = '2024-01-01T00:00:00Z') {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: 'https://other-issuer.example.org/issuers/7', type: ['Profile'], name: 'Other Issuer' },
    validFrom,
    name: 'Imported badge',
    credentialSubject: {
      type: ['AchievementSubject'],
      id: 'did:example:ada',
      achievement: {
        id: 'https://other-issuer.example.org/achievements/3', type: ['Achievement'], name: 'Teamwork',
        description: 'Worked well with others.', criteria: { narrative: 'Peer reviewed.' },
      },
    },
  };
}

test('service description: the profiled OpenAPI document with ETag revalidation', async () => {
  const res = await call('GET', '/ims/ob/v3p0/discovery');
  assert.equal(res.status, 200, res.text);
  const doc = res.body;
  assert.equal(doc.info['x-imssf-privacyPolicyUrl'], `${base}/privacy`);
  assert.equal(doc.info.termsOfService, `${base}/terms`);
  const acg = doc.components.securitySchemes.OAuth2ACG;
  assert.equal(acg['x-imssf-registrationUrl'], `${base}/oauth/register`);
  assert.equal(acg.flows.authorizationCode.authorizationUrl, `${base}/oauth/authorize`);
  assert.equal(acg.flows.authorizationCode.tokenUrl, `${base}/oauth/token`);
  assert.equal(acg.flows.authorizationCode.refreshUrl, `${base}/oauth/token`);
  assert.deepEqual(Object.keys(acg.flows.authorizationCode.scopes).sort(), [...SCOPES].sort());
  // The registration URL really registers, and the server's metadata agrees with the document.
  const meta = await call('GET', '/.well-known/oauth-authorization-server');
  assert.equal(meta.body.registration_endpoint, acg['x-imssf-registrationUrl']);
  assert.equal(meta.body.token_endpoint, acg.flows.authorizationCode.tokenUrl);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await call('GET', '/ims/ob/v3p0/discovery', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
});

test('profile: read, update, invalid update refused', async () => {
  const got = await call('GET', '/ims/ob/v3p0/profile', { headers: bearer(token) });
  assert.equal(got.status, 200, got.text);
  valid('profile', got.body);
  assert.equal(got.body.id, `${base}/ims/ob/v3p0/profiles/${userId}`);

  const updated = { ...got.body, name: 'Ada L.', givenName: 'Ada', familyName: 'Learner' };
  const put = await call('PUT', '/ims/ob/v3p0/profile', { body: updated, headers: bearer(token) });
  assert.equal(put.status, 200, put.text);
  valid('profile', put.body);
  assert.deepEqual(put.body, updated);

  const bad = await call('PUT', '/ims/ob/v3p0/profile', { body: { ...updated, type: 'Profile' }, headers: bearer(token) });
  imsx(bad, 422, 'invalid_data');
  const after = await call('GET', '/ims/ob/v3p0/profile', { headers: bearer(token) });
  valid('profile', after.body);
  assert.deepEqual(after.body, updated);
});

test('credentials: upsert JSON, issue through /api/v1, read back, verify', async () => {
  const empty = await call('GET', '/ims/ob/v3p0/credentials', { headers: bearer(token) });
  assert.equal(empty.status, 200, empty.text);
  valid('list', empty.body);
  assert.equal(empty.headers.get('x-total-count'), '0');

  // The wallet upserts a credential it holds (unsigned JSON): 201, then 200 for the same one.
  const imported = sampleCredential('urn:uuid:7f1c0b5e-imported');
  const created = await call('POST', '/ims/ob/v3p0/credentials', { body: imported, headers: bearer(token) });
  assert.equal(created.status, 201, created.text);
  valid('credential', created.body);
  assert.deepEqual(created.body, imported);
  const replaced = await call('POST', '/ims/ob/v3p0/credentials',
    { body: { ...imported, validFrom: '2024-02-01T00:00:00Z' }, headers: bearer(token) });
  assert.equal(replaced.status, 200, replaced.text);
  valid('credential', replaced.body);

  // An admin issues a badge to the user's profile id; it is delivered to the user's store.
  const profileId = (await call('GET', '/ims/ob/v3p0/profile', { headers: bearer(token) })).body.id;
  const issuer = await call('POST', '/api/v1/issuers', {
    body: { name: 'Example University', url: 'https://university.example.org', email: 'badges@example.org' },
    headers: admin(),
  });
  assert.equal(issuer.status, 201, issuer.text);
  const achievement = await call('POST', '/api/v1/achievements', {
    body: {
      issuer: issuer.body.id, name: 'Systems programming', description: 'Built a server in C++.',
      criteria: { narrative: 'Passed every test.' }, tags: ['c++'],
    },
    headers: admin(),
  });
  assert.equal(achievement.status, 201, achievement.text);
  const issued = await call('POST', '/api/v1/credentials', {
    body: { issuer: issuer.body.id, credentialSubject: { id: profileId, achievement: achievement.body.id } },
    headers: admin(),
  });
  assert.equal(issued.status, 201, issued.text);
  valid('credential', issued.body.credential);
  const compact = issued.body.compact_jws;
  assert.match(compact, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const header = JSON.parse(Buffer.from(compact.split('.')[0], 'base64url').toString('utf8'));
  assert.equal(header.alg, 'RS256');
  // The header kid dereferences to the public key, which the JWKS lists under the same kid.
  const key = await fetch(header.kid);
  assert.equal(key.status, 200);
  const jwks = await call('GET', '/.well-known/jwks.json');
  assert.ok(jwks.body.keys.some((k) => k.kid === header.kid), 'the kid is in the JWKS');
  const payload = jwsPayload(compact);
  valid('credential', payload);
  assert.equal(payload.iss, issuer.body.id);
  assert.equal(payload.jti, issued.body.credential.id);
  assert.equal(payload.sub, profileId);

  // getCredentials returns both: the JSON one and the VC-JWT, with paging headers.
  const list = await call('GET', '/ims/ob/v3p0/credentials', { headers: bearer(token) });
  assert.equal(list.status, 200, list.text);
  valid('list', list.body);
  assert.equal(list.headers.get('x-total-count'), '2');
  assert.deepEqual(list.body.compactJwsString, [compact]);
  assert.equal(list.body.credential.length, 1);
  assert.equal(list.body.credential[0].id, imported.id);
  assert.equal(list.body.credential[0].validFrom, '2024-02-01T00:00:00Z');
  for (const c of list.body.credential) valid('credential', c);
  for (const jws of list.body.compactJwsString) valid('credential', jwsPayload(jws));

  const page = await call('GET', '/ims/ob/v3p0/credentials?limit=1&offset=1', { headers: bearer(token) });
  assert.equal(page.status, 200, page.text);
  valid('list', page.body);
  const link = page.headers.get('link');
  assert.match(link, /rel="prev"/);
  assert.match(link, /rel="first"/);
  assert.match(link, /rel="last"/);
  assert.doesNotMatch(link, /rel="next"/);

  // The wallet upserts the VC-JWT it received: it verifies with our key, is known already (200).
  const upserted = await call('POST', '/ims/ob/v3p0/credentials',
    { body: compact, type: 'text/plain', headers: bearer(token) });
  assert.equal(upserted.status, 200, upserted.text);
  assert.equal(upserted.text, compact);
  assert.match(upserted.headers.get('content-type'), /^text\/plain/);

  // The issued credential verifies; a tampered one does not, and says what failed.
  const verified = await call('POST', '/api/v1/credentials/verify', { body: compact, type: 'text/plain', headers: admin() });
  assert.equal(verified.status, 200, verified.text);
  assert.equal(verified.body.verified, true, verified.text);
  const parts = compact.split('.');
  const forged = Buffer.from(JSON.stringify({ ...payload, name: 'Forged' })).toString('base64url');
  const tampered = await call('POST', '/api/v1/credentials/verify',
    { body: { compact_jws: `${parts[0]}.${forged}.${parts[2]}` }, headers: admin() });
  assert.equal(tampered.status, 200, tampered.text);
  assert.equal(tampered.body.verified, false);
  const refused = await call('POST', '/ims/ob/v3p0/credentials',
    { body: `${parts[0]}.${forged}.${parts[2]}`, type: 'text/plain', headers: bearer(token) });
  imsx(refused, 422, 'invalid_data');
});

test('bad input: every OB error is an Imsx_StatusInfo, nothing invalid is stored', async () => {
  const before = (await call('GET', '/ims/ob/v3p0/credentials', { headers: bearer(token) })).headers.get('x-total-count');
  imsx(await call('GET', '/ims/ob/v3p0/credentials'), 401, 'unauthorizedrequest');
  const readOnly = await authorize(SCOPES[0]);
  const denied = await call('POST', '/ims/ob/v3p0/credentials',
    { body: sampleCredential('urn:uuid:denied'), headers: bearer(readOnly) });
  imsx(denied, 403, 'forbidden');
  assert.match(denied.headers.get('www-authenticate'), /error="insufficient_scope"/);
  imsx(await call('GET', '/ims/ob/v3p0/credentials?limit=0', { headers: bearer(token) }), 400, 'invalid_query_parameter');
  imsx(await call('GET', '/ims/ob/v3p0/credentials?offset=-1', { headers: bearer(token) }), 400, 'invalid_query_parameter');
  imsx(await call('GET', '/ims/ob/v3p0/credentials?since=soon', { headers: bearer(token) }), 400, 'invalid_query_parameter');
  for (const field of ['@context', 'id', 'type', 'credentialSubject', 'issuer', 'validFrom']) {
    const c = sampleCredential('urn:uuid:missing');
    delete c[field];
    imsx(await call('POST', '/ims/ob/v3p0/credentials', { body: c, headers: bearer(token) }), 422, 'invalid_data');
  }
  const huge = { ...sampleCredential('urn:uuid:huge'), description: 'x'.repeat(1_200_000) };
  imsx(await call('POST', '/ims/ob/v3p0/credentials', { body: huge, headers: bearer(token) }), 413, 'invalid_data');
  imsx(await call('POST', '/ims/ob/v3p0/credentials', { body: '<credential/>', type: 'application/xml', headers: bearer(token) }),
    415, 'invalid_data');
  const afterCount = (await call('GET', '/ims/ob/v3p0/credentials', { headers: bearer(token) })).headers.get('x-total-count');
  assert.equal(afterCount, before);
});
