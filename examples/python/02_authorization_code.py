#!/usr/bin/env python3
"""Authorization code + PKCE (S256) with authlib's OAuth2Session through the interaction API, then a
refresh (rotation) and a check that the spent refresh token is dead."""
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from common import OB, REDIRECT_URI, check, discover, interact, new_user_session, query_param, register, run


def main():
    metadata = discover()
    check(metadata["code_challenge_methods_supported"] == ["S256"], "S256 only")
    user_id, user_session = new_user_session()
    scope = OB + "credential.readonly offline_access"
    client = register(redirect_uris=[REDIRECT_URI], grant_types=["authorization_code", "refresh_token"],
                      response_types=["code"], token_endpoint_auth_method="client_secret_basic", scope=scope)
    oauth = OAuth2Session(client["client_id"], client["client_secret"], scope=scope, redirect_uri=REDIRECT_URI,
                          code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    verifier = generate_token(48)
    url, state = oauth.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)

    redirect_to = interact(url, user_session)
    check(query_param(redirect_to, "iss") == metadata["issuer"], "iss (RFC 9207) differs from the issuer")
    token = oauth.fetch_token(metadata["token_endpoint"], authorization_response=redirect_to, state=state,
                              code_verifier=verifier)
    check(token["scope"] == scope and token.get("refresh_token"), f"token {sorted(token)}")

    info = oauth.introspect_token(metadata["introspection_endpoint"], token=token["access_token"]).json()
    check(info["active"] and info["sub"] == user_id, f"introspection {info}")

    first_refresh = token["refresh_token"]
    rotated = oauth.refresh_token(metadata["token_endpoint"], refresh_token=first_refresh)
    check(rotated["refresh_token"] != first_refresh, "the refresh token was not rotated")
    spent = oauth.introspect_token(metadata["introspection_endpoint"], token=first_refresh).json()
    check(spent == {"active": False}, f"the spent refresh token introspects as {spent}")

    # A wrong verifier is invalid_grant.
    verifier = generate_token(48)
    url, state = oauth.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    redirect_to = interact(url, user_session)
    try:
        oauth.fetch_token(metadata["token_endpoint"], authorization_response=redirect_to, state=state,
                          code_verifier=generate_token(48))
        raise AssertionError("a wrong PKCE verifier was accepted")
    except Exception as error:
        check(getattr(error, "error", None) == "invalid_grant", f"unexpected {error!r}")


run("python authorization code + PKCE", main)
