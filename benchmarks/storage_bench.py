"""Revision storage: bytes per edit, time to read old and new revisions, fsck time.

1,000 one-line edits to a 20 KB article, through ``revisions.save_edit``:

    python benchmarks/storage_bench.py [--edits 1000] [--database-url URL]

Prints the database bytes added per edit (SQLite file growth, and the stored
``content`` bytes), against what full copies would cost, the median time to
rebuild the oldest and the newest revision with the text cache off, and how
long the fsck pass over every revision takes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from wiki import accounts, db, revisions, textstore  # noqa: E402
from wiki.models import Base, RenderedRevision, Revision, Role  # noqa: E402

WORDS = ("asthma inhaler airway wheeze steroid dose daily symptom trigger allergen pollen exercise night "
         "cough chest tight breath peak flow reliever preventer spacer clinic review plan").split()


def make_article(rng: random.Random, size: int) -> list[str]:
    lines = []
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + ".")
    return lines


def sqlite_bytes(url: str) -> int | None:
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///")
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--size", type=int, default=20_000, help="article size in characters")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    tmp = os.environ.get("BENCH_TMP") or tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    engine = db.make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    session = sessionmaker(engine, expire_on_commit=False)()
    rng = random.Random(7)
    author = accounts.create_user(session, "bench", "benchmark password", role=Role.REVIEWER,
                                  hash_method="pbkdf2:sha256:1000")
    lines = make_article(rng, args.size)
    result = revisions.create_article(session, "Asthma", "\n".join(lines) + "\n", summary="", author=author,
                                      confirm_warnings=True)
    article_id = result.revision.article_id
    first_id = result.revision.id
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = sqlite_bytes(url)
    started = time.perf_counter()
    for i in range(args.edits):
        n = rng.randrange(len(lines))
        lines[n] = f"Edit {i}: " + " ".join(rng.choice(WORDS) for _ in range(10)) + "."
        revisions.save_edit(session, article_id, "\n".join(lines) + "\n", summary=f"edit {i}", author=author,
                            base_revision_id=None, confirm_warnings=True)
    save_seconds = time.perf_counter() - started
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    after = sqlite_bytes(url)
    content_bytes = session.scalar(select(func.sum(func.length(Revision.content))).where(Revision.id != first_id))
    html_bytes = session.scalar(select(func.sum(func.length(RenderedRevision.html)))) or 0
    text = "\n".join(lines) + "\n"
    full_copy = len(text.encode())
    full_compressed = len(textstore.pack(text, None, 0)[1])
    latest_id = session.scalar(select(func.max(Revision.id)))

    def read_ms(rev_id: int, runs: int = 50) -> float:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            revisions.load_text(session, rev_id, use_cache=False)
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    worst_chain = session.scalar(select(Revision.id).order_by(Revision.delta_depth.desc(), Revision.id).limit(1))
    t0 = time.perf_counter()
    ids = session.scalars(select(Revision.id).order_by(Revision.id)).all()
    for rev_id in ids:
        revisions.load_text(session, rev_id, use_cache=False)
    naive_fsck = time.perf_counter() - t0

    print(f"database: {engine.dialect.name}; {args.edits} one-line edits to a {full_copy:,}-byte article")
    print(f"save time: {save_seconds / args.edits * 1000:.1f} ms per edit (median not taken: sequential)")
    if before is not None and after is not None:
        print(f"database file growth: {(after - before) / args.edits:,.0f} bytes per edit "
              "(revision rows, their indexes, the outbox rows a running indexer would delete)")
    print(f"stored text (content column): {content_bytes / args.edits:,.0f} bytes per edit "
          f"(full copies: {full_copy:,} raw, {full_compressed:,} compressed)")
    print(f"stored rendered HTML: {html_bytes:,} bytes in all (kept for the stable and latest revisions only)")
    print(f"read oldest revision ({first_id}): {read_ms(first_id):.2f} ms median")
    print(f"read newest revision ({latest_id}): {read_ms(latest_id):.2f} ms median")
    print(f"read longest delta chain ({worst_chain}): {read_ms(worst_chain):.2f} ms median")
    print(f"rebuild + verify all {len(ids)} revisions one by one: {naive_fsck:.2f} s")


if __name__ == "__main__":
    main()
