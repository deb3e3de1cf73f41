"""Tests for wiki.checks: personal data in added text, dose and number changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from wiki import checks
from wiki.checks import DOSE_CHANGE, PERSONAL_DATA, EditWarning
from wiki.errors import InvalidInput

DATA = Path(__file__).parent / "data"
PRIVACY = yaml.safe_load((DATA / "privacy_corpus.yaml").read_text(encoding="utf-8"))
DOSES = yaml.safe_load((DATA / "dose_corpus.yaml").read_text(encoding="utf-8"))
MIN_PRECISION = MIN_RECALL = 0.95


def score(positives: list, negatives: list, flags) -> tuple[float, float, list[str]]:
    """Precision, recall and the misclassified examples of the detector ``flags``."""
    missed = [p for p in positives if not flags(p)]
    false_alarms = [n for n in negatives if flags(n)]
    true_positives = len(positives) - len(missed)
    precision = true_positives / (true_positives + len(false_alarms)) if true_positives else 0.0
    recall = true_positives / len(positives)
    wrong = [f"missed: {p!r}" for p in missed] + [f"false alarm: {n!r}" for n in false_alarms]
    return precision, recall, wrong


# ------------------------------------------------------------------ corpora


def test_privacy_corpus_is_large_enough():
    assert len(PRIVACY["positive"]) >= 70
    assert len(PRIVACY["negative"]) >= 70


def test_personal_data_precision_and_recall_on_corpus():
    precision, recall, wrong = score(
        PRIVACY["positive"], PRIVACY["negative"], lambda text: checks.personal_data(text)
    )
    print(
        f"\npersonal_data: precision {precision:.3f}, recall {recall:.3f} "
        f"({len(PRIVACY['positive'])} positive, {len(PRIVACY['negative'])} negative examples)"
    )
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, "\n".join(wrong)


def test_personal_data_warnings_on_corpus_are_well_formed():
    for text in PRIVACY["positive"]:
        for warning in checks.personal_data(text):
            assert warning.kind == PERSONAL_DATA
            assert warning.detail.startswith("Looks like")
            assert 0 < len(warning.excerpt) <= checks.MAX_EXCERPT


def test_dose_corpus_is_large_enough():
    assert len(DOSES["change"]) >= 25
    assert len(DOSES["no_change"]) >= 25


def test_dose_changes_precision_and_recall_on_corpus():
    precision, recall, wrong = score(
        DOSES["change"], DOSES["no_change"], lambda pair: checks.dose_changes(pair["old"], pair["new"])
    )
    print(
        f"\ndose_changes: precision {precision:.3f}, recall {recall:.3f} "
        f"({len(DOSES['change'])} changing, {len(DOSES['no_change'])} non-changing edits)"
    )
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, "\n".join(wrong)


# ------------------------------------------------------------------ EditWarning


def test_warning_round_trips_through_json():
    warning = EditWarning(DOSE_CHANGE, "Dose or number changed: '5 mg' → '10 mg'", "Ramipril 10 mg daily")
    assert warning.to_json() == {
        "kind": "dose_change",
        "detail": "Dose or number changed: '5 mg' → '10 mg'",
        "excerpt": "Ramipril 10 mg daily",
    }
    assert EditWarning.from_json(warning.to_json()) == warning


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"kind": "spam", "detail": "x", "excerpt": "y"},
        {"kind": "personal_data", "detail": 3, "excerpt": "y"},
        {"kind": "personal_data", "detail": "x"},
    ],
)
def test_warning_from_json_rejects_malformed_data(data):
    with pytest.raises(InvalidInput):
        EditWarning.from_json(data)


# ------------------------------------------------------------------ personal data details


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("write to ada.l@example.org", "Looks like an e-mail address"),
        ("ring 020 7946 0321 tonight", "Looks like a phone number"),
        ("SSN 478-23-6195", "Looks like a US Social Security number"),
        ("NI number JX 48 19 27 B", "Looks like a UK National Insurance number"),
        ("her number is 999 765 4323", "Looks like an NHS number"),
        ("MRN 12345678", "Looks like a medical record or hospital number"),
        ("DOB 03/04/1961", "Looks like a date of birth"),
        ("she lives at 12 Acacia Avenue", "Looks like a street address"),
        ("postcode SW1A 1AA", "Looks like a postcode in an address"),
        ("my patient Jane Doe", "Looks like a named patient or relative"),
    ],
)
def test_personal_data_names_what_it_found(text, detail):
    assert [w.detail for w in checks.personal_data(text)] == [detail]


def test_nhs_number_without_keyword_needs_a_valid_check_digit():
    assert checks.personal_data("Quote 9997654323 when booking.")
    assert not checks.personal_data("Quote 9997654324 when booking.")
    # With the words "NHS number" a mistyped check digit is still somebody's number.
    assert checks.personal_data("NHS number 999 765 4324")


def test_personal_data_lists_findings_in_text_order():
    text = "Call 020 7946 0321 or write to ada.l@example.org; DOB 03/04/1961."
    assert [w.detail for w in checks.personal_data(text)] == [
        "Looks like a phone number",
        "Looks like an e-mail address",
        "Looks like a date of birth",
    ]


def test_excerpt_is_short_and_contains_the_match():
    text = "word " * 100 + "jane.doe@example.com" + " word" * 100
    (warning,) = checks.personal_data(text)
    assert len(warning.excerpt) <= checks.MAX_EXCERPT
    assert "jane.doe@example.com" in warning.excerpt
    assert warning.excerpt.startswith("…") and warning.excerpt.endswith("…")


@settings(max_examples=150, deadline=None)
@given(before=st.text(max_size=300), after=st.text(max_size=300))
def test_excerpts_never_exceed_the_limit(before, after):
    for warning in checks.personal_data(before + " jane.doe@example.com " + after):
        assert len(warning.excerpt) <= checks.MAX_EXCERPT


# ------------------------------------------------------------------ added_text


def test_added_text_of_a_new_article_is_the_whole_text():
    assert checks.added_text("", "# Asthma\n\nA common condition.") == "# Asthma\n\nA common condition."


def test_added_text_joins_inserted_segments_with_newlines():
    old = "Asthma is common. It is treated with inhalers."
    new = "Asthma is very common in children. It is treated with inhalers and tablets."
    added = checks.added_text(old, new)
    assert "very" in added and "children" in added and "tablets" in added
    assert "treated" not in added
    assert "\n" in added


def test_added_text_of_a_pure_deletion_is_empty():
    assert checks.added_text("Asthma is very common.", "Asthma is common.") == ""


# ------------------------------------------------------------------ dose_changes details


def test_dose_change_detail_shows_old_and_new_values():
    (warning,) = checks.dose_changes("Ramipril 5 mg once daily.", "Ramipril 10 mg once daily.")
    assert warning.kind == DOSE_CHANGE
    assert warning.detail == "Dose or number changed: '5 mg' → '10 mg'"
    assert "10 mg" in warning.excerpt


def test_dose_pattern_matches_doses_and_frequencies():
    text = "Take 2.5–5 mg/kg every 8 hours, or 500 mg tds; HbA1c 48 mmol/mol; BP 140/90 mmHg; 30%."
    assert [m.group() for m in checks.DOSE_PATTERN.finditer(text)] == [
        "2.5–5 mg/kg",
        "every 8 hours",
        "500 mg",
        "tds",
        "48 mmol/mol",
        "140/90 mmHg",
        "30%",
    ]


def test_dose_pattern_ignores_years_codes_and_names():
    text = "In 2019, ICD-10 I21.4, CYP3A4 and HbA1c were described by Smith J (PMID 12345678)."
    assert not checks.DOSE_PATTERN.search(text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_an_unchanged_text_gives_no_warnings(text):
    assert checks.dose_changes(text, text) == []
    if text:
        assert checks.check_edit(text, text) == []


# ------------------------------------------------------------------ check_edit


def test_check_edit_ignores_personal_data_the_edit_did_not_add():
    old = "My patient Jane Doe improved.\n\nAsthma is common."
    new = "My patient Jane Doe improved.\n\nAsthma is very common."
    assert checks.check_edit(old, new) == []


def test_check_edit_sees_the_context_around_a_small_insertion():
    old = "My patient improved on this inhaler."
    new = "My patient Jane Doe improved on this inhaler."
    (warning,) = checks.check_edit(old, new)
    assert warning.detail == "Looks like a named patient or relative"


def test_check_edit_of_a_new_article_scans_the_whole_text():
    warnings = checks.check_edit("", "Email me: ada.l@example.org. Take 5 mg daily.")
    assert [w.kind for w in warnings] == [PERSONAL_DATA, DOSE_CHANGE]


def test_check_edit_lists_personal_data_before_doses_without_duplicates():
    old = "Take 5 mg daily."
    new = "Take 10 mg daily. My son Tom takes 10 mg daily."
    warnings = checks.check_edit(old, new)
    kinds = [w.kind for w in warnings]
    assert kinds == sorted(kinds, key=[PERSONAL_DATA, DOSE_CHANGE].index)
    assert PERSONAL_DATA in kinds and DOSE_CHANGE in kinds
    assert len(warnings) == len(set(warnings))
    assert checks.is_dose_change(warnings)


def test_is_dose_change_is_false_without_dose_warnings():
    assert not checks.is_dose_change([])
    assert not checks.is_dose_change(checks.personal_data("ada.l@example.org"))
