"""Shared by the Python examples: the environment, the admin API, and the interaction calls a host's
front end makes. Uses requests (python3-requests); the OAuth client side is authlib's."""
import os
import secrets
import sys
from urllib.parse import parse_qs, urlsplit

import requests

BASE_URL = os.environ.get("BASE_URL", "").rstrip("/")
ADMIN_API_KEY = os.environ.get("ADMIN_API_KEY", "")
if not BASE_URL or not ADMIN_API_KEY:
    sys.exit("set BASE_URL and ADMIN_API_KEY")

OB = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
REDIRECT_URI = "https://app.example.org/callback"


class Surprise(Exception):
    """Anything the server answered that the example did not expect."""


def check(condition, what):
    if not condition:
        raise Surprise(what)


def expect_status(response, status):
    check(response.status_code == status,
          f"{response.request.method} {response.url}: expected {status}, got {response.status_code}: {response.text}")
    return response.json() if response.content else None


def unique(name):
    return f"{name}-{secrets.token_hex(4)}"


def admin(method, path, body=None):
    return requests.request(method, BASE_URL + path, json=body, headers={"X-API-Key": ADMIN_API_KEY}, timeout=10)


def discover():
    metadata = expect_status(requests.get(BASE_URL + "/.well-known/oauth-authorization-server", timeout=10), 200)
    check(metadata["issuer"] == BASE_URL, f"issuer {metadata['issuer']} is not {BASE_URL}")
    return metadata


def register(**metadata):
    metadata.setdefault("client_name", unique("python"))
    return expect_status(requests.post(BASE_URL + "/oauth/register", json=metadata, timeout=10), 201)


def new_user_session():
    """A user created through the admin API and logged in: (user id, session token)."""
    email = unique("learner") + "@example.org"
    password = "correct horse battery staple"
    user = expect_status(admin("POST", "/api/v1/users", {"email": email, "password": password, "name": "Learner"}), 201)
    login = expect_status(requests.post(BASE_URL + "/auth/login", json={"email": email, "password": password},
                                        timeout=10), 200)
    return user["id"], login["access_token"]


def interact(authorization_url, session):
    """Drives the interaction as the host's front end: read it, log in, accept. Returns redirect_to."""
    # Accept: application/json makes every redirect a 200 {"redirect_to": ...}; never follow redirects
    # here: the last one goes to the client's redirect URI, which is the client's to handle.
    json_only = {"Accept": "application/json"}
    view = expect_status(requests.get(authorization_url, headers=json_only, allow_redirects=False, timeout=10), 200)
    check(view["state"] == "login_required", f"interaction state {view['state']}")
    bearer = {"Authorization": f"Bearer {session}", **json_only}
    base = f"{BASE_URL}/oauth/interactions/{view['interaction_id']}"
    login = expect_status(requests.post(base + "/login", json={}, headers=bearer, allow_redirects=False, timeout=10), 200)
    check(login["state"] == "consent_required", f"after login: {login['state']}")
    done = expect_status(requests.post(base + "/consent", json={"decision": "accept"}, headers=bearer,
                                       allow_redirects=False, timeout=10), 200)
    check(done["state"] == "completed", f"after consent: {done['state']}")
    return done["redirect_to"]


def query_param(url, name):
    return parse_qs(urlsplit(url).query).get(name, [""])[0]


def run(name, fn):
    try:
        fn()
    except Exception as error:  # any surprise, from us or from authlib, fails the example
        print(f"FAIL {name}: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"OK {name}")
