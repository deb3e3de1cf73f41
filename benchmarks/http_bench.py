"""Page view and save latency over real HTTP against a running wiki.

    python run.py --port 5055 &                                  # or gunicorn
    flask --app wiki user create bench --role reviewer --password 'bench password'
    python benchmarks/http_bench.py http://127.0.0.1:5055 --user bench --password 'bench password'

Times N sequential GETs of an article page and N saves through the browser's
edit form (GET the form for its CSRF token and base revision, then POST), one
client, keep-alive off (urllib), and prints median / p95 per request.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import time
import urllib.parse
import urllib.request

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE = re.compile(r'name="base_revision"[^>]*value="(\d+)"')
TEXTAREA = re.compile(r"<textarea[^>]*>\n?(.*?)</textarea>", re.DOTALL)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--article", default="asthma")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str) -> str:
        with opener.open(args.url + path) as response:
            return response.read().decode()

    def post(path: str, fields: dict) -> int:
        data = urllib.parse.urlencode(fields).encode()
        with opener.open(args.url + path, data=data) as response:
            response.read()
            return response.status

    login_page = get("/login")
    post("/login", {"csrf_token": TOKEN.search(login_page).group(1), "username": args.user,
                    "password": args.password})

    views = []
    for _ in range(args.n):
        started = time.perf_counter()
        get(f"/wiki/{args.article}")
        views.append((time.perf_counter() - started) * 1000)

    saves = []
    for i in range(args.n):
        form = get(f"/wiki/{args.article}/edit")
        text = _unescape(TEXTAREA.search(form).group(1))
        text = re.sub(r"\n\nBenchmark edit \d+\.\n$", "\n", text) + f"\nBenchmark edit {i}.\n"
        fields = {"csrf_token": TOKEN.search(form).group(1), "base_revision": BASE.search(form).group(1),
                  "text": text, "summary": f"benchmark {i}", "save": "Save"}
        started = time.perf_counter()
        post(f"/wiki/{args.article}/edit", fields)  # follows the redirect to the article, as a browser does
        saves.append((time.perf_counter() - started) * 1000)

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        p95 = values[int(len(values) * 0.95) - 1]
        return f"{name:<28} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   (n={len(values)})"

    print(line(f"GET /wiki/{args.article}", views))
    print(line("save (POST edit + redirect)", saves))


if __name__ == "__main__":
    main()
