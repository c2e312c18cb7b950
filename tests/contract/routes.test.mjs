// The route check: docs/api/openapi.yaml and the server's router agree both ways.
//  - every (method, pattern) that `badgeserver routes` prints is a documented operation;
//  - every documented operation is registered, unless it is marked x-badgeserver-pending, and an
//    operation marked pending that IS registered fails (remove the marker: it is served now);
//  - every documented, registered operation answers through its route on a real server: called with
//    no credentials, the answer is not the router's 404 "no such endpoint" nor a 405, its status is
//    documented for the operation and its body validates against the documented schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadSpec,
  operations,
  isRouterMiss,
  mediaType,
  isJsonMediaType,
  ResponseValidator,
  PENDING,
} from './lib/openapi.mjs';
import { registeredRoutes, startServer } from './lib/server.mjs';

const spec = loadSpec();
const ops = operations(spec);
const routes = registeredRoutes();
const key = (method, pattern) => `${method} ${pattern}`;
const registered = new Set(routes.map((r) => key(r.method, r.pattern)));
const documented = new Map(ops.map((o) => [key(o.method, o.template), o]));

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('badgeserver routes lists the router', () => {
  assert.ok(routes.length > 0, 'no routes printed');
  for (const r of routes) {
    assert.match(r.method, /^[A-Z]+$/);
    assert.match(r.pattern, /^\//);
  }
  assert.equal(registered.size, routes.length, 'a (method, pattern) is registered twice');
});

// A template with its parameter names erased: "/keys/{kid}" and "/keys/{id}" are the same route.
const shape = (template) => template.replace(/\{[^}]+\}/g, '{}');

test('every registered route is documented', () => {
  const missing = routes
    .filter((r) => !documented.has(key(r.method, r.pattern)))
    .map((r) => {
      const near = ops.find((o) => o.method === r.method && shape(o.template) === shape(r.pattern));
      return key(r.method, r.pattern) + (near ? ` (documented differently, as ${near.template})` : '');
    });
  assert.deepEqual(missing, [], `registered but not in docs/api/openapi.yaml:\n  ${missing.join('\n  ')}`);
});

test('every documented operation is registered (or marked pending and not yet served)', () => {
  const unserved = [];
  const stalePending = [];
  for (const o of ops) {
    const served = registered.has(key(o.method, o.template));
    if (!served && !o.pending) unserved.push(key(o.method, o.template));
    if (served && o.pending) stalePending.push(`${key(o.method, o.template)} (${PENDING}: ${o.pending})`);
  }
  const problems = [
    ...unserved.map((k) => `documented but not registered by the server: ${k}`),
    ...stalePending.map((k) => `served now, so remove the marker: ${k}`),
  ];
  assert.deepEqual(problems, [], problems.join('\n'));
  const pending = ops.filter((o) => o.pending && !registered.has(key(o.method, o.template)));
  if (pending.length) console.log(`# ${pending.length} documented operations pending (not served yet)`);
});

test('every documented, registered operation answers through its route', async () => {
  const validator = new ResponseValidator(spec);
  const failures = [];
  let probed = 0;
  for (const o of ops) {
    if (!registered.has(key(o.method, o.template))) continue;
    const path = o.template.replace(/\{[^}]+\}/g, 'contract-probe');
    const headers = { Accept: 'application/json' };
    let body;
    if (o.requestContent.length) {
      headers['Content-Type'] = o.requestContent[0];
      body = o.requestContent[0] === 'application/json' ? '{}' : '';
    }
    const res = await fetch(server.base + path, { method: o.method, headers, body, redirect: 'manual' });
    const text = await res.text();
    const media = mediaType(res.headers.get('content-type'));
    const json = isJsonMediaType(media) && text ? JSON.parse(text) : undefined;
    ++probed;
    const where = `${o.method} ${path} -> ${res.status}`;
    if (isRouterMiss(res.status, json)) {
      failures.push(`${where}: the router does not route it (${text})`);
      continue;
    }
    const documentedResponse = validator.response(o, res.status);
    if (!documentedResponse) {
      failures.push(`${where}: status not documented for ${o.method} ${o.template}`);
      continue;
    }
    if (text && documentedResponse.content) {
      const validate = validator.validator(o, res.status, media);
      if (!validate) failures.push(`${where}: ${media} not documented`);
      else if (json !== undefined && !validate(json))
        failures.push(`${where}: body ${text} fails the schema: ${JSON.stringify(validate.errors)}`);
    }
  }
  assert.ok(probed > 0);
  assert.deepEqual(failures, [], failures.join('\n'));
});
