#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<name>/.

Run from the repository root when a target or our token shapes change; the output is committed.
Needs python3-cryptography (Debian) only to sign the seed tokens with the keys of fuzz/fuzz_keys.hpp.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, utils

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
KEYS = open(os.path.join(ROOT, "fuzz_keys.hpp")).read()


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwk_text(kty):
    return json.loads(re.search(r'R"\((\{"kty":"%s".*?\})\)"' % kty, KEYS).group(1))


HS = jwk_text("oct")
ES = jwk_text("EC")
ED = jwk_text("OKP")
RSA_PEM = re.search(r'kRsaPrivatePem = R"\((.*?)\)"', KEYS, re.S).group(1).strip().encode()

es_key = ec.derive_private_key(int.from_bytes(b64u_dec(ES["d"]), "big"), ec.SECP256R1())
ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(b64u_dec(ED["d"]))
rsa_key = serialization.load_pem_private_key(RSA_PEM, None)


def sign(header, payload, alg=None):
    alg = alg or header["alg"]
    h = b64u(json.dumps(header, separators=(",", ":")).encode())
    p = b64u(payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode())
    data = (h + "." + p).encode()
    if alg == "HS256":
        sig = hmac.new(b64u_dec(HS["k"]), data, hashlib.sha256).digest()
    elif alg == "ES256":
        r, s = utils.decode_dss_signature(es_key.sign(data, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "EdDSA":
        sig = ed_key.sign(data)
    elif alg == "RS256":
        sig = rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        sig = b""
    return h + "." + p + "." + b64u(sig)


def write(target, name, content):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(content if isinstance(content, bytes) else content.encode())


NOW = 1700000000
ISSUER = "http://127.0.0.1:8080"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
access = {"iss": "joe", "sub": "usr_1", "aud": "https://rs.example", "exp": NOW + 600, "iat": NOW,
          "nbf": NOW, "jti": "tok_1", "client_id": "cli_1", "scope": SCOPE}
session = {"iss": ISSUER, "sub": "usr_1", "aud": ISSUER, "exp": NOW + 900, "iat": NOW, "sid": "ses_1"}
assertion = {"iss": "cli_1", "sub": "cli_1", "aud": "https://as.example/oauth/token", "exp": NOW + 300,
             "iat": NOW, "jti": "a-1"}

for target in ("jws", "jwk", "json_body", "form", "query", "http_request", "credentials", "redirect_uri",
               "client_metadata", "scope", "client_assertion"):
    shutil.rmtree(os.path.join(ROOT, "corpus", target), ignore_errors=True)

# jws: RFC 7515 A.1 / RFC 7519 3.1 verbatim, RFC 8037 A.4, our token shapes under every key, and attacks.
write("jws", "rfc7515_a1_hs256", "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
write("jws", "rfc8037_a4_eddsa", sign({"alg": "EdDSA"}, b"Example of Ed25519 signing"))
for alg, kid in (("ES256", "es"), ("RS256", "rs"), ("EdDSA", "ed"), ("HS256", "hs")):
    write("jws", "at_jwt_" + alg, sign({"alg": alg, "typ": "at+jwt", "kid": kid}, access))
    write("jws", "session_jwt_" + alg, sign({"alg": alg, "typ": "session+jwt", "kid": kid}, session))
write("jws", "jwt_typ_strict_ok", sign({"alg": "ES256", "typ": "JWT", "kid": "es"},
                                      dict(access, aud=["https://as.example", "x"])))
write("jws", "alg_none", b64u(b'{"alg":"none","typ":"JWT"}') + "." + b64u(json.dumps(access).encode()) + ".")
write("jws", "alg_none_sig", b64u(b'{"alg":"none"}') + "." + b64u(json.dumps(access).encode()) + ".AAAA")
write("jws", "hs256_confusion", sign({"alg": "HS256", "kid": "rs"}, access))
write("jws", "crit", sign({"alg": "ES256", "crit": ["exp"], "exp": 1}, access))
write("jws", "jku_x5u", sign({"alg": "ES256", "jku": "https://evil.example/jwks", "x5u": "https://evil.example/c"}, access))
write("jws", "kid_injection", sign({"alg": "ES256", "kid": "../../../../etc/passwd' OR '1'='1"}, access))
write("jws", "expired", sign({"alg": "ES256", "typ": "JWT"}, dict(access, exp=NOW - 3600)))
write("jws", "not_yet_valid", sign({"alg": "ES256", "typ": "JWT"}, dict(access, nbf=NOW + 3600)))
write("jws", "float_dates", sign({"alg": "ES256"}, dict(access, exp=1.7e9 + 0.5, iat=-1e300)))
write("jws", "payload_object", json.dumps(access))
write("jws", "payload_nested", '{"a":{"b":[1,2.5,"x",null,true]},"exp":1e400}')

# jwk: our keys (public and private), a JWKS as clients register it, and broken members.
def public(j):
    return {k: v for k, v in j.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "k")}
rsa_pub = rsa_key.public_key().public_numbers()
rsa_jwk = {"kty": "RSA", "kid": "rs", "alg": "RS256", "use": "sig",
           "n": b64u(rsa_pub.n.to_bytes(256, "big")), "e": b64u(rsa_pub.e.to_bytes(3, "big"))}
write("jwk", "oct", json.dumps(HS))
write("jwk", "ec_private", json.dumps(ES))
write("jwk", "ec_public", json.dumps(dict(public(ES), alg="ES256", use="sig")))
write("jwk", "okp_private", json.dumps(ED))
write("jwk", "okp_public", json.dumps(public(ED)))
write("jwk", "rsa_public", json.dumps(rsa_jwk))
write("jwk", "jwks", json.dumps({"keys": [public(ES), public(ED), rsa_jwk]}))
write("jwk", "ec_off_curve", json.dumps(dict(public(ES), y=ES["x"])))
write("jwk", "alg_mismatch", json.dumps(dict(public(ES), alg="RS256")))
write("jwk", "rsa_multi_prime", json.dumps(dict(rsa_jwk, oth=[{"r": "AQAB", "d": "AQAB", "t": "AQAB"}])))
write("jwk", "private_pem", RSA_PEM)

# JSON bodies of our endpoints (registration, users, API keys, login, consent).
register = {"client_name": "my service", "grant_types": ["client_credentials"], "response_types": [],
            "token_endpoint_auth_method": "client_secret_basic", "scope": SCOPE}
web = {"client_name": "web app", "redirect_uris": ["https://app.example/cb"], "grant_types":
       ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "private_key_jwt",
       "token_endpoint_auth_signing_alg": "ES256", "jwks": {"keys": [public(ES)]}, "scope": SCOPE + " offline_access"}
ob = {"client_name": "OB app", "client_uri": "https://app.example", "logo_uri": "https://app.example/logo.png",
      "tos_uri": "https://app.example/tos", "policy_uri": "https://app.example/privacy", "software_id": "x",
      "software_version": "1.0", "redirect_uris": ["https://app.example/cb"], "scope": SCOPE,
      "client_name#fr": "appli", "contacts": ["a@app.example"]}
native = {"client_name": "cli", "application_type": "native", "token_endpoint_auth_method": "none",
          "redirect_uris": ["http://127.0.0.1/cb", "com.example.app:/cb", "http://[::1]:8080/cb"]}
for i, body in enumerate([register, web, ob, native,
                          {"email": "a@example.com", "password": "correct horse battery staple"},
                          {"name": "ci", "scopes": ["admin:clients"]},
                          {"decision": "approve", "interaction_id": "int_1"}]):
    write("json_body", "body%d" % i, b"\x00" + json.dumps(body).encode())
write("json_body", "not_object", b"\x00[1,2,3]")
write("json_body", "wrong_type", b"\x03" + json.dumps(register).encode())
write("json_body", "bad_utf8", b"\x00{\"a\":\"\xc3\x28\"}")
write("json_body", "deep", b"\x00{\"a\":" + b"[" * 200 + b"]" * 200 + b"}")
for i, body in enumerate([register, web, ob, native, dict(register, service_account=True, scope="admin:clients"),
                          dict(ob, client_id="x"), {"redirect_uris": ["https://a.example/cb#frag"]},
                          dict(web, jwks_uri="https://evil.example/jwks")]):
    write("client_metadata", "meta%d" % i, bytes([i % 8]) + json.dumps(body).encode())

# Forms of the token, revocation, introspection and PAR endpoints; the authorize query.
forms = ["grant_type=client_credentials&scope=" + SCOPE.replace(":", "%3A").replace("/", "%2F"),
         "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier=" + "a" * 43,
         "grant_type=refresh_token&refresh_token=rt_x&client_id=cli_1",
         "token=abc&token_type_hint=refresh_token",
         "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" +
         sign({"alg": "ES256"}, assertion),
         "response_type=code&client_id=cli_1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=xyz&code_challenge=" +
         "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&resource=https%3A%2F%2Frs.example",
         "a=%C3%A9+b&&=x&c&d=%zz", "x=%ff"]
for i, f in enumerate(forms):
    write("form", "form%d" % i, b"\x00" + f.encode())
    write("query", "query%d" % i, f)
write("form", "json_type", b"\x02a=b")
write("query", "page", "cursor=abc&limit=200")
write("query", "page_bad", "limit=0")
write("query", "page_zero_padded", "limit=050&cursor=")

# Raw HTTP requests: every endpoint shape, chunked bodies, pipelining and the limits.
def req(lines, body=b""):
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
reqs = [
    req(["GET /health HTTP/1.1", "Host: localhost"]),
    req(["GET /api/v1/users?limit=10&cursor=abc HTTP/1.1", "Host: localhost", "X-API-Key: bsk_abc"]),
    req(["POST /oauth/token HTTP/1.1", "Host: localhost", "Authorization: Basic Y2xpXzE6c2VjcmV0",
         "Content-Type: application/x-www-form-urlencoded", "Content-Length: 29"], b"grant_type=client_credentials"),
    req(["POST /oauth/register HTTP/1.1", "Host: localhost", "Content-Type: application/json",
         "Transfer-Encoding: chunked"], b"5\r\n{\"a\":\r\n3;ext=1\r\n\"b\"\r\n1\r\n}\r\n0\r\nTrailer: x\r\n\r\n"),
    req(["GET /a HTTP/1.1", "Host: x"]) + req(["GET /b HTTP/1.1", "Host: x", "Connection: close"]),
    req(["POST /x HTTP/1.1", "Content-Length: 99999"], b"x"),
    req(["GET / HTTP/1.1", "X-Big: " + "a" * 3000]),
    req(["POST /x HTTP/1.1", "Content-Length: 5", "Content-Length: 6"], b"hello"),
    req(["POST /x HTTP/1.1", "Transfer-Encoding: chunked", "Content-Length: 5"], b"0\r\n\r\n"),
    req(["GET /oauth/authorize?response_type=code&client_id=c HTTP/1.0"]),
    b"GET / HTTP/1.1\r\nHost: x\r\n",
    req(["GET /.well-known/jwks.json HTTP/1.1", "Host: x", "Authorization: Bearer " + sign({"alg": "ES256"}, access)]),
]
for i, r in enumerate(reqs):
    write("http_request", "req%d" % i, b"\x00" + r)
    write("http_request", "req%d_bytewise" % i, b"\x01" + r)

# Credentials headers (selector byte: 0 authorization, 1 x-api-key, 2 dpop, 3 content-type), then a form.
creds = [b"\x00Bearer " + sign({"alg": "ES256", "typ": "at+jwt"}, access).encode(),
         b"\x00Basic " + base64.b64encode(b"cli_1:s%C3%A9cret+x"),
         b"\x00Basic Y2xpXzE6",
         b"\x01bsk_0123456789abcdef",
         b"\x00Bearer a\n\x00Bearer b",
         b"\x00bearer   tok   ",
         b"\x00Basic !!!\x00client_id=cli_1&client_secret=s",
         b"\x02" + sign({"alg": "ES256", "typ": "dpop+jwt", "jwk": public(ES)}, {"htm": "POST", "htu": "https://as/token", "iat": NOW}).encode(),
         b"\x00client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=x.y.z"]
for i, c in enumerate(creds):
    write("credentials", "creds%d" % i, c)

# Redirect URIs (flags byte: 1 native, 2 strict), last line presented.
redirects = [(0, ["https://app.example/cb", "https://app.example/cb"]),
             (0, ["https://app.example/cb", "https://app.example/cb?x=1"]),
             (1, ["http://127.0.0.1/cb", "http://127.0.0.1:51234/cb"]),
             (1, ["http://[::1]/cb", "http://[::1]:8080/cb"]),
             (1, ["com.example.app:/oauth2redirect", "com.example.app:/oauth2redirect"]),
             (0, ["http://localhost/cb", "http://localhost:1/cb"]),
             (0, ["https://app.example/cb", "https://app.example/cb/../../evil"]),
             (0, ["https://app.example/cb", "https://app.example.evil.com/cb"]),
             (0, ["https://app.example/cb#x", "https://app.example/cb"]),
             (2, ["https://client.example/cb", "https://client.example/cb"]),
             (1, ["http://127.0.0.1/cb", "http://127.0.0.1:80@evil.example/cb"]),
             (1, ["http://127.0.0.1/cb", "http://[::1"]),
             (0, ["https://user:pw@app.example/cb", "https://%61pp.example/cb"])]
for i, (flags, lines) in enumerate(redirects):
    write("redirect_uri", "redirect%d" % i, bytes([flags]) + "\n".join(lines).encode())

scopes = [SCOPE, SCOPE + " offline_access " + SCOPE, "admin admin:clients", "offline_access",
          "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update   profile", "a\tb", "\"x\"", ""]
for i, s in enumerate(scopes):
    write("scope", "scope%d" % i, s)

write("client_assertion", "es256", sign({"alg": "ES256", "kid": "es"}, assertion))
write("client_assertion", "hs256", sign({"alg": "HS256"}, dict(assertion, aud=["x", "https://as.example"])))
write("client_assertion", "claims", json.dumps(assertion))
write("client_assertion", "claims_long_lived", json.dumps(dict(assertion, exp=NOW + 3600)))
write("client_assertion", "claims_other_aud", json.dumps(dict(assertion, aud="https://rs.example")))
write("client_assertion", "claims_no_jti", json.dumps({k: v for k, v in assertion.items() if k != "jti"}))
write("client_assertion", "claims_sub_differs", json.dumps(dict(assertion, sub="cli_2")))
write("client_assertion", "claims_float_exp", json.dumps(dict(assertion, exp=NOW + 299.9)))


# Dictionaries (fuzz/dict/<target>.dict): the tokens each input format is made of.
def write_dict(name, entries, comment):
    def esc(s):
        return "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else
                       ("\\" + c if c in '"\\' else "\\x%02X" % ord(c)) for c in s)
    os.makedirs(os.path.join(ROOT, "dict"), exist_ok=True)
    with open(os.path.join(ROOT, "dict", name + ".dict"), "w") as f:
        f.write("# " + comment + "\n")
        for e in entries:
            f.write('"%s"\n' % esc(e))


json_tokens = ["{", "}", "[", "]", ":", ",", '"', "true", "false", "null", "\\u0000", "\\ud800", "1e400", "-0",
               "1.5e-7", "9223372036854775808"]
claims = ['"iss"', '"sub"', '"aud"', '"exp"', '"nbf"', '"iat"', '"jti"', '"scope"', '"client_id"', '"typ"', '"alg"',
          '"kid"', '"crit"', '"jku"', '"x5u"', '"jwk"']
jws_parts = [b64u(x.encode()) for x in ['{"alg":"ES256"}', '{"alg":"RS256"}', '{"alg":"EdDSA"}', '{"alg":"HS256"}',
                                        '{"alg":"none"}', '{"alg":"ES256","typ":"at+jwt"}', '{"exp":1700000600}',
                                        '{"iss":"joe"}']]
write_dict("jws", jws_parts + [".", "eyJ", "-", "_"] + json_tokens + claims,
           "JWS compact serialization: base64url of typical headers and claims, JSON tokens")
write_dict("client_assertion", jws_parts + ["."] + json_tokens + claims +
           ['"https://as.example/oauth/token"', '"https://as.example"', "1700000000", "1700000300"],
           "RFC 7523 client assertions")
write_dict("jwk", json_tokens + ['"kty"', '"EC"', '"RSA"', '"OKP"', '"oct"', '"crv"', '"P-256"', '"Ed25519"',
                                 '"X25519"', '"x"', '"y"', '"d"', '"n"', '"e"', '"k"', '"p"', '"q"', '"dp"', '"dq"',
                                 '"qi"', '"oth"', '"alg"', '"use"', '"sig"', '"kid"', '"keys"', '"AQAB"',
                                 "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"], "JWK / JWK Set members")
metadata_tokens = ['"redirect_uris"', '"grant_types"', '"response_types"', '"token_endpoint_auth_method"',
                   '"token_endpoint_auth_signing_alg"', '"jwks"', '"jwks_uri"', '"client_name"', '"client_name#fr"',
                   '"client_uri"', '"logo_uri"', '"tos_uri"', '"policy_uri"', '"software_id"', '"software_version"',
                   '"scope"', '"contacts"', '"application_type"', '"native"', '"web"', '"service_account"',
                   '"authorization_code"', '"refresh_token"', '"client_credentials"', '"code"', '"none"',
                   '"client_secret_basic"', '"client_secret_post"', '"client_secret_jwt"', '"private_key_jwt"',
                   '"admin"', '"admin:clients"', '"offline_access"', '"https://"', '"http://127.0.0.1"',
                   '"com.example.app:/cb"']
write_dict("client_metadata", json_tokens + metadata_tokens, "RFC 7591 client metadata")
write_dict("json_body", json_tokens + metadata_tokens, "JSON request bodies")
form_tokens = ["&", "=", "+", "%", "%00", "%C3%A9", "%ff", "grant_type", "client_id", "client_secret", "code",
               "redirect_uri", "code_verifier", "refresh_token", "scope", "resource", "client_assertion",
               "client_assertion_type", "token", "state", "limit", "cursor"]
write_dict("form", form_tokens, "form encoding and OAuth parameter names")
write_dict("query", form_tokens, "query strings")
write_dict("http_request", ["GET ", "POST ", " HTTP/1.1\r\n", " HTTP/1.0\r\n", "\r\n", "\r\n\r\n", "Host: ",
                            "Content-Length: ", "Transfer-Encoding: chunked\r\n", "Connection: close\r\n",
                            "Connection: keep-alive\r\n", "Expect: 100-continue\r\n",
                            "Content-Type: application/json\r\n",
                            "Content-Type: application/x-www-form-urlencoded\r\n", "Authorization: Bearer ",
                            "Authorization: Basic ", "X-API-Key: ", "0\r\n\r\n", ";ext=", "?", "%"],
           "HTTP/1.1 request syntax")
write_dict("credentials", ["Bearer ", "Basic ", "bearer ", "BASIC ", " ", "\n", "\x00", ":", "%3A", "=", "bsk_",
                           "client_id=", "client_secret=", "client_assertion="], "credential headers and forms")
write_dict("redirect_uri", ["https://", "http://", "http://127.0.0.1", "http://[::1]", "http://localhost", ":8080",
                            "/cb", "?", "#", "@", "%2F", "%2e%2e", "..", "\\", "com.example.app:", "\n", "[", "]"],
           "redirect URIs")
write_dict("scope", [SCOPE, SCOPE.replace("credential.readonly", "credential.upsert"),
                     SCOPE.replace("credential", "profile"), SCOPE.replace("credential.readonly", "profile.update"),
                     "offline_access", "admin", "admin:", " "], "scopes")
