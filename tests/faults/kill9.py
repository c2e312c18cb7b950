#!/usr/bin/env python3
"""kill -9 under load: several clients register OAuth clients, get tokens, grant consents and revoke
tokens while the server is killed at random moments; after each restart every acknowledged write must
be there (and every acknowledged revocation still in force), and the store must hold no half-written
state. Usage: kill9.py sqlite|postgres"""

import random
import sys
import threading
import time

import harness as h

ROUNDS = 4
WORKERS = 6


class Ledger:
    """What the server acknowledged, from every round."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clients = {}       # client_id -> secret
        self.tokens = {}        # jti -> (token, client_id)
        self.revoked = set()    # jtis
        self.revoke_attempted = set()  # jtis whose revocation was sent: unacknowledged, it may or may not hold
        self.consents = {}      # consent id -> client_id
        self.revoked_consents = set()

    def count(self):
        with self.lock:
            return (f"{len(self.clients)} clients, {len(self.tokens)} tokens, {len(self.revoked)} revocations, "
                    f"{len(self.consents)} consents, {len(self.revoked_consents)} consent revocations")


def worker(server, admin_key, subject, ledger, stop, rng):
    admin = {"X-API-Key": admin_key}
    mine = []  # (client_id, secret) registered by this worker
    while not stop.is_set():
        try:
            action = rng.random()
            if not mine or action < 0.25:
                r = h.register_confidential(server)
                if r.status == 201:
                    j = r.json()
                    with ledger.lock:
                        ledger.clients[j["client_id"]] = j["client_secret"]
                    mine.append((j["client_id"], j["client_secret"]))
            elif action < 0.6:
                cid, secret = rng.choice(mine)
                r = h.client_credentials_token(server, cid, secret)
                if r.status == 200:
                    token = r.json()["access_token"]
                    with ledger.lock:
                        ledger.tokens[h.jwt_claims(token)["jti"]] = (token, cid)
            elif action < 0.8:
                with ledger.lock:
                    live = [(j, t, c) for j, (t, c) in ledger.tokens.items()
                            if j not in ledger.revoked and c in dict(mine)]
                if live:
                    jti, token, cid = rng.choice(live)
                    with ledger.lock:
                        ledger.revoke_attempted.add(jti)
                    r = server.call("POST", "/oauth/revoke", form={"token": token},
                                    headers={"Authorization": h.basic(cid, dict(mine)[cid])})
                    if r.status == 200:
                        with ledger.lock:
                            ledger.revoked.add(jti)
            elif action < 0.93:
                cid, _ = rng.choice(mine)
                r = server.call("POST", "/api/v1/consents", headers=admin,
                                body={"subject": subject, "client_id": cid, "grant_scope": [h.SCOPE]})
                if r.status == 201:
                    with ledger.lock:
                        ledger.consents[r.json()["id"]] = cid
            else:
                with ledger.lock:
                    live = [c for c in ledger.consents if c not in ledger.revoked_consents]
                if live:
                    cid = rng.choice(live)
                    r = server.call("DELETE", f"/api/v1/consents/{cid}", headers=admin)
                    if r.status == 204:
                        with ledger.lock:
                            ledger.revoked_consents.add(cid)
        except (OSError, h.http.client.HTTPException):
            if stop.is_set():
                return
            time.sleep(0.01)  # the server is down or restarting: this write was never acknowledged


def verify(server, admin_key, ledger, db):
    admin = {"X-API-Key": admin_key}
    with ledger.lock:
        clients = dict(ledger.clients)
        tokens = dict(ledger.tokens)
        revoked = set(ledger.revoked)
        attempted = set(ledger.revoke_attempted)
        consents = dict(ledger.consents)
        revoked_consents = set(ledger.revoked_consents)
    h.check_recorded(server, admin_key, [t for t, _ in tokens.values()])
    for cid in clients:
        r = server.call("GET", f"/api/v1/clients/{cid}", headers=admin)
        h.check(r.status == 200, f"acknowledged client {cid} is gone: {r.status}")
    for jti, (token, cid) in tokens.items():
        active = h.introspect(server, admin_key, token).get("active")
        if jti in revoked:
            h.check(active is False, f"acknowledged revocation of {jti} was lost")
        elif jti not in attempted:
            h.check(active is True, f"acknowledged token {jti} of {cid} is not active")
    for consent_id in consents:
        r = server.call("GET", f"/api/v1/consents/{consent_id}", headers=admin)
        h.check(r.status == 200, f"acknowledged consent {consent_id} is gone: {r.status}")
        revoked_at = r.json().get("revoked_at")
        if consent_id in revoked_consents:
            h.check(revoked_at is not None, f"acknowledged consent revocation {consent_id} was lost")
        ledger_r = server.call("GET", f"/api/v1/consents/{consent_id}/ledger", headers=admin)
        h.check(ledger_r.status == 200 and ledger_r.json()["items"], f"consent {consent_id} has no ledger")
    # The secret of a sample of clients still authenticates (its hash was written with the client).
    for cid, secret in list(clients.items())[:20]:
        r = h.client_credentials_token(server, cid, secret)
        h.check(r.status == 200, f"client {cid} cannot authenticate after restart: {r.status} {r.body}")
    h.check_invariants(db)


def main(workdir):
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    seed = int(time.time())
    h.log(f"kill -9 test on {kind}, seed {seed}")
    rng = random.Random(seed)
    db = h.Database(kind, workdir)
    try:
        admin_key = h.create_admin_key(db.url)
        ledger = Ledger()
        server = h.Server(db.url, workdir, h.RECORD_CLIENT_TOKENS).start()
        r = server.call("POST", "/api/v1/users", headers={"X-API-Key": admin_key},
                        body={"email": "learner@example.org", "password": "correct horse battery", "name": "L"})
        h.check(r.status == 201, f"cannot create the user: {r.body}")
        subject = r.json()["id"]
        for round_no in range(1, ROUNDS + 1):
            stop = threading.Event()
            threads = [threading.Thread(target=worker, args=(server, admin_key, subject, ledger, stop,
                                                             random.Random(rng.random())))
                       for _ in range(WORKERS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(1.0, 3.0))
            server.kill9()
            stop.set()
            for t in threads:
                t.join()
            h.log(f"round {round_no}: killed; so far {ledger.count()}")
            server = h.Server(db.url, workdir, h.RECORD_CLIENT_TOKENS).start()
            verify(server, admin_key, ledger, db)
            h.log(f"round {round_no}: every acknowledged write is there")
        h.check(len(ledger.tokens) > 0 and len(ledger.clients) > 0, "the load produced no writes")
        server.stop()
    finally:
        db.drop()


if __name__ == "__main__":
    h.exit_with(main)
