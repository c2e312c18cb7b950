"""Shared pieces of the fault tests: the real badgeserver binary on loopback, a small HTTP client,
the CLI, databases (SQLite files, PostgreSQL test databases, a throwaway PostgreSQL cluster), and
SQL checks of invariants that no API shows (a half-written row would break them)."""

import base64
import http.client
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse

BINARY = os.environ.get("BADGESERVER_BINARY", "")
TEST_KEK = "dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="
PG_BIN = "/usr/lib/postgresql/15/bin"
ISSUER = "https://badgeserver.test"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def random_name(n=10):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def basic(client_id, secret):
    raw = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def request(port, method, path, headers=None, body=None, form=None, timeout=10.0):
    """One request on a fresh connection; raises OSError / http.client errors when the server is gone."""
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def cli(args, stdin=""):
    env = dict(os.environ, BADGESERVER_KEY_ENCRYPTION_KEY=TEST_KEK)
    r = subprocess.run([BINARY] + args, input=stdin, capture_output=True, text=True, env=env, timeout=60)
    check(r.returncode == 0, f"badgeserver {' '.join(args[:2])} failed: {r.stderr}")
    return r.stdout


def create_admin_key(database_url):
    out = cli(["admin", "create-api-key", "--database", database_url, "--name", "faults", "--scopes", "admin"])
    return json.loads(out)["api_key"]


class Server:
    """The badgeserver binary, serving database_url on a loopback port; its log goes to a file."""

    def __init__(self, database_url, workdir, extra_args=()):
        self.database_url = database_url
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.log_path = os.path.join(workdir, f"server-{self.port}.log")
        self.proc = None

    def start(self, timeout=30.0, expect_healthy=True):
        env = dict(os.environ, BADGESERVER_KEY_ENCRYPTION_KEY=TEST_KEK)
        # One issuer across restarts on other ports: it is in every token, and part of its validity.
        args = [BINARY, "serve", "--listen", f"127.0.0.1:{self.port}", "--database", self.database_url,
                "--issuer", ISSUER]
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(args + self.extra_args, stdout=out, stderr=out, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check(self.proc.poll() is None, f"server exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                status = request(self.port, "GET", "/health", timeout=2).status
                if status == 200 or (status == 503 and not expect_healthy):
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise Failure("server did not come up: " + self.log()[-2000:])

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=30.0):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("server did not exit in time")

    def kill9(self):
        self.signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            self.wait()

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def call(self, method, path, **kwargs):
        return request(self.port, method, path, **kwargs)


def postgres_admin_url():
    url = os.environ.get("BADGESERVER_TEST_POSTGRES_URL", "")
    check(url, "BADGESERVER_TEST_POSTGRES_URL must name the test PostgreSQL server")
    return url


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, sql):
    r = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0, f"psql failed: {r.stderr}")
    return r.stdout.strip()


