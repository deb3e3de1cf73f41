"""Concurrent saves against a real ``gunicorn -w 4`` server: four processes, one database.

Sixteen clients PUT non-overlapping changes from the same base revision; every
change must land (merged), the history must be linear, and overlapping changes
must be refused with 409, never mixed. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from tests.conftest import FAST_HASH
from tests.gunicorn_server import gunicorn
from wiki import accounts, create_app, db, revisions
from wiki.models import Role

pytestmark = pytest.mark.slow

CLIENTS = 16


def _request(url: str, method: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


@pytest.fixture
def server(tmp_path, db_url):
    with gunicorn(tmp_path, database_url=db_url) as url:
        app = create_app({"INSTANCE_DIR": str(tmp_path), "DATABASE_URL": db_url})
        with app.app_context():
            session = db.session()
            reviewer = accounts.create_user(session, "rosa", "a long password", role=Role.REVIEWER,
                                            hash_method=FAST_HASH)
            tokens = [accounts.create_token(session, accounts.create_user(
                session, f"editor{i}", "a long password", hash_method=FAST_HASH)) for i in range(CLIENTS)]
            text = "".join(f"Paragraph {i}: original.\n\n" for i in range(CLIENTS))
            result = revisions.create_article(session, "Asthma", text, summary="", author=reviewer)
            base = result.revision.id
        db.database(app).engine.dispose()
        yield url, tokens, text, base


def _run(count, target):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        results[i] = target(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_sixteen_clients_on_four_workers_all_land(server):
    url, tokens, text, base = server

    def put(i):
        mine = text.replace(f"Paragraph {i}: original.", f"Paragraph {i}: edited by client {i}.")
        return _request(f"{url}/api/v1/articles/asthma", "PUT", tokens[i],
                        {"text": mine, "summary": f"client {i}", "base_revision": base})

    results = _run(CLIENTS, put)
    assert [status for status, _ in results] == [200] * CLIENTS, results
    status, article = _request(f"{url}/api/v1/articles/asthma?version=latest", "GET")
    for i in range(CLIENTS):
        assert f"Paragraph {i}: edited by client {i}." in article["text"]
    status, page = _request(f"{url}/api/v1/articles/asthma/revisions?limit=200", "GET")
    history = page["revisions"]
    assert len(history) == CLIENTS + 1
    assert all(newer["parent_id"] == older["id"] for newer, older in zip(history, history[1:], strict=False))


def test_overlapping_changes_on_four_workers_conflict_and_never_mix(server):
    url, tokens, text, base = server
    doses = ["10 mg", "2.5 mg", "7 mg", "20 mg", "1 mg", "3 mg", "15 mg", "40 mg"]

    def put(i):
        mine = text.replace("Paragraph 0: original.", f"Paragraph 0: give {doses[i]} daily.")
        return _request(f"{url}/api/v1/articles/asthma", "PUT", tokens[i],
                        {"text": mine, "summary": "", "base_revision": base})

    results = _run(len(doses), put)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (len(doses) - 1), results
    assert all(body.get("error") == "edit_conflict" for status, body in results if status == 409)
    _, article = _request(f"{url}/api/v1/articles/asthma?version=latest", "GET")
    assert sum(f"give {d} daily" in article["text"] for d in doses) == 1
