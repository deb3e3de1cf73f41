"""Search stays complete under ``gunicorn -w 4``: every approved save becomes searchable.

Two set-ups: the workers' own drain threads competing for the Whoosh lock
(``WIKI_SEARCH_INLINE_INDEX=1``), and workers that leave the outbox to one
``flask --app wiki indexer`` process (``WIKI_SEARCH_INLINE_INDEX=0``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import FAST_HASH
from tests.gunicorn_server import gunicorn
from wiki import ROOT, accounts, create_app, db
from wiki.models import Role

pytestmark = pytest.mark.slow

WORDS = ["quokka", "axolotl", "narwhal", "pangolin", "okapi", "tapir", "dugong", "kakapo",
         "fossa", "saiga", "numbat", "aye-aye", "gharial", "markhor", "serval", "bilby"]


def _post(url, token, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status


def _found(url: str, word: str) -> bool:
    query = urllib.parse.urlencode({"q": word})
    with urllib.request.urlopen(f"{url}/api/v1/search?{query}", timeout=30) as resp:
        return any(hit["slug"] == f"{word}-syndrome" for hit in json.loads(resp.read())["results"])


@pytest.mark.parametrize("inline", ["1", "0"])
def test_every_approved_save_becomes_searchable(tmp_path, inline):
    env = {"WIKI_SEARCH_INLINE_INDEX": inline}
    with gunicorn(tmp_path, extra_env=env) as url:
        app = create_app({"INSTANCE_DIR": str(tmp_path)})
        with app.app_context():
            session = db.session()
            user = accounts.create_user(session, "rosa", "a long password", role=Role.REVIEWER,
                                        hash_method=FAST_HASH)
            token = accounts.create_token(session, user)
        db.database(app).engine.dispose()
        indexer = None
        if inline == "0":
            indexer = subprocess.Popen(
                [str(Path(sys.executable).parent / "flask"), "--app", "wiki", "indexer", "--interval", "0.2"],
                env=dict(os.environ, WIKI_INSTANCE_DIR=str(tmp_path)), cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            threads = [threading.Thread(target=_post, args=(f"{url}/api/v1/articles", token, {
                "title": f"{word.capitalize()} syndrome", "text": f"The {word} syndrome is invented.\n",
                "summary": "test"})) for word in WORDS]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            deadline = time.monotonic() + 15
            missing = list(WORDS)
            while missing and time.monotonic() < deadline:
                missing = [word for word in missing if not _found(url, word)]
                time.sleep(0.25)
            assert missing == []
        finally:
            if indexer is not None:
                indexer.terminate()
                indexer.wait(timeout=15)
