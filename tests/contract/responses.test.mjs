// The response check: every exchange the C++ integration tests recorded (tests/support/http_client.cpp,
// BADGESERVER_TEST_RECORD_DIR) is checked against docs/api/openapi.yaml:
//  - the method and path match a documented operation (the router's own 404/405 for unknown paths and
//    methods are counted, not operations);
//  - the status is documented for that operation (an unknown status is a failure);
//  - the media type is one documented for that status, and a JSON body validates against its schema;
//  - a response documented without content has no body.
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

  const exercised = new Set([...counts.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')));
  const unexercised = ops.filter((o) => !o.pending && !exercised.has(`${o.method} ${o.template}`));
  console.log(
    `# ${exchanges.length} exchanges: ${validated} JSON bodies validated, ${counts.size} (operation, status) pairs seen, ` +
      `${routerMisses} router 404/405 answers, ${transportAnswers} transport answers, ${failures.length} failures`,
  );
  const served = ops.filter((o) => !o.pending).length;
  console.log(`# ${exercised.size} of ${served} documented (not pending) operations exercised by the integration tests`);
  for (const o of unexercised) console.log(`#   not exercised: ${o.method} ${o.template}`);
  assert.deepEqual(failures, [], `${failures.length} recorded responses do not match docs/api/openapi.yaml:\n${failures.join('\n')}`);
});
