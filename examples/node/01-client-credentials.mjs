// Client credentials with oauth4webapi: a machine-to-machine client gets an RFC 9068 access token;
// a resource server validates it locally against the JWKS (jose) and by introspection; the client
// revokes it.
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { OB, BASE_URL, discover, register, insecure, main } from './lib.mjs';

main('node client credentials', async () => {
  const as = await discover();
  const client = await register({
    grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic',
    scope: `${OB}credential.readonly`,
  });
  const clientAuth = oauth.ClientSecretBasic(client.client_secret);

  const tokens = await oauth.processClientCredentialsResponse(as, client,
    await oauth.clientCredentialsGrantRequest(as, client, clientAuth, new URLSearchParams(), insecure));
  assert.equal(tokens.token_type, 'bearer'); // oauth4webapi normalizes the case
  assert.equal(tokens.scope, `${OB}credential.readonly`);
  assert.ok(tokens.expires_in > 0);

  // A resource server checks the JWT itself: signature by a published key, typ, iss, aud, exp.
  const jwks = createRemoteJWKSet(new URL(as.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
    issuer: as.issuer, audience: BASE_URL, typ: 'at+jwt',
  });
  assert.equal(payload.client_id, client.client_id);
  assert.equal(payload.sub, client.client_id);
  assert.ok(protectedHeader.kid);

  // oauth4webapi's own RFC 9068 validation agrees.
  const claims = await oauth.validateJwtAccessToken(as,
    new Request(`${BASE_URL}/resource`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
    BASE_URL, insecure);
  assert.equal(claims.scope, `${OB}credential.readonly`);

  const live = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
  assert.equal(live.active, true);
  assert.equal(live.client_id, client.client_id);

  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, clientAuth, tokens.access_token, insecure));
  const dead = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
  assert.equal(dead.active, false);

  // A wrong secret is 401 invalid_client with a WWW-Authenticate: Basic challenge, which oauth4webapi
  // raises as a WWWAuthenticateChallengeError.
  await assert.rejects(async () => oauth.processClientCredentialsResponse(as, client,
    await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic('wrong'),
      new URLSearchParams(), insecure)),
  (err) => err instanceof oauth.WWWAuthenticateChallengeError && err.status === 401 &&
    err.cause[0].scheme === 'basic');
});
