"""Time the display diffs on two ~300 KB texts that differ in 50 places.

Run from the project root: ``python benchmarks/diff_bench.py``. Prints the
median of several runs of ``word_diff``, ``ops_to_html`` and ``side_by_side``
(and, for comparison, ``line_diff`` and ``textstore.pack``). The texts are
invented: random sentences from a small clinical vocabulary, fixed seed.
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, Python puts benchmarks/ on the path, not the project root
# that holds ``wiki`` and the top-level ``config`` it imports.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wiki import diffing, textstore  # noqa: E402

RUNS = 7
TARGET_CHARS = 300_000
EDITS = 50
WORDS = (
    "patient dose daily tablet blood pressure renal hepatic clearance adverse effect monitor "
    "weeks months infusion oral intravenous contraindicated pregnancy elderly children review "
    "symptoms fever pain swelling joint inflammation therapy first line second trial evidence "
    "guideline recommend avoid caution interaction warfarin metformin insulin aspirin"
).split()


def make_texts(seed: int = 20240501) -> tuple[str, str]:
    """Build an old text of about ``TARGET_CHARS`` and a copy with ``EDITS`` word changes."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < TARGET_CHARS:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
            sentences.append(f"{' '.join(words).capitalize()} {rng.randint(1, 500)} mg.")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    old = "\n\n".join(paragraphs) + "\n"
    changed = list(paragraphs)
    for number, index in enumerate(rng.sample(range(len(changed)), EDITS)):
        words = changed[index].split(" ")
        at = rng.randrange(len(words))
        if number % 3 == 0:  # a dose changed
            words[-1:] = [f"{rng.randint(501, 900)}", "mg."]
        elif number % 3 == 1:  # a word replaced
            words[at] = rng.choice(WORDS)
        else:  # a clause inserted
            words.insert(at, "unless advised otherwise by a specialist,")
        changed[index] = " ".join(words)
    return old, "\n\n".join(changed) + "\n"


def median_ms(fn: Callable[[], object]) -> float:
    """Run ``fn`` ``RUNS`` times and return the median wall time in milliseconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    old, new = make_texts()
    print(f"texts: {len(old):,} and {len(new):,} characters, {EDITS} edits, median of {RUNS} runs")
    ops = diffing.word_diff(old, new)
    assert diffing.source_texts(ops) == (old, new)
    inserted, deleted = diffing.stats(ops)
    print(f"word_diff gives {len(ops)} ops: {inserted} characters inserted, {deleted} deleted")
    dose = re.compile(r"\d+(?:\.\d+)?")
    figures = {
        "word_diff": median_ms(lambda: diffing.word_diff(old, new)),
        "ops_to_html": median_ms(lambda: diffing.ops_to_html(ops)),
        "ops_to_html (highlight)": median_ms(lambda: diffing.ops_to_html(ops, highlight=dose)),
        "side_by_side": median_ms(lambda: diffing.side_by_side(old, new)),
        "line_diff": median_ms(lambda: diffing.line_diff(old, new)),
        "textstore.pack (delta)": median_ms(lambda: textstore.pack(new, old, 0)),
    }
    # The worst shape for line mode: the same texts with no line breaks at all.
    flat_old, flat_new = old.replace("\n", " "), new.replace("\n", " ")
    figures["word_diff (no line breaks)"] = median_ms(lambda: diffing.word_diff(flat_old, flat_new))
    for name, ms in figures.items():
        print(f"{name:26} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
