// Authorization code + PKCE with oauth4webapi through the headless interaction API, then refresh
// rotation (and reuse detection), introspection and revocation.
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { OB, REDIRECT_URI, discover, register, newUserSession, interact, insecure, main } from './lib.mjs';

main('node authorization code + PKCE', async () => {
  const as = await discover();
  assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
  const user = await newUserSession();
  const scope = `${OB}credential.readonly offline_access`;
  const client = await register({
    redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', scope,
  });
  const clientAuth = oauth.ClientSecretBasic(client.client_secret);

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope, state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  // validateAuthResponse checks state and iss (RFC 9207).
  const callback = oauth.validateAuthResponse(as, client, await interact(url, user.session), state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, callback, REDIRECT_URI, verifier, insecure));
  assert.equal(tokens.scope, scope);
  assert.ok(tokens.refresh_token);
  assert.equal(oauth.getValidatedIdTokenClaims(tokens), undefined); // no OpenID Connect here

  const rotated = await oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, insecure));
  assert.notEqual(rotated.refresh_token, tokens.refresh_token);

  const info = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, clientAuth, rotated.access_token, insecure));
  assert.equal(info.active, true);
  assert.equal(info.sub, user.id);
  assert.equal(info.client_id, client.client_id);

  // Reuse of the spent refresh token: invalid_grant, and the family (the rotated one too) is revoked.
  await assert.rejects(async () => oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, insecure)),
  (err) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant');
  await new Promise((r) => setTimeout(r, 1500)); // revocation_poll_interval
  const family = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, clientAuth, rotated.refresh_token, insecure));
  assert.equal(family.active, false);

  // A fresh grant, ended by revoking its refresh token.
  const verifier2 = oauth.generateRandomCodeVerifier();
  url.searchParams.set('state', 'second');
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier2));
  const second = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth,
      oauth.validateAuthResponse(as, client, await interact(url, user.session), 'second'),
      REDIRECT_URI, verifier2, insecure));
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, clientAuth, second.refresh_token, insecure));
  await new Promise((r) => setTimeout(r, 1500));
  const ended = await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, clientAuth, second.access_token, insecure));
  assert.equal(ended.active, false);
});
