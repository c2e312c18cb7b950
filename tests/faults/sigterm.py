#!/usr/bin/env python3
"""Graceful shutdown on SIGTERM: requests the server has read when the signal arrives (slow Argon2id
logins, a stream of token requests) all get complete answers, the process exits 0, and every token
it acknowledged is in the database afterwards (the group-commit batch was flushed).
Usage: sigterm.py sqlite|postgres"""

import http.client
import signal
import sys
import threading
import time

import harness as h

LOGINS = 8
TOKEN_STREAMS = 6
PASSWORD = "correct horse battery"


def main(workdir):
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    db = h.Database(kind, workdir)
    try:
        admin_key = h.create_admin_key(db.url)
        server = h.Server(db.url, workdir, h.RECORD_CLIENT_TOKENS).start()
        r = server.call("POST", "/api/v1/users", headers={"X-API-Key": admin_key},
                        body={"email": "learner@example.org", "password": PASSWORD, "name": "L"})
        h.check(r.status == 201, f"cannot create the user: {r.body}")
        reg = h.register_confidential(server)
        cid, secret = reg.json()["client_id"], reg.json()["client_secret"]

        lock = threading.Lock()
        problems = []
        tokens = []
        logins = []
        stop = threading.Event()

        # Keep-alive connections opened (and used once) before the signal, so the slow requests below
        # are certainly read by the server before it stops.
        def login_on_open_connection(ready, go):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            try:
                conn.request("GET", "/health")
                conn.getresponse().read()
                ready.release()
                go.wait()
                conn.request("POST", "/auth/login", body=f'{{"email":"learner@example.org","password":"{PASSWORD}"}}',
                             headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                body = resp.read()
                with lock:
                    logins.append((resp.status, body))
            except Exception as e:  # noqa: BLE001 - any failure here is the finding
                with lock:
                    problems.append(f"in-flight login lost: {e!r}")
            finally:
                conn.close()

        def token_stream():
            while not stop.is_set():
                try:
                    t = h.client_credentials_token(server, cid, secret, timeout=60)
                except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                        http.client.RemoteDisconnected):
                    return  # not accepted or not read before the listener closed: never acknowledged
                except Exception as e:  # noqa: BLE001 - a truncated or garbled answer is the finding
                    with lock:
                        problems.append(f"token request failed: {e!r}")
                    return
                if t.status == 200:
                    with lock:
                        tokens.append(t.json()["access_token"])
                elif t.status != 503:
                    with lock:
                        problems.append(f"token request answered {t.status}: {t.body}")

        ready = threading.Semaphore(0)
        go = threading.Event()
        login_threads = [threading.Thread(target=login_on_open_connection, args=(ready, go)) for _ in range(LOGINS)]
        for t in login_threads:
            t.start()
        for _ in range(LOGINS):
            h.check(ready.acquire(timeout=30), "could not open the connections")
        streams = [threading.Thread(target=token_stream) for _ in range(TOKEN_STREAMS)]
        for t in streams:
            t.start()
        time.sleep(0.5)
        go.set()
        time.sleep(0.2)  # the logins are read and hashing (Argon2id), the token streams mid-flight
        h.log(f"SIGTERM with {len(tokens)} tokens acknowledged so far")
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        h.log(f"exited {code} {time.monotonic() - signalled:.2f}s after SIGTERM")
        stop.set()
        for t in login_threads + streams:
            t.join()
        h.check(not problems, "; ".join(problems[:5]) + " log: " + server.log()[-1500:])
        h.check(code == 0, f"exit status {code}: {server.log()[-1000:]}")
        h.check(len(logins) == LOGINS, f"{len(logins)} of {LOGINS} in-flight logins answered")
        for status, body in logins:
            h.check(status == 200 and b"access_token" in body, f"in-flight login answered {status}: {body[:200]}")
        h.check("stopped" in server.log(), "no orderly stop in the log")
        h.log(f"{len(tokens)} tokens acknowledged; checking them after a restart")
        h.check(tokens, "no token was acknowledged")

        server = h.Server(db.url, workdir, h.RECORD_CLIENT_TOKENS).start()
        h.check_recorded(server, admin_key, tokens)
        for token in tokens:
            h.check(h.introspect(server, admin_key, token).get("active") is True,
                    f"acknowledged token {h.jwt_claims(token)['jti']} is not in the database")
        server.stop()
    finally:
        db.drop()


if __name__ == "__main__":
    h.exit_with(main)
