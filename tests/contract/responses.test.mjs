// The response check: every exchange the C++ integration tests recorded (tests/support/http_client.cpp,
// BADGESERVER_TEST_RECORD_DIR) is checked against docs/api/openapi.yaml:
//  - the method and path match a documented operation (the router's own 404/405 for unknown paths and
//    methods are counted, not operations);
//  - the status is documented for that operation (an unknown status is a failure);
//  - the media type is one documented for that status, and a JSON body validates against its schema;
//  - a response documented without content has no body.
// The recorder keeps the path, not the host and port, so an exchange with a listener that is not the
// API cannot be told apart by itself: the few such exchanges are named in NOT_THE_API below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadSpec,
  operations,
  matchOperation,
  isRouterMiss,
  isTransportAnswer,
  errorOf,
  mediaType,
  isJsonMediaType,
  ResponseValidator,
} from './lib/openapi.mjs';

const dir = process.env.BADGESERVER_CONTRACT_RECORDS;

// Exchanges the integration tests have with a listener other than the API, which this document does
// not describe. Each is named by test, method, path and status, must still be that listener's
// router answer (404 "no such endpoint" or 405) in the Error schema, and must be recorded: an entry
// that matches no exchange fails the check, so that a renamed or removed test removes it here too.
const NOT_THE_API = [
  {
    // The separate metrics listener (metrics_listen, --metrics-listen; src/app/server_app.cpp) serves
    // GET /metrics and nothing else; the test asserts that /health is 404 there. On the API listener
    // GET /health is the documented operation and never 404. (Its GET /metrics 200 and POST /metrics
    // 405 need no entry: they are the documented answer and a router 405.)
    test: 'MetricsListenerTest.SeparateListenerNeedsNoCredential',
    method: 'GET',
    path: '/health',
    status: 404,
    why: 'the separate metrics listener, not the API, answers it',
  },
];
const notTheApi = (x) =>
  NOT_THE_API.find((e) => e.test === x.test && e.method === x.method && e.path === x.path && e.status === x.status);

function readExchanges() {
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line) out.push(JSON.parse(line));
  }
  return out;
}

test('recorded responses match the documented ones', () => {
  assert.ok(dir, 'BADGESERVER_CONTRACT_RECORDS must name the directory the integration tests recorded into (run.sh sets it)');
  const exchanges = readExchanges();
  assert.ok(exchanges.length > 0, `no recorded exchanges in ${dir}`);

  const spec = loadSpec();
  const ops = operations(spec);
  const validator = new ResponseValidator(spec);
  const failures = [];
  const counts = new Map();
  let routerMisses = 0;
  let transportAnswers = 0;
  let otherListenerAnswers = 0;
  const usedNotTheApi = new Set();
  const errorSchemas = {
    error: validator.ajv.compile({ $ref: 'openapi#/components/schemas/Error' }),
    imsx: validator.ajv.compile({ $ref: 'openapi#/components/schemas/Imsx_StatusInfo' }),
  };
  const errorSchema = (body) => (errorOf(body)?.imsx ? errorSchemas.imsx : errorSchemas.error)(body);
  let validated = 0;
  for (const x of exchanges) {
    const media = mediaType(x.content_type);
    let json;
    if (isJsonMediaType(media) && x.body) {
      try {
        json = JSON.parse(x.body);
      } catch {
        failures.push(`${x.test}: ${x.method} ${x.path} -> ${x.status}: ${media} body is not JSON`);
        continue;
      }
    }
    const where = `${x.test}: ${x.method} ${x.path} -> ${x.status}`;
    const other = notTheApi(x);
    if (other) {
      usedNotTheApi.add(other);
      ++otherListenerAnswers;
      if (!isRouterMiss(x.status, json) || !errorSchema(json))
        failures.push(`${where}: allowed as not the API's answer (${other.why}), but it is not a router 404/405 in the Error schema: ${x.body}`);
      continue;
    }
    const o = matchOperation(ops, x.method, x.path);
    if (isTransportAnswer(x.status, json) && !(o && validator.response(o, x.status))) {
      ++transportAnswers;
      if (!errorSchema(json)) failures.push(`${where}: transport answer fails the Error schema: ${x.body}`);
      continue;
    }
    if (!o) {
      if (isRouterMiss(x.status, json)) {
        ++routerMisses;
        if (!errorSchema(json)) failures.push(`${where}: router answer fails the Error schema: ${x.body}`);
      } else {
        failures.push(`${where}: no documented operation`);
      }
      continue;
    }
    const opKey = `${o.method} ${o.template}`;
    const documented = validator.response(o, x.status);
    if (!documented) {
      failures.push(`${where}: status ${x.status} is not documented for ${opKey}`);
      continue;
    }
    counts.set(`${opKey} ${x.status}`, (counts.get(`${opKey} ${x.status}`) ?? 0) + 1);
    if (!documented.content) {
      if (x.body) failures.push(`${where}: documented without content, got ${media}: ${x.body.slice(0, 200)}`);
      continue;
    }
    if (!documented.content[media]) {
      failures.push(`${where}: media type "${media}" not documented (${Object.keys(documented.content).join(', ')})`);
      continue;
    }
    if (json === undefined) continue;
    const validate = validator.validator(o, x.status, media);
    if (!validate) continue;
    ++validated;
    if (!validate(json)) {
      failures.push(`${where}: body fails the schema of ${opKey} ${x.status}: ${JSON.stringify(validate.errors)}\n    body: ${x.body.slice(0, 400)}`);
    }
  }

  for (const e of NOT_THE_API)
    if (!usedNotTheApi.has(e)) failures.push(`NOT_THE_API entry matches no recorded exchange (remove it): ${e.test}: ${e.method} ${e.path} -> ${e.status}`);

  const exercised = new Set([...counts.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')));
  const unexercised = ops.filter((o) => !o.pending && !exercised.has(`${o.method} ${o.template}`));
  console.log(
    `# ${exchanges.length} exchanges: ${validated} JSON bodies validated, ${counts.size} (operation, status) pairs seen, ` +
      `${routerMisses} router 404/405 answers, ${transportAnswers} transport answers, ` +
      `${otherListenerAnswers} answers of other listeners (NOT_THE_API), ${failures.length} failures`,
  );
  const served = ops.filter((o) => !o.pending).length;
  console.log(`# ${exercised.size} of ${served} documented (not pending) operations exercised by the integration tests`);
  for (const o of unexercised) console.log(`#   not exercised: ${o.method} ${o.template}`);
  assert.deepEqual(failures, [], `${failures.length} recorded responses do not match docs/api/openapi.yaml:\n${failures.join('\n')}`);
});
