// docs/api/openapi.yaml as the contract checks see it: its operations, the matching of a concrete
// path to a documented template, and JSON Schema validators for documented responses.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const SPEC_PATH = `${REPO}docs/api/openapi.yaml`;
export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

// Operations marked with this extension (on the path item or the operation) belong to a feature being
// built in another branch: the route check tolerates their absence from the server, and fails once they
// are served so that the marker is removed and they are checked like every other operation.
export const PENDING = 'x-badgeserver-pending';

export function loadSpec(path = SPEC_PATH) {
  return parse(readFileSync(path, 'utf8'));
}

export function operations(spec) {
  const out = [];
  for (const [template, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      out.push({
        template,
        method: method.toUpperCase(),
        op,
        pending: op[PENDING] ?? item[PENDING] ?? null,
        requestContent: op.requestBody ? Object.keys(resolve(spec, op.requestBody).content ?? {}) : [],
      });
    }
  }
  return out;
}

// Follows a local $ref ("#/components/...") to its target.
export function resolve(spec, node) {
  let n = node;
  for (let depth = 0; n && n.$ref && depth < 16; ++depth) {
    if (!n.$ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${n.$ref}`);
    n = n.$ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o, k) => (o == null ? undefined : o[k]), spec);
  }
  if (n === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
  return n;
}

const isParam = (segment) => segment.length > 2 && segment.startsWith('{') && segment.endsWith('}');

// The documented operation a request was served by: same method, a template whose literal segments
// equal the path's and whose {params} take one non-empty segment each. Among several, the one with the
// most literal segments wins (so "/api/v1/clients/bulk" is not read as "/api/v1/clients/{id}").
export function matchOperation(ops, method, path) {
  const segments = path.split('/');
  let best = null;
  let bestLiterals = -1;
  for (const o of ops) {
    if (o.method !== method) continue;
    const want = o.template.split('/');
    if (want.length !== segments.length) continue;
    let literals = 0;
    let ok = true;
    for (let i = 0; i < want.length && ok; ++i) {
      if (isParam(want[i])) ok = segments[i].length > 0;
      else if (want[i] === segments[i]) ++literals;
      else ok = false;
    }
    if (ok && literals > bestLiterals) {
      best = o;
      bestLiterals = literals;
    }
  }
  return best;
}

// The code and description of an error body: {"error", "error_description"}, or the Imsx_StatusInfo
// the Open Badges API (/ims/ob/v3p0) answers with.
export function errorOf(body) {
  if (body && typeof body.error === 'string') return { code: body.error, description: body.error_description };
  const minor = body?.imsx_codeMinor?.imsx_codeMinorField?.[0]?.imsx_codeMinorFieldValue;
  if (body && typeof body.imsx_codeMajor === 'string') return { code: minor, description: body.imsx_description, imsx: true };
  return null;
}

// The router's own answers for an unknown path or method (src/http/router.cpp): not an operation.
export function isRouterMiss(status, body) {
  const e = errorOf(body);
  if (!e) return false;
  if (status === 404) return e.description === 'no such endpoint';
  if (status === 405) return e.code === 'method_not_allowed' || (e.imsx && e.code === 'not_allowed');
  return false;
}

// The transport's answers (src/http/server.cpp), given before routing for a request it cannot read:
// not an operation's, so they are checked against the Error schema only.
export function isTransportAnswer(status, body) {
  const e = errorOf(body);
  if (!e) return false;
  if (status === 431) return true;
  if (status === 400) return e.description === 'malformed HTTP request';
  if (status === 413) return e.code === 'payload_too_large' || (e.imsx && e.code === 'invalid_data');
  return false;
}

export function mediaType(contentType) {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export const isJsonMediaType = (m) => m === 'application/json' || m.endsWith('+json');

// Validators for the response schemas of the document: every schema is compiled in the context of
// the whole document, so that "#/components/schemas/..." resolves as it does for readers.
export class ResponseValidator {
  constructor(spec) {
    this.spec = spec;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: spec.components ?? {} });
    this.cache = new Map();
  }

  // The documented response of an operation for a status, or null when the status is undocumented.
  response(o, status) {
    const r = o.op.responses?.[String(status)];
    return r ? resolve(this.spec, r) : null;
  }

  validator(o, status, media) {
    const key = `${o.method} ${o.template} ${status} ${media}`;
    if (!this.cache.has(key)) {
      const schema = this.response(o, status)?.content?.[media]?.schema;
      this.cache.set(key, schema ? this.ajv.compile(rebase(schema)) : null);
    }
    return this.cache.get(key);
  }
}

// A schema of the document, with its local $refs pointing into the "openapi" schema registered above.
function rebase(node) {
  if (Array.isArray(node)) return node.map(rebase);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi${v}` : rebase(v);
    }
    return out;
  }
  return node;
}
