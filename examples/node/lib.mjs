// Shared by the Node.js examples: the environment, discovery, and the admin/interaction calls a
// host's back end and front end make. Each example imports what it needs.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as oauth from 'oauth4webapi';

// Node.js 18 (Debian 12) has WebCrypto but not as a global; oauth4webapi needs the global.
if (!globalThis.crypto) globalThis.crypto = webcrypto;

export const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/$/, '');
export const ADMIN_API_KEY = process.env.ADMIN_API_KEY ?? '';
if (!BASE_URL || !ADMIN_API_KEY) {
  console.error('set BASE_URL and ADMIN_API_KEY');
  process.exit(2);
}

export const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/';
export const REDIRECT_URI = 'https://app.example.org/callback';
// oauth4webapi refuses plain http unless told; a local server on loopback is http.
export const insecure = BASE_URL.startsWith('http:') ? { [oauth.allowInsecureRequests]: true } : {};

export const unique = (name) => `${name}-${Math.random().toString(36).slice(2, 10)}`;

// A JSON call; returns { status, body, headers }.
export async function json(method, path, body, headers = {}) {
  const res = await fetch(BASE_URL + path, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export const admin = (method, path, body) => json(method, path, body, { 'x-api-key': ADMIN_API_KEY });

export function expectStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

// RFC 8414 discovery, validated by oauth4webapi (issuer equality and all).
export async function discover() {
  const issuer = new URL(BASE_URL);
  return oauth.processDiscoveryResponse(issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
}

// RFC 7591 dynamic registration.
export async function register(metadata) {
  return expectStatus(await json('POST', '/oauth/register', { client_name: unique('node'), ...metadata }), 201);
}

// A user created through the admin API, logged in at /auth/login: { id, session }.
export async function newUserSession() {
  const email = `${unique('learner')}@example.org`;
  const password = 'correct horse battery staple';
  const user = expectStatus(await admin('POST', '/api/v1/users', { email, password, name: 'Learner' }), 201);
  const login = expectStatus(await json('POST', '/auth/login', { email, password }), 200);
  assert.equal(login.token_type, 'Bearer');
  return { id: user.id, session: login.access_token };
}

// What the host's front end does with an authorization request: read the interaction, log the user
// in with their session, accept the consent. Returns the URL the browser is sent back to.
export async function interact(authorizationUrl, session) {
  const start = await fetch(authorizationUrl, { headers: { accept: 'application/json' } });
  const view = await start.json();
  assert.equal(start.status, 200, JSON.stringify(view));
  assert.equal(view.state, 'login_required');
  const auth = { authorization: `Bearer ${session}` };
  const login = expectStatus(await json('POST', `/oauth/interactions/${view.interaction_id}/login`, {}, auth), 200);
  assert.equal(login.state, 'consent_required');
  const done = expectStatus(
    await json('POST', `/oauth/interactions/${view.interaction_id}/consent`, { decision: 'accept' }, auth), 200);
  assert.equal(done.state, 'completed');
  return new URL(done.redirect_to);
}

// Runs an example's main function; any failure exits non-zero with the reason.
export function main(name, fn) {
  fn().then(() => console.log(`OK ${name}`), (err) => {
    console.error(`FAIL ${name}:`, err);
    process.exit(1);
  });
}
