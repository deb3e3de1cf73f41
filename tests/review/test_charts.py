"""The server-drawn SVG charts: well-formed, accessible, escaped, script- and style-free."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiki import charts, stats

SVG = "{http://www.w3.org/2000/svg}"
NOW = datetime(2030, 3, 13, 12, 0, tzinfo=UTC)


def _weeks(values, key):
    starts = stats.week_starts(NOW, len(values)) if values else []
    return [{"week_start": start, key: value} for start, value in zip(starts, values, strict=True)]


def _chart(values, key, **kw) -> str:
    return charts.weekly_bar_chart(_weeks(values, key), value_key=key, **kw)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def _assert_safe(root: ET.Element) -> None:
    for element in root.iter():
        assert element.tag != f"{SVG}script" and not element.tag.endswith("foreignObject")
        assert "style" not in element.attrib
        assert not any(name.lower().startswith("on") for name in element.attrib)
        assert not any("javascript:" in value.lower() for value in element.attrib.values())


def test_a_chart_is_an_accessible_image_with_a_bar_and_tooltip_per_week():
    svg = _chart([3600, None, 7500, 0], "median_seconds_to_correction", title="Median time to correction")
    assert isinstance(svg, str)
    root = _parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Median time to correction"
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert "week of 18 Feb 2030: 1 h" in desc.text and "no data" in desc.text and "2 h 5 min" in desc.text
    tooltips = [bar.find(f"{SVG}title").text for bar in _bars(root)]
    assert tooltips == ["Week of 18 Feb 2030: 1 h", "Week of 4 Mar 2030: 2 h 5 min",
                        "Week of 11 Mar 2030: 0 s"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Week starting (Monday, UTC)" in texts and "18 Feb" in texts
    _assert_safe(root)


def test_taller_bars_for_bigger_values():
    root = _parse(_chart([10, 40], "reports", title="Reports"))
    short, tall = (float(bar.get("height")) for bar in _bars(root))
    assert tall == pytest.approx(4 * short)


def test_counts_are_labelled_as_whole_numbers():
    root = _parse(_chart([3, 12], "reports", title="Reports"))
    assert [bar.find(f"{SVG}title").text for bar in _bars(root)] == [
        "Week of 4 Mar 2030: 3", "Week of 11 Mar 2030: 12"]
    assert {"0", "5", "10", "15"} <= {t.text for t in root.iter(f"{SVG}text")}


def test_all_text_is_escaped():
    nasty = '</title><script>alert(1)</script> & "quotes" \x01'
    svg = _chart([60, 120], "median_seconds_to_review", title=nasty, y_label="<b>bold</b>",
                 chart_id='x" onload="alert(1)')
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == nasty.replace("\x01", "")
    assert "<script>" not in svg and "<b>" not in svg
    assert "<b>bold</b>" in [t.text for t in root.iter(f"{SVG}text")]
    _assert_safe(root)


@pytest.mark.parametrize("values", [[], [None, None], [0, 0, None]])
def test_no_data_says_so(values):
    svg = _chart(values, "median_seconds_to_correction", title="Median time to correction")
    root = _parse(svg)
    assert _bars(root) == []
    assert "No corrections yet" in [t.text for t in root.iter(f"{SVG}text")]
    assert root.find(f"{SVG}desc").text == "No corrections yet"
    _assert_safe(root)


def test_the_empty_message_can_be_changed_and_is_escaped():
    root = _parse(_chart([], "reports", title="Reports", empty_message="None <yet>"))
    assert "None <yet>" in [t.text for t in root.iter(f"{SVG}text")]


def test_many_weeks_get_about_a_dozen_labels():
    weeks = _weeks(list(range(1, 53)), "reports")
    root = _parse(charts.weekly_bar_chart(weeks, value_key="reports", title="Reports per week"))
    assert len(_bars(root)) == 52
    labels = [t for t in root.iter(f"{SVG}text") if t.get("y") == str(charts.HEIGHT - charts.BOTTOM + 18)]
    assert 10 <= len(labels) <= 14


def test_each_chart_on_a_page_has_its_own_ids():
    a = _parse(_chart([1], "reports", title="A"))
    b = _parse(_chart([1], "median_seconds_to_review", title="B"))
    assert a.get("aria-labelledby") != b.get("aria-labelledby")


def test_a_summary_draws_directly():
    summary = stats.summarize(open_flags=0, reported_at=[NOW], corrected=[(NOW, 5400.0)], reviewed=[],
                              now=NOW, weeks=12)
    for key in ("reports", "corrections", "median_seconds_to_correction", "median_seconds_to_review"):
        _assert_safe(_parse(charts.weekly_bar_chart(summary["weeks"], value_key=key, title=key)))


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "0 s"), (45, "45 s"), (60, "1 min"), (720, "12 min"), (3600, "1 h"), (7500, "2 h 5 min"),
    (47 * 3600, "47 h"), (3.5 * 86400, "3.5 days"),
])
def test_format_duration(seconds, words):
    assert charts.format_duration(seconds) == words


def test_format_week_takes_dates_datetimes_and_iso_strings():
    assert charts.format_week(date(2030, 3, 4)) == "4 Mar 2030"
    assert charts.format_week(datetime(2030, 3, 4, tzinfo=UTC)) == "4 Mar 2030"
    assert charts.format_week("2030-03-04") == "4 Mar 2030"


@settings(max_examples=100)
@given(st.lists(st.one_of(st.none(), st.integers(0, 10**8)), min_size=1, max_size=60), st.text(max_size=40))
def test_any_values_and_title_give_well_formed_safe_svg(values, title):
    weeks = [{"week_start": date(2030, 1, 7) + timedelta(weeks=i), "median_seconds_to_review": v}
             for i, v in enumerate(values)]
    root = _parse(charts.weekly_bar_chart(weeks, value_key="median_seconds_to_review", title=title))
    _assert_safe(root)
    assert len(_bars(root)) == (sum(v is not None for v in values) if any(values) else 0)
    for bar in _bars(root):
        assert float(bar.get("height")) >= 0 and float(bar.get("y")) >= charts.TOP - 0.1
