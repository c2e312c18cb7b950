#!/usr/bin/env python3
"""Open Badges 3.0 with authlib (the issue 5 contract): authorize a wallet with PKCE for the OB scopes,
issue a credential to the learner through the admin API, read it from the OB 3.0 REST API with the
session's token, and update the profile. examples/run-all.sh runs this only when
GET /ims/ob/v3p0/discovery answers 200."""
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from common import (BASE_URL, OB, REDIRECT_URI, admin, check, discover, expect_status, interact, new_user_session,
                    register, run)


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
    # A credential stored from a VC-JWT comes back in compactJwsString; one stored as JSON in credential.
    check(issued["compact_jws"] in body.get("compactJwsString", [])
          or any(c.get("id") == issued["credential"]["id"] for c in body.get("credential", [])),
          f"the issued credential is not in the store: {body}")
    check(int(page.headers["X-Total-Count"]) >= 1, "X-Total-Count")

    profile["name"] = "Renamed Learner"
    updated = expect_status(wallet.put(BASE_URL + "/ims/ob/v3p0/profile", json=profile, timeout=10), 200)
    check(updated["name"] == "Renamed Learner", f"profile after update: {updated}")

    denied = requests.get(BASE_URL + "/ims/ob/v3p0/credentials", timeout=10)
    check(denied.status_code == 401 and denied.json()["imsx_codeMajor"] == "failure", f"anonymous: {denied.text}")


run("python Open Badges", main)
