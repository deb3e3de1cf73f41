"""Search benchmark: build time, query latency and time to searchable, on synthetic articles.

    python benchmarks/search.py --articles 10000 --backend whoosh
    python benchmarks/search.py --articles 100000 --backend postgres \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Articles are generated deterministically (``--seed``): invented condition
names built from Greek and Latin roots, lay aliases and abbreviations,
ICD-10-shaped codes, categories, and bodies drawn with a Zipf-like skew from
a vocabulary of everyday and medical words. The query mix is fixed for a
seed: lay terms, abbreviations, misspellings, codes, quoted phrases,
multi-word symptoms and one-word queries.

Targets on 2 cores: index 10,000 articles in < 60 s; query p95 < 20 ms at
10,000 and < 100 ms at 100,000 articles.

Both backends remember answers until the index changes, so after the first
round the mix is answered mostly from memory: ``first_round_p95`` is the
figure for queries nobody has asked since the last write. The queries run
after the approve-to-searchable trials, on the index as it is between
rebuilds (for Whoosh, one big segment and a few small ones).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wiki.search.backend import SearchBackend, SearchDocument  # noqa: E402

PREFIXES = (
    "cardio neuro gastro hepato nephro osteo derma pneumo hemato endo myo arthro encephalo broncho "
    "cysto colo entero laryngo oto rhino ophthalmo thyro adeno angio chondro fibro lympho masto "
    "myelo phlebo pyelo spondylo teno uretero vasculo"
).split()
SUFFIXES = "itis osis emia algia pathy oma plasia trophy rrhea sclerosis megaly spasm stenosis cele".split()
QUALIFIERS = (
    "Acute Chronic Juvenile Adult-onset Hereditary Primary Secondary Idiopathic Familial Atypical".split()
)
BODY_PARTS = (
    "heart chest kidney liver lung skin bone joint knee hip back neck head eye ear throat stomach bowel "
    "bladder blood nerve muscle brain foot hand spine"
).split()
SYMPTOMS = (
    "pain ache swelling rash itch fever cough fatigue tiredness nausea vomiting dizziness numbness "
    "weakness stiffness bleeding bruising breathlessness wheezing cramps tremor headache thirst"
).split()
CATEGORIES = (
    "Cardiology Endocrinology Neurology Pulmonology Infectious-diseases Psychiatry Oncology Hematology "
    "Rheumatology Nephrology Gastroenterology Dermatology Genetics Urology Surgery Musculoskeletal"
).split()
EVERYDAY = (
    "the a of and to in is it that for with as on are be this by or can from at your may have not "
    "people often doctor treatment symptoms cause causes common usually some most when many help "
    "condition body years time medicine medicines test tests risk start early life daily care "
    "family children adults older week weeks month months day days sleep diet exercise weight water "
    "food smoking alcohol stress blood pressure sugar level levels high low normal sign signs "
    "hospital emergency urgent call check scan sample result results change changes control "
    "long short term severe mild moderate sudden slow fast problem problems affect affected "
    "because while during after before between about more less than also which other these those "
    "include including such feel feeling make makes keep keeps take takes help helps need needs"
).split()
LETTERS = "ABCDEFGHIJKLMNOPQRSTVWXYZ"


def make_vocabulary(rng: random.Random) -> tuple[list[str], list[str]]:
    """Return (condition words, body vocabulary in frequency order)."""
    conditions = [p + s for p in PREFIXES for s in SUFFIXES]
    rng.shuffle(conditions)
    medical = BODY_PARTS + SYMPTOMS + conditions
    rare = [
        "".join(rng.choice("aeioubcdfghklmnprstvz") for _ in range(rng.randint(5, 10))) for _ in range(3000)
    ]
    vocabulary = EVERYDAY + medical + rare
    return conditions, vocabulary


class Corpus:
    """Deterministic synthetic articles: article ``i`` is the same on every call."""

    def __init__(self, count: int, seed: int, body_words: int) -> None:
        self.count, self.seed, self.body_words = count, seed, body_words
        self.conditions, self.vocabulary = make_vocabulary(random.Random(seed))
        # Zipf-like skew: the k-th word is drawn with weight 1 / (k + 10).
        self.cum_weights = list(itertools.accumulate(1 / (k + 10) for k in range(len(self.vocabulary))))

    def document(self, i: int, extra: str = "") -> SearchDocument:
        rng = random.Random(self.seed * 1_000_003 + i)
        condition = rng.choice(self.conditions)
        qualifier = rng.choice(QUALIFIERS)
        title = f"{qualifier} {condition} type {i % 97}"
        part, symptom = rng.choice(BODY_PARTS), rng.choice(SYMPTOMS)
        aliases = (
            f"{part.capitalize()} {symptom}",
            "".join(word[0] for word in title.split()).upper() + str(i % 97),
            f"{condition} of the {part}",
        )[: rng.randint(1, 3)]
        code = f"{rng.choice(LETTERS)}{rng.randint(0, 99):02d}"
        codes = (code, f"{code}.{rng.randint(0, 9)}")[: rng.randint(1, 2)]
        categories = tuple(rng.sample(CATEGORIES, rng.randint(1, 2)))
        words = rng.choices(
            self.vocabulary,
            cum_weights=self.cum_weights,
            k=rng.randint(self.body_words // 2, self.body_words * 3 // 2),
        )
        # Each article talks about its own condition, body part and symptom.
        for word in (condition, part, symptom, condition):
            words.insert(rng.randrange(len(words)), word)
        sentences = [" ".join(words[n : n + 15]).capitalize() + "." for n in range(0, len(words), 15)]
        body = " ".join(sentences) + (" " + extra if extra else "")
        return SearchDocument(i, f"article-{i}", title.capitalize(), aliases, codes, categories, body)

    def __iter__(self) -> Iterator[SearchDocument]:
        return (self.document(i) for i in range(1, self.count + 1))

    def query_mix(self) -> list[tuple[str, str]]:
        """Return the fixed (kind, query) mix for this corpus."""
        rng = random.Random(self.seed + 7)
        sample = [self.document(rng.randint(1, self.count)) for _ in range(8)]
        mix: list[tuple[str, str]] = []
        for doc in sample:
            condition = doc.title.split()[1]
            mix.append(("lay", doc.aliases[0].lower()))
            mix.append(("title", " ".join(doc.title.split()[:2]).lower()))
            cut = rng.randrange(2, len(condition) - 1)
            mix.append(("misspelling", condition[:cut] + condition[cut + 1 :]))  # a dropped letter
            mix.append(("code", doc.icd10[0]))
        mix += [
            ("abbreviation", sample[0].aliases[1] if len(sample[0].aliases) > 1 else "CKD"),
            ("phrase", '"chest pain"'),
            ("phrase", '"blood pressure"'),
            ("symptoms", "chest pain and breathlessness"),
            ("symptoms", "swelling in the knee with fever"),
            ("symptoms", "tiredness thirst weight loss"),
            ("common", "pain"),
            ("common", "treatment"),
            ("rare", self.vocabulary[-5]),
            ("none", "zzqxv"),
        ]
        return mix


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def make_backend(args: argparse.Namespace) -> tuple[SearchBackend, Callable[[], None]]:
    """Return an empty backend and a function that removes what it created."""
    if args.backend == "whoosh":
        from wiki.search.whoosh_backend import WhooshBackend

        directory = args.index_dir or tempfile.mkdtemp(prefix="search-bench-")
        shutil.rmtree(directory, ignore_errors=True)
        return WhooshBackend(directory), lambda: shutil.rmtree(directory, ignore_errors=True)

    import sqlalchemy as sa

    from wiki.search.postgres_backend import PostgresBackend

    url = args.database_url
    admin = sa.create_engine(url)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        for extension in ("pg_trgm", "fuzzystrmatch"):
            conn.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {extension} SCHEMA public")
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    engine = sa.create_engine(f"{url}{sep}options=-csearch_path%3D{schema},public")
    backend = PostgresBackend(engine)
    backend.ensure_schema()

    def cleanup() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    return backend, cleanup


def run(args: argparse.Namespace) -> dict[str, float]:
    corpus = Corpus(args.articles, args.seed, args.body_words)
    backend, cleanup = make_backend(args)
    figures: dict[str, float] = {}
    try:
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            if args.verbose and done[0] % 10_000 < n:
                print(f"  indexed {done[0]:,}", file=sys.stderr)

        start, cpu_start = time.perf_counter(), time.process_time()
        count = backend.rebuild(iter(corpus), progress=progress)
        figures["build_s"] = time.perf_counter() - start
        figures["build_client_cpu_s"] = time.process_time() - cpu_start
        assert count == args.articles, count

        # Approvals first, so the queries below run on an index as it is
        # between rebuilds (with Whoosh, one big segment and a few small ones).
        to_searchable = []
        rng = random.Random(args.seed + 11)
        for trial in range(args.trials):
            marker = f"approvedmarker{trial}x"
            doc = corpus.document(rng.randint(1, args.articles), extra=marker)
            start = time.perf_counter()
            backend.index([doc])
            while not backend.search(marker, limit=1).hits:
                time.sleep(0.001)  # a benchmark may poll; it measures exactly this wait
            to_searchable.append(time.perf_counter() - start)
        figures["searchable_median_ms"] = statistics.median(to_searchable) * 1000
        figures["searchable_max_ms"] = max(to_searchable) * 1000

        mix = corpus.query_mix()
        backend.search("warm up")  # open the searcher / connection pool
        latencies: dict[str, list[float]] = {}
        cold: list[float] = []
        slowest: list[tuple[float, str, str]] = []
        cpu: list[float] = []
        for round_number in range(args.rounds):
            for kind, query in mix:
                cpu_before = time.process_time()
                elapsed = timed(lambda q=query: backend.search(q))
                cpu.append(time.process_time() - cpu_before)
                latencies.setdefault(kind, []).append(elapsed)
                if round_number == 0:
                    cold.append(elapsed)
                    slowest.append((elapsed, kind, query))
        every = [t for times in latencies.values() for t in times]
        figures["query_median_ms"] = statistics.median(every) * 1000
        figures["query_p95_ms"] = percentile(every, 0.95) * 1000
        figures["query_max_ms"] = max(every) * 1000
        figures["first_round_median_ms"] = statistics.median(cold) * 1000
        figures["first_round_p95_ms"] = percentile(cold, 0.95) * 1000
        # This process's CPU per query: all of Whoosh's work, only the client's for PostgreSQL.
        # On a loaded machine it shows what the query costs, apart from waiting for a core.
        figures["client_cpu_median_ms"] = statistics.median(cpu) * 1000
        figures["client_cpu_p95_ms"] = percentile(cpu, 0.95) * 1000
        for kind, times in latencies.items():
            figures[f"  {kind}_p95_ms"] = percentile(times, 0.95) * 1000
        for elapsed, kind, query in sorted(slowest, reverse=True)[:3]:
            print(f"slow first round: {elapsed * 1000:.1f} ms  {kind:<12} {query!r}", file=sys.stderr)

        prefixes = [doc.title[:n] for doc in itertools.islice(iter(corpus), 10) for n in (1, 3, 6)]
        suggest = [timed(lambda p=p: backend.suggest(p)) for _ in range(args.rounds) for p in prefixes]
        figures["suggest_median_ms"] = statistics.median(suggest) * 1000
        figures["suggest_p95_ms"] = percentile(suggest, 0.95) * 1000

    finally:
        backend.close()
        if not args.keep:
            cleanup()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("WIKI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL to use (a throw-away schema is made in it)",
    )
    parser.add_argument("--index-dir", help="Whoosh index directory (default: a temporary one)")
    parser.add_argument("--body-words", type=int, default=300, help="average words per article body")
    parser.add_argument("--rounds", type=int, default=5, help="times the query mix is run")
    parser.add_argument("--trials", type=int, default=20, help="approve-to-searchable measurements")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the index / schema afterwards")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    figures = run(args)
    print(f"\nsearch benchmark: {args.backend}, {args.articles:,} articles, ~{args.body_words} words each")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"{'measure':<26}{'value':>12}")
    print("-" * 38)
    for name, value in figures.items():
        unit = "s" if name.endswith("_s") else "ms"
        name = name.removesuffix("_s").removesuffix("_ms")
        print(f"{name:<26}{value:>11.1f} {unit}")
    build_target = 60.0 * args.articles / 10_000
    p95_target = 20.0 if args.articles <= 10_000 else 100.0
    print("-" * 38)
    print(
        f"targets: build < {build_target:.0f} s (60 s per 10,000 articles), query p95 < {p95_target:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
