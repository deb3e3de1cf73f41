"""Start a real ``gunicorn -w 4 'wiki:create_app()'`` on a free local port, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from wiki import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(instance: Path, *, database_url: str | None = None, workers: int = 4, extra_env: dict | None = None):
    """Yield the base URL of a gunicorn server whose database already has its schema."""
    env = dict(os.environ, WIKI_INSTANCE_DIR=str(instance), WIKI_LOAD_CONTENT="0",
               WIKI_RATELIMIT_STORAGE_URI="memory://", **(extra_env or {}))
    if database_url:
        env["WIKI_DATABASE_URL"] = database_url
    bindir = Path(sys.executable).parent
    subprocess.run([str(bindir / "flask"), "--app", "wiki", "init-db"], env=env, check=True, cwd=ROOT,
                   capture_output=True)
    port = free_port()
    log = open(instance / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(bindir / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--graceful-timeout", "5", "wiki:create_app()"],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/api/v1/articles", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {(instance / 'gunicorn.log').read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
