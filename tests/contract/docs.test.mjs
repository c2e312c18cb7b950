// The documentation checks that keep docs/errors.md and docs/configuration.md true to the code:
//  - every ErrorCode of src/common/errors.hpp and its wire name (src/common/errors.cpp) is in
//    docs/errors.md, and the Error schema of docs/api/openapi.yaml lists exactly the wire names;
//  - every option of src/app/config.cpp is in docs/configuration.md with its default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPO, loadSpec } from './lib/openapi.mjs';

const read = (p) => readFileSync(`${REPO}${p}`, 'utf8');

function errorCodes() {
  const header = read('src/common/errors.hpp');
  const body = header.match(/enum class ErrorCode\s*\{([\s\S]*?)\};/);
  assert.ok(body, 'enum class ErrorCode not found in src/common/errors.hpp');
  const names = body[1]
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, '').trim())
    .filter(Boolean)
    .flatMap((l) => l.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const source = read('src/common/errors.cpp');
  const wire = new Map();
  for (const m of source.matchAll(/case ErrorCode::(\w+):\s*return "(\w+)";/g)) wire.set(m[1], m[2]);
  return names.map((name) => ({ name, wire: wire.get(name) }));
}

test('docs/errors.md names every ErrorCode and its wire name', () => {
  const codes = errorCodes();
  assert.ok(codes.length >= 20, `only ${codes.length} error codes parsed`);
  const doc = read('docs/errors.md');
  const missing = [];
  for (const { name, wire } of codes) {
    assert.ok(wire, `ErrorCode::${name} has no wire name in src/common/errors.cpp`);
    for (const n of new Set([name, wire])) if (!doc.includes(`\`${n}\``)) missing.push(n);
  }
  assert.deepEqual(missing, [], `not in docs/errors.md: ${missing.join(', ')}`);
});

test('the Error schema of openapi.yaml lists exactly the wire names', () => {
  const wire = [...new Set(errorCodes().map((c) => c.wire))].sort();
  const documented = [...loadSpec().components.schemas.Error.properties.error.enum].sort();
  assert.deepEqual(documented, wire);
});

test('docs/configuration.md lists every option with its default', () => {
  const source = read('src/app/config.cpp');
  const table = source.match(/kOptions\[\]\s*=\s*\{([\s\S]*?)\n\};/);
  assert.ok(table, 'kOptions not found in src/app/config.cpp');
  const options = [...table[1].matchAll(/\{"(\w+)",\s*"([^"]*)"/g)].map((m) => ({ name: m[1], def: m[2] }));
  assert.ok(options.length >= 20, `only ${options.length} options parsed`);
  const doc = read('docs/configuration.md');
  const rows = new Map();
  for (const line of doc.split('\n')) {
    const m = line.match(/^\|\s*`(\w+)`\s*\|\s*([^|]*)\|/);
    if (m) rows.set(m[1], m[2].trim());
  }
  const problems = [];
  for (const { name, def } of options) {
    if (!rows.has(name)) problems.push(`${name}: no row`);
    else if (def !== '' && !rows.get(name).includes(`\`${def}\``))
      problems.push(`${name}: default \`${def}\` not in its row ("${rows.get(name)}")`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});
