// private_key_jwt client authentication (RFC 7523) with oauth4webapi: the client registers its
// public key (jwks) and signs a fresh assertion for each request with its private key.
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { exportJWK } from 'jose';
import { OB, discover, register, insecure, main } from './lib.mjs';

main('node private_key_jwt', async () => {
  const as = await discover();
  assert.ok(as.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  // oauth4webapi signs with a WebCrypto CryptoKey (jose's generateKeyPair gives Node KeyObjects).
  const generate = () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const { publicKey, privateKey } = await generate();
  const jwk = { ...(await exportJWK(publicKey)), kid: 'node-key-1', alg: 'ES256', use: 'sig' };
  const client = await register({
    grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [jwk] }, scope: `${OB}profile.readonly`,
  });
  assert.equal(client.client_secret, undefined); // nothing shared to leak
  const clientAuth = oauth.PrivateKeyJwt({ key: privateKey, kid: 'node-key-1' });

  const tokens = await oauth.processClientCredentialsResponse(as, client,
    await oauth.clientCredentialsGrantRequest(as, client, clientAuth, new URLSearchParams(), insecure));
  assert.equal(tokens.scope, `${OB}profile.readonly`);
  const info = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
  assert.equal(info.active, true);

  // A key the client did not register is refused.
  const stranger = await generate();
  await assert.rejects(async () => oauth.processClientCredentialsResponse(as, client,
    await oauth.clientCredentialsGrantRequest(as, client,
      oauth.PrivateKeyJwt({ key: stranger.privateKey, kid: 'node-key-1' }), new URLSearchParams(), insecure)),
  (err) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_client');
});
