#!/usr/bin/env python3
"""SQLite on storage that does not take writes. disk_full: a small tmpfs fills up while serving;
writes must fail with 503 and a clear error, reads keep working, and service resumes once space is
freed, without a restart. read_only: the file system is remounted read-only (Linux refuses that
while the server holds the file open for writing, so between two runs); the server must refuse to
start with a clear error rather than serve half a database. Both: nothing acknowledged is lost and
the file passes PRAGMA integrity_check. Needs mount (root); exits 77 (skip) with the reason when
mounting is impossible. Usage: storage_faults.py disk_full|read_only"""

import os
import subprocess
import sqlite3
import sys

import harness as h

SKIP = 77


def sh(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def fill(path):
    """Writes until the file system is full."""
    chunk = b"\0" * 65536
    with open(path, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
    try:
        os.sync()
    except OSError:
        pass


def expect_write_refused(server, cid, secret, what):
    for attempt in range(3):
        r = h.client_credentials_token(server, cid, secret)
        h.log(f"{what}: token -> {r.status} {r.body[:120]}")
        h.check(r.status == 503, f"a write on {what} answered {r.status}: {r.body}")
        body = r.json() or {}
        h.check(body.get("error") == "temporarily_unavailable", f"error body: {r.body}")
        h.check(body.get("error_description") == "database disk is full", f"unclear error for {what}: {r.body}")
        reg = h.register_confidential(server)
        h.check(reg.status == 503, f"registration on {what} answered {reg.status}: {reg.body}")


def main(workdir, mode):
    mnt = os.path.join(workdir, "mnt")
    os.makedirs(mnt)
    r = sh("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt)
    if r.returncode != 0:
        h.log(f"SKIP: cannot mount a tmpfs ({r.stderr.strip()}); this test needs root")
        sys.exit(SKIP)
    try:
        db_path = os.path.join(mnt, "badgeserver.db")
        url = "sqlite:" + db_path
        admin_key = h.create_admin_key(url)
        server = h.Server(url, workdir, h.RECORD_CLIENT_TOKENS).start()
        reg = h.register_confidential(server)
        h.check(reg.status == 201, f"registration failed: {reg.body}")
        cid, secret = reg.json()["client_id"], reg.json()["client_secret"]
        acknowledged = []
        for _ in range(5):
            t = h.client_credentials_token(server, cid, secret)
            h.check(t.status == 200, f"token failed: {t.body}")
            acknowledged.append(t.json()["access_token"])

        if mode == "disk_full":
            filler = os.path.join(mnt, "filler")
            fill(filler)
            expect_write_refused(server, cid, secret, "a full disk")
            # Reads still work: health, introspection of what was acknowledged, admin listings.
            h.check(server.call("GET", "/health").status == 200, "health fails on a full disk")
            for token in acknowledged:
                h.check(h.introspect(server, admin_key, token).get("active") is True,
                        "an acknowledged token is lost")
            h.check(server.call("GET", f"/api/v1/clients/{cid}", headers={"X-API-Key": admin_key}).status == 200,
                    "the client cannot be read")
            os.remove(filler)
            h.log("space freed")
            t = h.client_credentials_token(server, cid, secret)
            h.check(t.status == 200, f"writes did not resume: {t.status} {t.body}")
            acknowledged.append(t.json()["access_token"])
            h.check(h.register_confidential(server).status == 201, "registration did not resume")
            server.stop()
            h.check(server.proc.returncode == 0, f"exit status {server.proc.returncode}")
        else:
            server.stop()
            h.check(server.proc.returncode == 0, f"exit status {server.proc.returncode}")
            r = sh("mount", "-o", "remount,ro", mnt)
            h.check(r.returncode == 0, f"remount read-only failed: {r.stderr}")
            refused = h.Server(url, workdir, h.RECORD_CLIENT_TOKENS)
            try:
                refused.start(timeout=15)
                raise h.Failure("the server started on a read-only database")
            except h.Failure as e:
                h.check(refused.proc.poll() == 2, f"expected exit status 2, got {refused.proc.poll()}: {e}")
            h.check('"error":"database is read-only' in refused.log() and "startup failed" in refused.log(),
                    f"unclear startup error: {refused.log()[-500:]}")
            h.log("refused to start on read-only storage: " + refused.log().strip().splitlines()[-1])
            r = sh("mount", "-o", "remount,rw", mnt)
            h.check(r.returncode == 0, f"remount read-write failed: {r.stderr}")

        with sqlite3.connect(db_path) as c:
            result = c.execute("PRAGMA integrity_check").fetchone()[0]
        h.check(result == "ok", f"integrity_check: {result}")
        h.check_invariants(h.Database.existing_sqlite(db_path))
        server = h.Server(url, workdir, h.RECORD_CLIENT_TOKENS).start()
        h.check_recorded(server, admin_key, acknowledged)
        for token in acknowledged:
            h.check(h.introspect(server, admin_key, token).get("active") is True,
                    "an acknowledged token is lost after restart")
        server.stop()
    finally:
        sh("umount", "-l", mnt)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "disk_full"
    h.exit_with(lambda workdir: main(workdir, mode))
