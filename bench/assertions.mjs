// RFC 7523 client assertions for the private_key_jwt benchmark, signed before the run (each jti is
// single-use, and signing during the run would measure this script instead of the server).
//   node assertions.mjs keygen KEY_FILE            -> prints the public JWK set (for registration)
//   node assertions.mjs sign KEY_FILE CLIENT_ID AUDIENCE COUNT OUT_PREFIX FILES
// writes COUNT assertions round-robin into OUT_PREFIX.0 .. OUT_PREFIX.(FILES-1), one per line, so
// each wrk thread reads only its own file. Runs from a folder whose node_modules has `jose`.
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';

const [mode, keyFile, ...rest] = process.argv.slice(2);
if (mode === 'keygen') {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  writeFileSync(keyFile, JSON.stringify({ ...(await jose.exportJWK(privateKey)), kid, alg: 'ES256' }), { mode: 0o600 });
  const pub = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  process.stdout.write(JSON.stringify({ keys: [pub] }));
} else if (mode === 'sign') {
  const [clientId, audience, count, outPrefix, files] = rest;
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
  const key = await jose.importJWK(jwk, 'ES256');
  const outs = [...Array(Number(files)).keys()].map((i) => createWriteStream(`${outPrefix}.${i}`));
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < Number(count); i++) {
    const jwt = await new jose.SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
      .setIssuer(clientId).setSubject(clientId).setAudience(audience)
      .setIssuedAt(now).setExpirationTime(now + 540)
      .sign(key);
    const out = outs[i % outs.length];
    if (!out.write(jwt + '\n')) await new Promise((r) => out.once('drain', r));
  }
  await Promise.all(outs.map((o) => new Promise((r) => o.end(r))));
} else {
  console.error('usage: assertions.mjs keygen KEY_FILE | sign KEY_FILE CLIENT_ID AUDIENCE COUNT OUT_PREFIX FILES');
  process.exit(2);
}
