"""Time-to-correction figures: the pure functions with hand-computed values, then
``corrections_summary`` over a scenario played through the domain with a frozen clock.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace as Row

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.review.conftest import START, TEXT
from wiki import flags, review, stats
from wiki.models import FlagStatus, RevisionStatus

CONTRACT_KEYS = {"open_flags", "median_seconds_to_correction", "p90_seconds_to_correction",
                 "median_seconds_to_review"}
T0 = START  # Monday 2030-03-04 09:00 UTC


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


# ---------------------------------------------------------------- median and percentile

@pytest.mark.parametrize(("values", "expected"), [
    ([], None), ([5], 5.0), ([1, 3], 2.0), ([3, 1, 2], 2.0), ([10, 40, 20, 30], 25.0),
])
def test_median(values, expected):
    assert stats.median(values) == expected


@pytest.mark.parametrize(("values", "p", "expected"), [
    ([10, 20, 30, 40], 90, 37.0),      # rank 3 × 0.9 = 2.7 → 30 + 0.7 × 10
    ([10, 20, 30, 40], 50, 25.0),      # the median
    ([10, 20, 30, 40], 0, 10.0),
    ([10, 20, 30, 40], 100, 40.0),
    ([40, 10, 30, 20], 25, 17.5),      # unsorted input; rank 0.75 → 10 + 0.75 × 10
    ([7200, 86400], 90, 78480.0),      # rank 0.9 → 7200 + 0.9 × 79200
    ([5], 90, 5.0),
    ([], 90, None),
])
def test_percentile_interpolates_linearly_between_closest_ranks(values, p, expected):
    assert stats.percentile(values, p) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("p", [-1, 100.5, float("nan")])
def test_percentile_refuses_p_outside_0_to_100(p):
    with pytest.raises(ValueError):
        stats.percentile([1, 2], p)


@settings(max_examples=150)
@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=2, max_size=40), st.integers(1, 99))
def test_percentile_agrees_with_statistics_quantiles_inclusive(values, p):
    expected = statistics.quantiles(values, n=100, method="inclusive")[p - 1]
    assert stats.percentile(values, p) == pytest.approx(expected, rel=1e-9, abs=1e-6)


@settings(max_examples=150)
@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=40))
def test_the_50th_percentile_is_the_median_and_p90_lies_between_median_and_max(values):
    assert stats.percentile(values, 50) == pytest.approx(stats.median(values))
    assert stats.median(values) - 1e-6 <= stats.percentile(values, 90) <= max(values) + 1e-6


# ---------------------------------------------------------------- intervals

def _flag(status, created, resolved=None, fix=None):
    return Row(status=status, created_at=created, resolved_at=resolved, resolved_by_revision_id=fix)


def test_time_to_correction_runs_from_report_to_the_fix_approval_else_to_resolution():
    flags_ = [
        _flag(FlagStatus.RESOLVED, at(), at(hours=3), fix=11),          # fix approved at +2 h
        _flag(FlagStatus.RESOLVED, at(), at(minutes=45), fix=12),       # fix approval unknown
        _flag(FlagStatus.RESOLVED, at(), at(minutes=20), fix=None),     # no revision recorded
        _flag(FlagStatus.DISMISSED, at(), at(minutes=5)),
        _flag(FlagStatus.OPEN, at()),
        _flag("resolved", at(hours=1), at(hours=2), fix=13),            # fix approved earlier: 0, never < 0
    ]
    approvals = {11: at(hours=2), 12: None, 13: at(minutes=30)}
    assert stats.correction_times(flags_, approvals) == [7200.0, 2700.0, 1200.0, 0.0]
    assert stats.correction_times(flags_) == [10800.0, 2700.0, 1200.0, 3600.0]
    assert stats.corrected_at(flags_[0], approvals) == at(hours=2)
    assert stats.corrected_at(flags_[3], approvals) is None


def _rev(status, created, reviewed, author, reviewer):
    return Row(status=status, created_at=created, reviewed_at=reviewed, author_id=author,
               reviewed_by_id=reviewer)


def test_time_to_review_counts_only_revisions_someone_else_reviewed():
    revs = [
        _rev(RevisionStatus.APPROVED, at(), at(minutes=30), author=1, reviewer=2),      # 1800
        _rev(RevisionStatus.REJECTED, at(), at(hours=1), author=1, reviewer=2),         # 3600
        _rev(RevisionStatus.APPROVED, at(), at(), author=2, reviewer=2),                # auto-approved
        _rev(RevisionStatus.PENDING, at(), None, author=1, reviewer=None),
        _rev(RevisionStatus.APPROVED, at(), at(hours=2), author=1, reviewer=None),      # reviewer unknown
        _rev("approved", at(), at(hours=4), author=None, reviewer=2),                   # author gone: 14400
    ]
    assert stats.review_times(revs) == [1800.0, 3600.0, 14400.0]
    assert [stats.is_independent_review(r) for r in revs] == [True, True, False, False, False, True]


# ---------------------------------------------------------------- weeks

@pytest.mark.parametrize(("moment", "monday"), [
    (datetime(2030, 3, 4, 0, 0, tzinfo=UTC), date(2030, 3, 4)),
    (datetime(2030, 3, 10, 23, 59, 59, tzinfo=UTC), date(2030, 3, 4)),
    (datetime(2030, 3, 11, 0, 0, tzinfo=UTC), date(2030, 3, 11)),
    # 01:00 on Monday in UTC+2 is still Sunday in UTC.
    (datetime(2030, 3, 11, 1, 0, tzinfo=timezone(timedelta(hours=2))), date(2030, 3, 4)),
    (datetime(2031, 1, 1, 12, 0, tzinfo=UTC), date(2030, 12, 30)),  # a Wednesday; weeks cross years
])
def test_weeks_start_on_monday_in_utc(moment, monday):
    assert stats.week_start(moment) == monday


def test_week_start_refuses_naive_times():
    with pytest.raises(ValueError):
        stats.week_start(datetime(2030, 3, 4))


def test_week_starts_lists_the_weeks_up_to_now_oldest_first():
    assert stats.week_starts(at(days=8), 3) == [date(2030, 2, 25), date(2030, 3, 4), date(2030, 3, 11)]


def test_bucket_by_week_drops_moments_outside_the_weeks():
    starts = [date(2030, 3, 4), date(2030, 3, 11)]
    items = [(at(), "a"), (at(days=7), "b"), (at(days=-7), "too old"), (at(days=14), "too new"),
             (at(days=1), "c")]
    assert stats.bucket_by_week(items, starts) == {date(2030, 3, 4): ["a", "c"], date(2030, 3, 11): ["b"]}


def test_summarize_from_plain_values():
    summary = stats.summarize(
        open_flags=2,
        reported_at=[at(), at(hours=1), at(days=7)],
        corrected=[(at(hours=2), 3600.0), (at(days=8), 10800.5), (at(days=8, hours=1), 900.0)],
        reviewed=[(at(minutes=10), 600.0), (at(days=7), 60.0)],
        now=at(days=9),
        weeks=2,
    )
    assert summary == {
        "open_flags": 2,
        "median_seconds_to_correction": 3600,
        "p90_seconds_to_correction": 9360,  # sorted 900, 3600, 10800.5; rank 1.8 → 3600 + 0.8 × 7200.5
        "median_seconds_to_review": 330,
        "weeks": [
            {"week_start": date(2030, 3, 4), "reports": 2, "corrections": 1,
             "median_seconds_to_correction": 3600, "median_seconds_to_review": 600},
            {"week_start": date(2030, 3, 11), "reports": 1, "corrections": 2,
             "median_seconds_to_correction": 5850, "median_seconds_to_review": 60},  # 5850.25
        ],
    }


# ---------------------------------------------------------------- the query, through the domain

FIXED = TEXT.replace("within minutes", "within 5 to 10 minutes")


def test_corrections_summary_over_a_played_out_fortnight(cast, clock):
    s, monday = cast.session, T0
    first = cast.edit(TEXT + "\nIt is common.\n", cast.editor)             # Mon 09:00
    clock.set(monday + timedelta(minutes=30))
    review.approve(s, first.id, reviewer=cast.reviewer)                    # reviewed after 1800 s
    clock.set(monday + timedelta(hours=1))
    report_a = flags.report(s, cast.article, reason="Relievers take longer.", reporter=cast.editor2)
    clock.set(monday + timedelta(hours=1, minutes=30))
    fix = cast.edit(FIXED + "\nIt is common.\n", cast.editor)
    clock.set(monday + timedelta(hours=2))
    report_b = flags.report(s, cast.article, reason="Say which inhaler.", reporter=cast.anonymous)
    clock.set(monday + timedelta(hours=3))
    review.approve(s, fix.id, reviewer=cast.reviewer)                      # Mon 12:00; reviewed after 5400 s
    clock.set(monday + timedelta(hours=4))
    flags.resolve(s, report_a.id, actor=cast.reviewer)                     # fixed 2 h after report A
    clock.set(monday + timedelta(days=1))
    report_c = flags.report(s, cast.article, reason="Too short.", reporter=cast.anonymous)
    clock.set(monday + timedelta(days=1, hours=1))
    flags.dismiss(s, report_c.id, actor=cast.reviewer, reason="Length is fine.")
    clock.set(monday + timedelta(days=1, hours=2))
    own = cast.edit(FIXED + "\nIt is common.\nUse a blue reliever inhaler.\n", cast.reviewer)  # auto-approved
    clock.set(monday + timedelta(days=1, hours=3))
    flags.resolve(s, report_b.id, actor=cast.reviewer2, revision_id=own.id)  # fixed 1 day after report B
    clock.set(monday + timedelta(days=7, hours=1))
    flags.report(s, cast.article, reason="Still unclear.", reporter=cast.anonymous)  # stays open
    rejected = cast.edit(FIXED + "\nWrong.\n", cast.editor)
    clock.set(monday + timedelta(days=7, hours=2))
    review.reject(s, rejected.id, reviewer=cast.reviewer, comment="Not sourced")  # reviewed after 3600 s

    summary = stats.corrections_summary(s, now=monday + timedelta(days=8, hours=3), weeks=3)

    assert set(summary) == CONTRACT_KEYS | {"weeks"}
    assert summary["open_flags"] == 1
    assert summary["median_seconds_to_correction"] == 46800       # (7200 + 86400) / 2
    assert summary["p90_seconds_to_correction"] == 78480          # 7200 + 0.9 × (86400 - 7200)
    assert summary["median_seconds_to_review"] == 3600            # of 1800, 5400, 3600
    assert summary["weeks"] == [
        {"week_start": date(2030, 2, 25), "reports": 0, "corrections": 0,
         "median_seconds_to_correction": None, "median_seconds_to_review": None},
        {"week_start": date(2030, 3, 4), "reports": 3, "corrections": 2,
         "median_seconds_to_correction": 46800, "median_seconds_to_review": 3600},
        {"week_start": date(2030, 3, 11), "reports": 1, "corrections": 0,
         "median_seconds_to_correction": None, "median_seconds_to_review": 3600},
    ]


def test_corrections_summary_with_no_data_is_null_not_zero(cast):
    summary = stats.corrections_summary(cast.session)  # the clock's now
    assert {key: summary[key] for key in CONTRACT_KEYS} == {
        "open_flags": 0, "median_seconds_to_correction": None, "p90_seconds_to_correction": None,
        "median_seconds_to_review": None,
    }
    assert len(summary["weeks"]) == stats.DEFAULT_WEEKS
    assert summary["weeks"][-1]["week_start"] == date(2030, 3, 4)
    assert all(w["reports"] == 0 and w["median_seconds_to_review"] is None for w in summary["weeks"])


@pytest.mark.parametrize("weeks", [0, -1, stats.MAX_WEEKS + 1])
def test_corrections_summary_refuses_a_silly_number_of_weeks(cast, weeks):
    with pytest.raises(ValueError):
        stats.corrections_summary(cast.session, weeks=weeks)
