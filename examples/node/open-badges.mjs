// Open Badges 3.0 with oauth4webapi: authorize a wallet with PKCE for the OB scopes, issue a
// credential to the learner through the admin API, read it back from the OB 3.0 REST API with the
// access token, and verify the VC-JWT against the published key set with jose.
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import {
  OB, REDIRECT_URI, admin, discover, expectStatus, insecure, interact, json, main, newUserSession,
  register,
} from './lib.mjs';

main('node Open Badges', async () => {
  const as = await discover();
  const discovery = expectStatus(await json('GET', '/ims/ob/v3p0/discovery'), 200);
  assert.equal(discovery.components.securitySchemes.OAuth2ACG.flows.authorizationCode.tokenUrl, as.token_endpoint);

  const issuer = expectStatus(await admin('POST', '/api/v1/issuers',
    { name: 'Example University', url: 'https://university.example.org' }), 201);
  const achievement = expectStatus(await admin('POST', '/api/v1/achievements', {
    issuer: issuer.id, name: 'Node Mastery', description: 'Uses oauth4webapi.', criteria: { narrative: 'Ran it.' },
  }), 201);

  const user = await newUserSession();
  const scope = `${OB}credential.readonly ${OB}profile.readonly`;
  const client = await register({
    redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', scope,
  });
  const clientAuth = oauth.ClientSecretBasic(client.client_secret);
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope, state: 'ob',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const callback = oauth.validateAuthResponse(as, client, await interact(url, user.session), 'ob');
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, callback, REDIRECT_URI, verifier, insecure));
  const bearer = { authorization: `Bearer ${tokens.access_token}` };

  const profile = expectStatus(await json('GET', '/ims/ob/v3p0/profile', undefined, bearer), 200);
  const issued = expectStatus(await admin('POST', '/api/v1/credentials', {
    issuer: issuer.id, credentialSubject: { id: profile.id, achievement: achievement.id },
  }), 201);
  assert.equal(decodeProtectedHeader(issued.compact_jws).alg, 'RS256');
  // The VC-JWT payload is the credential itself, with iss = issuer.id, jti = id, sub = the recipient.
  const { payload } = await jwtVerify(issued.compact_jws, createRemoteJWKSet(new URL(as.jwks_uri)), {
    issuer: issuer.id, subject: profile.id, typ: 'JWT',
  });
  assert.equal(payload.jti, issued.credential.id);
  assert.deepEqual(payload.credentialSubject, issued.credential.credentialSubject);

  const page = await json('GET', '/ims/ob/v3p0/credentials?limit=10', undefined, bearer);
  expectStatus(page, 200);
  // Issued credentials are delivered to the learner's store as their VC-JWT.
  assert.deepEqual(page.body, { credential: [], compactJwsString: [issued.compact_jws] });
  assert.equal(page.headers.get('x-total-count'), '1');
  assert.match(page.headers.get('link'), /rel="first"/);

  const anonymous = await json('GET', '/ims/ob/v3p0/credentials');
  expectStatus(anonymous, 401);
  assert.equal(anonymous.body.imsx_codeMajor, 'failure');
  assert.match(anonymous.headers.get('www-authenticate'), /^Bearer/);
});
