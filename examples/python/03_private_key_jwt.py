#!/usr/bin/env python3
"""Client authentication with JWT assertions (RFC 7523) through authlib: private_key_jwt (an EC key
the client registered as jwks) and client_secret_jwt (HS256 with the client secret)."""
import time

from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey
from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT

from common import OB, check, discover, register, run


def short_lived(method):
    """authlib signs assertions valid for an hour; badgeserver accepts at most 600 s (a short-lived
    assertion is what RFC 7523 asks for), so each assertion gets its own exp of five minutes."""

    class ShortLived(method):
        def sign(self, auth, token_endpoint):
            self.claims = {"exp": int(time.time()) + 300}
            return super().sign(auth, token_endpoint)

    return ShortLived


def main():
    metadata = discover()
    token_endpoint = metadata["token_endpoint"]
    for method in ("private_key_jwt", "client_secret_jwt"):
        check(method in metadata["token_endpoint_auth_methods_supported"], f"{method} not supported")

    key = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    public = dict(key.as_dict(is_private=False), kid="python-key-1", alg="ES256", use="sig")
    client = register(grant_types=["client_credentials"], response_types=[],
                      token_endpoint_auth_method="private_key_jwt", jwks={"keys": [public]},
                      scope=OB + "profile.readonly")
    check("client_secret" not in client, "a private_key_jwt client got a secret")
    session = OAuth2Session(client["client_id"], key.as_pem(is_private=True),
                            token_endpoint_auth_method="private_key_jwt")
    session.register_client_auth_method(
        short_lived(PrivateKeyJWT)(token_endpoint, headers={"kid": "python-key-1"}, alg="ES256"))
    token = session.fetch_token(token_endpoint, grant_type="client_credentials")
    check(token["scope"] == OB + "profile.readonly", f"scope {token.get('scope')}")
    # Each assertion has a fresh jti; a second request works too.
    session.fetch_token(token_endpoint, grant_type="client_credentials")

    client = register(grant_types=["client_credentials"], response_types=[],
                      token_endpoint_auth_method="client_secret_jwt", scope=OB + "credential.readonly")
    session = OAuth2Session(client["client_id"], client["client_secret"], token_endpoint_auth_method="client_secret_jwt")
    session.register_client_auth_method(short_lived(ClientSecretJWT)(token_endpoint))
    token = session.fetch_token(token_endpoint, grant_type="client_credentials")
    check(token["scope"] == OB + "credential.readonly", f"scope {token.get('scope')}")

    wrong = OAuth2Session(client["client_id"], "not-the-secret", token_endpoint_auth_method="client_secret_jwt")
    wrong.register_client_auth_method(short_lived(ClientSecretJWT)(token_endpoint))
    try:
        wrong.fetch_token(token_endpoint, grant_type="client_credentials")
        raise AssertionError("an assertion signed with the wrong secret was accepted")
    except Exception as error:
        check(getattr(error, "error", None) == "invalid_client", f"unexpected {error!r}")


run("python private_key_jwt and client_secret_jwt", main)