class Database:
    """A fresh database for one test: a SQLite file in workdir, or a new PostgreSQL database."""

    def __init__(self, kind, workdir, admin_url=None):
        self.kind = kind
        if kind == "sqlite":
            self.path = os.path.join(workdir, "badgeserver.db")
            self.url = "sqlite:" + self.path
        else:
            self.admin_url = admin_url or postgres_admin_url()
            self.name = "bs_faults_" + random_name()
            psql(self.admin_url, f"CREATE DATABASE {self.name}")
            self.url = with_database(self.admin_url, self.name)

    @classmethod
    def existing_sqlite(cls, path):
        db = cls.__new__(cls)
        db.kind, db.path, db.url = "sqlite", path, "sqlite:" + path
        return db

    def scalar(self, sql):
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as c:
                return c.execute(sql).fetchone()[0]
        return psql(self.url, sql)

    def drop(self):
        if self.kind == "postgres":
            psql(self.admin_url, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


# Invariants of a consistent store: each query counts violations.
INVARIANTS = {
    "a confidential client without its secret hash":
        "SELECT count(*) FROM oauth_clients WHERE token_endpoint_auth_method IN "
        "('client_secret_basic', 'client_secret_post') AND client_secret_hash IS NULL",
    "a consent without a ledger entry":
        "SELECT count(*) FROM oauth_consents c WHERE NOT EXISTS "
        "(SELECT 1 FROM oauth_consent_ledger l WHERE l.consent_id = c.id)",
    "a consent whose latest ledger scope differs from it":
        "SELECT count(*) FROM oauth_consents c WHERE c.scope <> (SELECT l.scope FROM oauth_consent_ledger l "
        "WHERE l.consent_id = c.id ORDER BY l.id DESC LIMIT 1)",
    "a revoked consent whose ledger does not end in its revocation":
        "SELECT count(*) FROM oauth_consents c WHERE c.revoked_at IS NOT NULL AND 'revoked' <> "
        "(SELECT l.action FROM oauth_consent_ledger l WHERE l.consent_id = c.id ORDER BY l.id DESC LIMIT 1)",
    "a token of a client that does not exist":
        "SELECT count(*) FROM oauth_tokens t WHERE NOT EXISTS "
        "(SELECT 1 FROM oauth_clients c WHERE c.client_id = t.client_id)",
}


def check_invariants(db):
    for what, sql in INVARIANTS.items():
        n = int(db.scalar(sql))
        check(n == 0, f"half-written state: {n} x {what}")


class ThrowawayPostgres:
    """A private PostgreSQL 15 cluster in a temp dir on its own port, so that stopping it disturbs
    nobody else's tests. Runs as the postgres user (initdb refuses root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="bs-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.user = "postgres"
        shutil.chown(self.dir, self.user, self.user)
        os.chmod(self.dir, 0o700)
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write("postgres\n")
        shutil.chown(pwfile, self.user, self.user)
        self._as_postgres([f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "--pwfile", pwfile,
                           "-A", "md5", "--no-sync"])
        self.url = f"postgresql://postgres:postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, args):
        cmd = args if os.geteuid() != 0 else ["runuser", "-u", self.user, "--"] + args
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"{os.path.basename(args[0])} failed: {r.stdout} {r.stderr}")

    def start(self):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-o", opts, "-l",
                           os.path.join(self.dir, "pg.log"), "-w", "-t", "60", "start"])

    def stop(self, mode="fast"):
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"])

    def destroy(self):
        try:
            self.stop("immediate")
        except Failure:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def run(main):
    """Runs a test body with a temp workdir; exit status 0 on success, 1 on failure, 77 to skip."""
    workdir = tempfile.mkdtemp(prefix="bs-faults-")
    try:
        main(workdir)
        log("PASS")
        return 0
    except Failure as e:
        log(f"FAIL: {e}")
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def register_confidential(server):
    r = server.call("POST", "/oauth/register", body={
        "client_name": "fault client", "grant_types": ["client_credentials", "authorization_code"],
        "response_types": ["code"], "redirect_uris": ["https://app.example.org/cb"],
        "token_endpoint_auth_method": "client_secret_basic", "scope": SCOPE})
    return r


def learner_token(server, admin_key, email="learner@example.org"):
    """An access token of a user (a learner) for the Open Badges API: a user, a public client with a
    consent granted through the admin API, then authorize (with the user's session) and PKCE."""
    admin = {"X-API-Key": admin_key}
    password = "correct horse battery staple"
    r = server.call("POST", "/api/v1/users", body={"email": email, "password": password, "name": "Learner"},
                    headers=admin)
    check(r.status == 201, f"user creation answered {r.status}: {r.body}")
    user_id = r.json()["id"]
    r = server.call("POST", "/auth/login", body={"email": email, "password": password})
    check(r.status == 200, f"login answered {r.status}: {r.body}")
    session = r.json()["access_token"]
    redirect = "https://wallet.example.org/cb"
    r = server.call("POST", "/oauth/register", body={
        "client_name": "fault wallet", "redirect_uris": [redirect], "grant_types": ["authorization_code"],
        "token_endpoint_auth_method": "none", "scope": SCOPE})
    check(r.status == 201, f"wallet registration answered {r.status}: {r.body}")
    wallet = r.json()["client_id"]
    r = server.call("POST", "/api/v1/consents", body={"subject": user_id, "client_id": wallet,
                                                      "grant_scope": [SCOPE]}, headers=admin)
    check(r.status in (200, 201), f"consent answered {r.status}: {r.body}")
    verifier = random_name(43)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({"response_type": "code", "client_id": wallet, "redirect_uri": redirect,
                                    "scope": SCOPE, "code_challenge": challenge,
                                    "code_challenge_method": "S256"})
    r = server.call("GET", "/oauth/authorize?" + query,
                    headers={"Authorization": "Bearer " + session, "Accept": "application/json"})
    check(r.status == 200 and "redirect_to" in (r.json() or {}), f"authorize answered {r.status}: {r.body}")
    code = urllib.parse.parse_qs(urllib.parse.urlparse(r.json()["redirect_to"]).query)["code"][0]
    r = server.call("POST", "/oauth/token", form={"grant_type": "authorization_code", "client_id": wallet,
                                                  "code": code, "redirect_uri": redirect,
                                                  "code_verifier": verifier})
    check(r.status == 200, f"code exchange answered {r.status}: {r.body}")
    return r.json()["access_token"]


def client_credentials_token(server, client_id, secret, timeout=10.0):
    return server.call("POST", "/oauth/token", form={"grant_type": "client_credentials"},
                       headers={"Authorization": basic(client_id, secret)}, timeout=timeout)


def introspect(server, admin_key, token):
    r = server.call("POST", "/oauth/introspect", form={"token": token}, headers={"X-API-Key": admin_key})
    check(r.status == 200, f"introspection answered {r.status}: {r.body}")
    return r.json()


def exit_with(main):
    sys.exit(run(main))


# client_credentials tokens get no row by default; the fault tests check that every acknowledged
# token's row survives, so their servers keep one.
RECORD_CLIENT_TOKENS = ("--record-client-credentials-tokens", "true")


def recorded_jtis(server, admin_key, client_id):
    """The jtis of every token record of a client in the database (introspection alone would not
    tell: it verifies the signature, not the record)."""
    jtis, cursor = set(), None
    while True:
        path = f"/api/v1/tokens?client_id={urllib.parse.quote(client_id)}&limit=200&include_inactive=true"
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        r = server.call("GET", path, headers={"X-API-Key": admin_key})
        check(r.status == 200, f"admin tokens API answered {r.status}: {r.body}")
        page = r.json()
        jtis.update(item["jti"] for item in page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return jtis


def check_recorded(server, admin_key, tokens):
    """tokens: access tokens the server acknowledged; each must have its record."""
    by_client = {}
    for token in tokens:
        claims = jwt_claims(token)
        by_client.setdefault(claims["client_id"], set()).add(claims["jti"])
    for client_id, jtis in by_client.items():
        missing = jtis - recorded_jtis(server, admin_key, client_id)
        check(not missing, f"{len(missing)} acknowledged tokens of {client_id} have no record: {sorted(missing)[:3]}")
