#!/usr/bin/env python3
"""PostgreSQL outage while serving: a private PostgreSQL cluster (never the shared one) is stopped
under a running badgeserver. Requests must fail fast with 503 and a clear error, /health must say
so, and once PostgreSQL is back the same badgeserver process must serve again, with nothing lost."""

import time

import harness as h

FAIL_FAST_SECONDS = 3.0


def timed(fn):
    started = time.monotonic()
    r = fn()
    return r, time.monotonic() - started


def main(workdir):
    pg = h.ThrowawayPostgres()
    try:
        pg.start()
        h.psql(pg.url, "CREATE DATABASE bs")
        url = h.with_database(pg.url, "bs")
        admin_key = h.create_admin_key(url)
        admin = {"X-API-Key": admin_key}
        server = h.Server(url, workdir, h.RECORD_CLIENT_TOKENS).start()
        reg = h.register_confidential(server)
        h.check(reg.status == 201, f"registration failed: {reg.body}")
        cid, secret = reg.json()["client_id"], reg.json()["client_secret"]
        before = h.client_credentials_token(server, cid, secret)
        h.check(before.status == 200, f"token failed: {before.body}")
        token = before.json()["access_token"]
        # The Open Badges listing is read by the network threads through their own pipelined
        # PostgreSQL connections (not the pool): it must ride out the outage the same way.
        learner = {"Authorization": "Bearer " + h.learner_token(server, admin_key)}
        for _ in range(6):  # each network thread connects its pipeline on first use
            r = server.call("GET", "/ims/ob/v3p0/credentials", headers=learner)
            h.check(r.status == 200, f"credentials listing failed: {r.status} {r.body}")

        h.log("stopping PostgreSQL")
        pg.stop("fast")
        for name, call in [
            ("health", lambda: server.call("GET", "/health")),
            ("token", lambda: h.client_credentials_token(server, cid, secret)),
            ("registration", lambda: h.register_confidential(server)),
            ("admin API", lambda: server.call("GET", "/api/v1/users", headers=admin)),
            ("introspection", lambda: server.call("POST", "/oauth/introspect", form={"token": token},
                                                  headers=admin)),
            ("credentials listing", lambda: server.call("GET", "/ims/ob/v3p0/credentials", headers=learner)),
        ]:
            for attempt in range(2):  # the first call may find a pooled connection broken, the second none
                r, seconds = timed(call)
                h.log(f"outage: {name} -> {r.status} in {seconds:.2f}s {r.body[:120]}")
                h.check(r.status == 503, f"{name} during the outage answered {r.status}: {r.body}")
                h.check(seconds < FAIL_FAST_SECONDS, f"{name} took {seconds:.1f}s to fail")
                body = r.json() or {}
                if name == "health":
                    h.check(body.get("status") == "unavailable", f"/health body: {r.body}")
                    h.check("database" in body.get("error", ""), f"/health does not name the database: {r.body}")
                elif name == "credentials listing":  # the Open Badges API's own error shape
                    h.check(body.get("imsx_codeMajor") == "failure", f"{name} error body: {r.body}")
                    h.check("PostgreSQL" in body.get("imsx_description", ""), f"unclear error: {r.body}")
                else:
                    h.check(body.get("error") == "temporarily_unavailable", f"{name} error body: {r.body}")
                    h.check("PostgreSQL" in body.get("error_description", ""), f"unclear error: {r.body}")
                    # libpq's reason names the database server's address: the log gets it, clients not.
                    h.check(str(pg.port) not in r.body, f"{name} 503 names the database server's port: {r.body}")
                h.check(r.headers.get("cache-control") == "no-store", f"{name} 503 is cacheable")
        h.check(str(pg.port) in server.log(), "the server log lacks libpq's reason for the outage")
        pid = server.proc.pid
        h.check(server.proc.poll() is None, "badgeserver died during the outage")

        h.log("starting PostgreSQL again")
        pg.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if server.call("GET", "/health").status == 200:
                break
            time.sleep(0.2)
        h.check(server.call("GET", "/health").status == 200, "service did not resume")
        h.check(server.proc.pid == pid and server.proc.poll() is None, "badgeserver was restarted")
        after = h.client_credentials_token(server, cid, secret)
        h.check(after.status == 200, f"token after the outage: {after.status} {after.body}")
        h.check(h.introspect(server, admin_key, token).get("active") is True, "the token from before is lost")
        h.check(h.introspect(server, admin_key, after.json()["access_token"]).get("active") is True,
                "the new token is not recorded")
        h.check(h.register_confidential(server).status == 201, "registration after the outage failed")
        for _ in range(6):
            r = server.call("GET", "/ims/ob/v3p0/credentials", headers=learner)
            h.check(r.status == 200, f"credentials listing after the outage: {r.status} {r.body}")
        h.check_recorded(server, admin_key, [token, after.json()["access_token"]])
        server.stop()
        h.check(server.proc.returncode == 0, f"exit status {server.proc.returncode}: {server.log()[-4000:]}")
    finally:
        pg.destroy()


if __name__ == "__main__":
    h.exit_with(main)
