#!/usr/bin/env python3
"""Creates clients straight through Python's sqlite3, without Registrar or sqlx.

The statements of a create (client directory, client row with its triggers,
first secret), one savepoint per client, BATCH savepoints per COMMIT, on a
copy of a benchmark database with the server's pragmas (WAL,
synchronous=FULL). It answers: how many creates per second does SQLite itself
allow on this disk and database, before any HTTP or driver cost?

    python3 bench/sqlite_create_floor.py DB_FILE TENANT_ID [BATCH [COUNT]]

Run it on a copy: it adds COUNT clients. Prints one line.
"""
import hashlib
import os
import random
import string
import sqlite3
import sys
import time

ALPHABET = string.ascii_lowercase + string.digits


def rid(n):
    # Benchmark data, not credentials: the fast generator keeps Python's own
    # cost out of the figure.
    return "".join(random.choices(ALPHABET, k=n))


def main():
    path, tenant = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 8000
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   "temp_store=memory", "wal_autocheckpoint=0"):
        db.execute("PRAGMA " + pragma)
    checkpointer = sqlite3.connect(path, isolation_level=None)
    config = ('{"appType":"web","clientName":"Load test","allowedGrantTypes":["client_credentials"],'
              '"allowedScopes":["read:x"],"redirectUris":["https://load.example/cb"]}')
    start = last_checkpoint = time.monotonic()
    done = 0
    while done < count:
        db.execute("BEGIN IMMEDIATE")
        for _ in range(batch):
            db.execute("SAVEPOINT one")
            client, now = rid(32), int(time.time() * 1e6)
            db.execute("INSERT INTO client_directory (client_id, tenant_id) VALUES (?, ?)", (client, tenant))
            db.execute(
                "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, "
                "updated_at, secret_count, config) VALUES (?, ?, 'web', 'Load test', 'load test', ?, ?, 1, ?)",
                (tenant, client, now, now, config))
            db.execute(
                "INSERT INTO client_secrets (tenant_id, client_id, hint, secret_hash, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, 'floor')",
                (tenant, client, rid(5), hashlib.sha256(os.urandom(32)).digest(), now))
            db.execute("RELEASE one")
        db.execute("COMMIT")
        done += batch
        # As the server does: a passive checkpoint every 100 ms.
        if time.monotonic() - last_checkpoint > 0.1:
            checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
            last_checkpoint = time.monotonic()
    elapsed = time.monotonic() - start
    rate = done / elapsed
    probe = fsync_rate(os.path.join(os.path.dirname(os.path.abspath(path)), "fsync.probe"))
    print(f"batch {batch}: {rate:.0f} creates/s ({done} clients in {elapsed:.1f} s); "
          f"write+fsync probe {probe:.0f}/s; creates = {100 * rate / probe:.1f}% of the probe")


def fsync_rate(probe_path, seconds=3.0):
    """bench/ops.sh's probe: overwrite 4 KiB blocks of a 4 MiB file, fsync each."""
    block = os.urandom(4096)
    fd = os.open(probe_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"\0" * (4 << 20))
        os.fsync(fd)
        n, start = 0, time.monotonic()
        while time.monotonic() - start < seconds:
            os.pwrite(fd, block, (n % 1024) * 4096)
            os.fsync(fd)
            n += 1
        return n / (time.monotonic() - start)
    finally:
        os.close(fd)
        os.unlink(probe_path)


if __name__ == "__main__":
    main()
