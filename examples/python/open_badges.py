#!/usr/bin/env python3
"""Open Badges 3.0 with authlib: authorize a wallet with PKCE for the OB scopes, issue a credential to the
learner through the admin API, read it from the OB 3.0 REST API with the session's token, update the
profile, and verify the credential through the issuer API."""
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from common import (ADMIN_API_KEY, BASE_URL, OB, REDIRECT_URI, admin, check, discover, expect_status, interact,
                    new_user_session, register, run)


def main():
    metadata = discover()
    discovery = expect_status(requests.get(BASE_URL + "/ims/ob/v3p0/discovery", timeout=10), 200)
    flow = discovery["components"]["securitySchemes"]["OAuth2ACG"]["flows"]["authorizationCode"]
    check(flow["tokenUrl"] == metadata["token_endpoint"], f"discovery tokenUrl {flow['tokenUrl']}")

    issuer = expect_status(admin("POST", "/api/v1/issuers",
                                 {"name": "Example University", "url": "https://university.example.org"}), 201)
    achievement = expect_status(admin("POST", "/api/v1/achievements", {
        "issuer": issuer["id"], "name": "Python Mastery", "description": "Uses authlib.",
        "criteria": {"narrative": "Ran it."}}), 201)

    _, user_session = new_user_session()
    scope = OB + "credential.readonly " + OB + "profile.readonly " + OB + "profile.update"
    client = register(redirect_uris=[REDIRECT_URI], grant_types=["authorization_code"], response_types=["code"],
                      token_endpoint_auth_method="client_secret_basic", scope=scope)
    wallet = OAuth2Session(client["client_id"], client["client_secret"], scope=scope, redirect_uri=REDIRECT_URI,
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, state = wallet.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    wallet.fetch_token(metadata["token_endpoint"], authorization_response=interact(url, user_session), state=state,
                       code_verifier=verifier)

    # The session now sends the bearer token on every request.
    profile = expect_status(wallet.get(BASE_URL + "/ims/ob/v3p0/profile", timeout=10), 200)
    issued = expect_status(admin("POST", "/api/v1/credentials", {
        "issuer": issuer["id"], "credentialSubject": {"id": profile["id"], "achievement": achievement["id"]}}), 201)
    page = wallet.get(BASE_URL + "/ims/ob/v3p0/credentials", params={"limit": 10}, timeout=10)
    body = expect_status(page, 200)
    # Issued credentials are delivered to the learner's store as their VC-JWT.
    check(body == {"credential": [], "compactJwsString": [issued["compact_jws"]]},
          f"the issued credential is not in the store: {body}")
    check(page.headers["X-Total-Count"] == "1", f"X-Total-Count {page.headers['X-Total-Count']}")
    check('rel="first"' in page.headers["Link"], f"Link {page.headers['Link']}")

    # The issuer verifies it: signature, claims, dates, schema and revocation status.
    report = expect_status(requests.post(BASE_URL + "/api/v1/credentials/verify", data=issued["compact_jws"],
                                         headers={"X-API-Key": ADMIN_API_KEY, "Content-Type": "text/plain"},
                                         timeout=10), 200)
    check(report["verified"] and all(c["passed"] for c in report["checks"]), f"verification: {report}")

    profile["name"] = "Renamed Learner"
    updated = expect_status(wallet.put(BASE_URL + "/ims/ob/v3p0/profile", json=profile, timeout=10), 200)
    check(updated["name"] == "Renamed Learner", f"profile after update: {updated}")

    denied = requests.get(BASE_URL + "/ims/ob/v3p0/credentials", timeout=10)
    check(denied.status_code == 401 and denied.json()["imsx_codeMajor"] == "failure", f"anonymous: {denied.text}")
    # The wallet was not granted credential.upsert: 403 with an RFC 6750 insufficient_scope challenge.
    refused = wallet.post(BASE_URL + "/ims/ob/v3p0/credentials", data=issued["compact_jws"],
                          headers={"Content-Type": "text/plain"}, timeout=10)
    minor = expect_status(refused, 403)["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    check(minor == "forbidden" and 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"],
          f"upsert without the scope: {refused.headers} {refused.text}")


run("python Open Badges", main)
