#!/usr/bin/env python3
"""Client credentials with authlib's OAuth2Session (client_secret_basic), then introspection and
revocation with the same session."""
import time

from authlib.integrations.requests_client import OAuth2Session

from common import OB, check, discover, register, run


def main():
    metadata = discover()
    client = register(grant_types=["client_credentials"], response_types=[],
                      token_endpoint_auth_method="client_secret_basic", scope=OB + "credential.readonly")
    session = OAuth2Session(client["client_id"], client["client_secret"],
                            token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    check(token["token_type"] == "Bearer", f"token_type {token['token_type']}")
    check(token["scope"] == OB + "credential.readonly", f"scope {token['scope']}")
    check("refresh_token" not in token, "client credentials must not get a refresh token")

    info = session.introspect_token(metadata["introspection_endpoint"], token=token["access_token"]).json()
    check(info["active"] is True and info["client_id"] == client["client_id"], f"introspection {info}")

    revoked = session.revoke_token(metadata["revocation_endpoint"], token=token["access_token"],
                                   token_type_hint="access_token")
    check(revoked.status_code == 200, f"revocation answered {revoked.status_code}")
    time.sleep(1.5)  # revocation_poll_interval
    info = session.introspect_token(metadata["introspection_endpoint"], token=token["access_token"]).json()
    check(info == {"active": False}, f"revoked token introspects as {info}")

    # The secret sent in the form (client_secret_post) is refused for a Basic client.
    post = OAuth2Session(client["client_id"], client["client_secret"], token_endpoint_auth_method="client_secret_post")
    try:
        post.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
        raise AssertionError("client_secret_post accepted for a client_secret_basic client")
    except Exception as error:  # authlib raises OAuthError with the server's error code
        check(getattr(error, "error", None) == "invalid_client", f"unexpected {error!r}")


run("python client credentials", main)
