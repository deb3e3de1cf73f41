"""Saves per second with concurrent clients against ``gunicorn -w 4``, and the conflict rate.

    python benchmarks/concurrent_saves.py [--clients 8] [--seconds 20] [--database-url URL]

Starts gunicorn on a fresh instance (SQLite by default, or the database you
name), creates one 40-paragraph article and one API token per client, then
each client loops: GET the latest revision, change one random paragraph, PUT
with that base. A 200 is a save (``merged`` when another save came between);
a 409 is a conflict (two clients changed the same paragraph at once). Prints
saves/s, the conflict rate and latency percentiles.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.gunicorn_server import gunicorn  # noqa: E402
from wiki import accounts, create_app, db, revisions  # noqa: E402
from wiki.models import Role  # noqa: E402

PARAGRAPHS = 40


def call(url, method, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp())
    url_db = args.database_url or f"sqlite:///{instance / 'wiki.db'}"
    schema = None
    if url_db.startswith("postgresql"):
        # A schema of its own, dropped afterwards: the benchmark never touches the database's other tables.
        import sqlalchemy as sa

        schema = f"bench_{random.randrange(10**9)}"
        admin = sa.create_engine(url_db)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url_db += ("&" if "?" in url_db else "?") + f"options=-csearch_path%3D{schema},public"
    # Auto-approve every role, so each save also moves the stable pointer and reindexes.
    env = {"WIKI_AUTO_APPROVE_ROLES": "editor,clinician,reviewer,admin"}
    with gunicorn(instance, database_url=url_db, extra_env=env) as base_url:
        app = create_app({"INSTANCE_DIR": str(instance), "DATABASE_URL": url_db})
        with app.app_context():
            session = db.session()
            author = accounts.create_user(session, f"seed{random.randrange(10**9)}", "a long password",
                                          role=Role.REVIEWER, hash_method="pbkdf2:sha256:1000")
            title = f"Bench {random.randrange(10**9)}"
            text = "".join(f"Paragraph {i}: asthma treatment note.\n\n" for i in range(PARAGRAPHS))
            slug = revisions.create_article(session, title, text, summary="", author=author).revision.article.slug
            tokens = [accounts.create_token(session, accounts.create_user(
                session, f"client{i}x{random.randrange(10**9)}", "a long password",
                hash_method="pbkdf2:sha256:1000")) for i in range(args.clients)]
        db.database(app).engine.dispose()

        stop = time.monotonic() + args.seconds
        counts = {"saved": 0, "merged": 0, "conflict": 0, "other": 0}
        latencies: list[float] = []
        lock = threading.Lock()

        def client(i: int) -> None:
            rng = random.Random(i)
            n = 0
            while time.monotonic() < stop:
                status, article = call(f"{base_url}/api/v1/articles/{slug}?version=latest", "GET")
                paragraphs = article["text"].split("\n\n")
                k = rng.randrange(PARAGRAPHS)
                paragraphs[k] = f"Paragraph {k}: changed by client {i}, edit {n}."
                n += 1
                started = time.perf_counter()
                status, body = call(f"{base_url}/api/v1/articles/{slug}", "PUT", tokens[i],
                                    {"text": "\n\n".join(paragraphs), "summary": "bench",
                                     "base_revision": article["revision"]["id"]})
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status == 200:
                        counts["saved"] += 1
                        counts["merged"] += bool(body.get("merged"))
                    elif status == 409:
                        counts["conflict"] += 1
                    else:
                        counts["other"] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    if schema is not None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    attempts = sum(counts[k] for k in ("saved", "conflict", "other"))
    latencies.sort()
    backend = url_db.split(":", 1)[0]
    print(f"{backend}, gunicorn -w 4, {args.clients} clients, {elapsed:.1f} s, {PARAGRAPHS} paragraphs")
    print(f"saves/s: {counts['saved'] / elapsed:.1f}  (saved {counts['saved']}, of which merged {counts['merged']})")
    print(f"conflicts: {counts['conflict']} of {attempts} attempts ({counts['conflict'] / max(attempts, 1):.1%}); "
          f"other errors: {counts['other']}")
    print(f"PUT latency: median {statistics.median(latencies):.0f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.0f} ms")


if __name__ == "__main__":
    main()
