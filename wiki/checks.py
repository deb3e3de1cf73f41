"""Edit checks: personal data in the text an edit adds, and changes to doses and numbers.

Before an edit is saved, :func:`check_edit` warns when the inserted text looks
like a real person's details (a patient or carer posting an e-mail address, a
phone number, an NHS number, a date of birth, an address or a named patient by
mistake), and when the edit adds, removes or alters a dose, a number with a
unit or a dosing frequency, so that reviewers see those edits first.

Everything here is pure: strings in, :class:`EditWarning` values out. No Flask,
no database, no logging of the text (it may hold the very data we look for).
Medical prose is full of numbers, eponyms and author names, so each detector
asks for a shape *and* a context, preferring a missed oddity to a wiki that
cries wolf on every reference list.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from wiki.errors import InvalidInput

PERSONAL_DATA = "personal_data"
DOSE_CHANGE = "dose_change"
KINDS = frozenset({PERSONAL_DATA, DOSE_CHANGE})

MAX_EXCERPT = 120
_CONTEXT = 40  # characters of context either side of a match in an excerpt
_DIFF_TIMEOUT = 1.0  # seconds; diff-match-patch falls back to a coarser diff after this


@dataclass(frozen=True)
class EditWarning:
    """One thing about an edit that its author or a reviewer should look at."""

    kind: str  # PERSONAL_DATA or DOSE_CHANGE
    detail: str  # a human sentence: "Looks like an e-mail address"
    excerpt: str  # the matched text with a little context, at most MAX_EXCERPT characters

    def to_json(self) -> dict:
        """Return CONTRACT.md's warning object."""
        return {"kind": self.kind, "detail": self.detail, "excerpt": self.excerpt}

    @classmethod
    def from_json(cls, data: object) -> EditWarning:
        """Build a warning from CONTRACT.md's warning object.

        :raises InvalidInput: ``data`` is not a warning object.
        """
        if not isinstance(data, dict):
            raise InvalidInput("A warning must be an object.", field="warnings")
        kind, detail, excerpt = data.get("kind"), data.get("detail"), data.get("excerpt")
        if kind not in KINDS:
            raise InvalidInput(f"Unknown warning kind: {kind!r}.", field="warnings")
        if not isinstance(detail, str) or not isinstance(excerpt, str):
            raise InvalidInput("A warning needs a text detail and excerpt.", field="warnings")
        return cls(kind=kind, detail=detail, excerpt=excerpt)


# --------------------------------------------------------------------------------------------
# Personal data
# --------------------------------------------------------------------------------------------

# A capitalised name word: "Jane", "O'Brien", "McAllister", "Chloe-Anne", "Zoë".
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:O['’]|D['’])?[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:[{_UPPER}]\.[ \t]+)?{_NAME_WORD}){{0,2}}"

# Capitalised words that follow "patient", titles or relatives in medical prose without being
# names: headings and programme names ("Patient Safety Incident ..."), pronouns and sentence
# openers, months and days.
_NOT_NAMES = frozenset(
    """
    A An The This That These Those It Its He She They We You I His Her Their Our My Your
    And But Or Nor So Yet If When While After Before During Since Until With Without In On At
    By For From Of To Into About As Is Was Are Were Has Had Have Who Which What Where Why How
    Not No Yes All Any Each Every Some Many Most Other Another Such Both Either Neither
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Today Yesterday Tomorrow
    Health Safety Information Education Advice Support Group Groups Association Trust Service
    Services Care Council Decision Decisions Aid Aids Leaflet Leaflets Record Records Access
    Portal Choice Choices Voice Voices Panel Forum Participation Involvement Partners Rights
    Charter Guide Guidance Guidelines Pathway Pathways Centred Centered Outcome Outcomes
    Reported Experience Experiences Questionnaire Questionnaires Assessment Assessments
    Satisfaction Engagement Reference Representative Representatives Led Initiated Controlled
    Held Specific Level Flow Transport Liaison Advocacy Story Stories Survey Surveys Data
    Day Days Week Weeks Month Months Year Years Hospital Hospitals Clinic Clinics Ward Wards
    Unit Units Medical Centre Center University College Institute National Federal Royal
    Adults Adult Children Child Women Woman Men Man People Person Patients Patient Infants
    Infant Older Young Younger Elderly Babies Baby Mothers Fathers Parents Carers Families
    Nature Earth Christmas God Lord Superior Teresa Time Zero One Two Three Four Five Six
    Street Road Avenue Lane Drive Close Way
    Type Stage Grade Class Phase Table Figure Section Chapter Part Appendix Box Note Notes
    """.split()
)

# Endings of English common nouns and adjectives that no usual given name or surname has
# ("Communities", "Medication", "Awareness"); -ing, -ence, -ary are left out (Manning, Florence, Mary).
_COMMON_NOUN_ENDING = re.compile(
    r"(?:ities|ties|tions?|sions?|ments|ness|nesses|ships?|ogy|ogies|ics|isms?|ists|ures|ives|ical|"
    r"ised|ized|ated|ables?|ibles?|ful)$"
)

# Words after a name that make it an eponym, not a person: "Hodgkin lymphoma", "Bell's palsy".
_EPONYM_NOUN = re.compile(
    r"(?:['’]s?)?[ \t]+(?:disease|diseases|syndrome|syndromes|sign|signs|lymphoma|sarcoma|"
    r"tumou?r|test|tests|score|scores|criteria|classification|scale|procedure|operation|"
    r"manoeuvre|maneuver|reflex|palsy|ulcer|phenomenon|law|triad|node|nodes|cells?|bod(?:y|ies)|"
    r"fracture|hernia|catheter|line|method|technique|index|equation|formula|rules?|position|"
    r"incision|approach|repair|tube|mask|canal|duct|glands?|organ|membrane|space|area|zone|"
    r"effect|angle|stain|staging|grade|grading|protocol|inventory|model|variant|anomaly|"
    r"malformation|contracture|deformity|aneurysm|encephalopathy|ataxia|chorea|dystrophy|"
    r"thyroiditis|neuralgia|loop|valve|point|curve|wort|nodule|cyst|spots?|plaques?)\b",
    re.IGNORECASE,
)

_RELATIVE = (
    r"mother|father|mum|mom|dad|son|daughter|wife|husband|partner|brother|sister|"
    r"grandmother|grandfather|grandma|grandpa|granny|gran|nan|nana|grandson|granddaughter|"
    r"aunt|auntie|uncle|cousin|niece|nephew|friend|neighbou?r|fianc[ée]e?|boyfriend|girlfriend|"
    r"baby|child|toddler|stepson|stepdaughter|stepmother|stepfather|carer|flatmate|colleague"
)
_PATIENT = r"[Pp]atient|[Cc]lient|service[ \t]+user|resident"
_CLINICIAN = (
    r"GP|doctor|consultant|surgeon|nurse|midwife|dentist|physio|physiotherapist|therapist|"
    r"psychiatrist|psychologist|oncologist|cardiologist|neurologist|paediatrician|pediatrician|"
    r"health[ \t]+visitor|pharmacist|specialist|registrar"
)
_POSSESSIVE = r"(?i:my|our|his|her|their|your)"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Mstr)\b\.?"
_AGE = (
    r"(?:\(|,)[ \t]*(?:(?i:age|aged)[ \t]*\d{1,3}\b"
    r"|(?:an?[ \t]+)?\d{1,3}[ \t-]*(?i:years?[ \t-]*old|year-old|yrs?|y/o|y\.o\.|yo)(?![A-Za-z])"
    # "Ahmed Karimi, 61, a retired driver"; a lower-case word after the comma rules out
    # "Diabetes Care, 44, 2589-2625" in a reference.
    r"|\d{1,3},[ \t]+(?=[a-z]))"
)

_NAMED_PERSON = [
    # "my patient Jane Doe", "patient John Smith", "my mother, Margaret O'Brien,", "a patient called Tom"
    re.compile(
        rf"(?P<trigger>\b{_POSSESSIVE}[ \t]+(?:{_CLINICIAN})|\b(?:{_PATIENT}|{_RELATIVE}))"
        rf"(?:,|:\**|\*\*:)?[ \t]+(?:(?:called|named)[ \t]+)?(?:Dr\b\.?[ \t]+)?(?P<name>{_NAME})"
    ),
    # "Mrs Patel", "Mr. Jones", "Ms Kowalski": a title before a name is a living person here.
    re.compile(rf"\b{_TITLE}[ \t]+(?P<name>{_NAME})"),
    # "Sarah McAllister, a 45-year-old teacher", "Derek Hollins, aged 72", "Kevin O'Donnell (58 years old)"
    re.compile(rf"(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{1,2}})[ \t]*{_AGE}"),
    # "Jane Doe, my patient," / "Margaret O'Brien (my mother)" / "Dr Chen, my consultant,"
    re.compile(
        rf"(?:\bDr\b\.?[ \t]+(?=[{_UPPER}])|(?=[{_UPPER}][^ \t]*[ \t]+[{_UPPER}]))(?P<name>{_NAME})"
        rf",?[ \t]*\(?{_POSSESSIVE}[ \t]+(?:{_PATIENT}|{_RELATIVE}|{_CLINICIAN})\b"
    ),
    # "my name is Priya Venkataraman"
    re.compile(rf"\b(?i:my[ \t]+name[ \t]+is)[ \t]+(?P<name>{_NAME})"),
]

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)

# Phones. Each shape needs separators or a leading 0/+ so that bare runs of digits (PMIDs, trial
# numbers, counts) do not match; the digit count is checked afterwards.
_NOT_BEFORE_NUMBER = r"(?<![\w+/.:=-])"
_NOT_AFTER_NUMBER = r"(?![\w/-]|\.\d)"
_PHONE_SHAPES = [
    # International: +44 20 7946 0958, +1 (212) 555-0123, +44 (0)7700 900872
    re.compile(
        rf"{_NOT_BEFORE_NUMBER}\+\d{{1,3}}(?:[ \t.-]?\(0\))?(?:[ \t.-]?\(?\d{{1,5}}\)?){{2,6}}"
        rf"{_NOT_AFTER_NUMBER}"
    ),
    # UK national: 020 7946 0958, (0161) 496 0742, 01632 960118, 07700900655
    re.compile(rf"{_NOT_BEFORE_NUMBER}\(?0\d{{2,4}}\)?[ \t-]?\d{{3,4}}[ \t-]?\d{{3,4}}{_NOT_AFTER_NUMBER}"),
    # North American (NANP: area code [2-9][0-8]x, exchange [2-9]xx): (212) 555-0187, 1-800-555-0175
    re.compile(
        rf"{_NOT_BEFORE_NUMBER}(?:1[ \t.-])?(?:\([2-9][0-8]\d\)[ \t]?|[2-9][0-8]\d[ \t.-])"
        rf"[2-9]\d{{2}}[ \t.-]\d{{4}}{_NOT_AFTER_NUMBER}"
    ),
]
# Any 7+ digit number right after a word that says it is a phone number.
_PHONE_KEYWORD = re.compile(
    r"\b(?i:tel|telephone|phone|mobile|mob|cell|fax|call|ring|text|whatsapp|dial)\b\.?"
    r"(?:[ \t]*(?i:no\.?|number|is|me|us|him|her|them|on|at|:))*[ \t]*"
    r"(?P<number>\+?\(?\d[\d \t().-]{5,18}\d)(?![\w/])"
)
_PHONE_DIGITS = range(7, 16)

_SSN = [
    re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])"),
    re.compile(
        r"\b(?i:SSN|social[ \t]+security(?:[ \t]+(?:number|no\.?))?)\b[ \t:#]*\d{3}[ \t-]?\d{2}[ \t-]?\d{4}\b"
    ),
]
# HMRC's published rules: no D, F, I, Q, U, V in the prefix, no O second, some pairs never issued.
_NATIONAL_INSURANCE = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?[A-D](?![A-Za-z0-9])"
)
_NHS_NUMBER = re.compile(rf"{_NOT_BEFORE_NUMBER}\d{{3}}[ \t-]?\d{{3}}[ \t-]?\d{{4}}{_NOT_AFTER_NUMBER}")
_NHS_KEYWORD = re.compile(
    r"(?i:\bNHS[ \t]+(?:number|no\b\.?|num\b)|\bCHI[ \t]+(?:number|no\b\.?))[^\n\d]{0,25}$"
)
_INTERNATIONAL_PREFIX = re.compile(r"\+\d{1,4}[ \t.-]*\(?$")
# Ten-digit identifiers that are not NHS numbers: ISBN-10, PubMed, arXiv, trial registers.
_OTHER_IDENTIFIER_BEFORE = re.compile(
    r"(?i:ISBN|PMID|PMCID|doi|arXiv|NCT|ISRCTN|EudraCT|accession)[^\n]{0,12}$"
)

_RECORD_NUMBER = re.compile(
    r"(?i:\bMRN\b|\bmedical[ \t]+record[ \t]+(?:number|no\b\.?|#)|\bhospital[ \t]+(?:number|no\b\.?|#|ID\b)"
    r"|\bpatient[ \t]+(?:ID|identifier|number|no\b\.?|#)|\b(?:NHS|CHI)[ \t]+(?:number|no\b\.?))"
    r"[ \t]*(?:(?i:is|was)\b)?[ \t]*[:#=-]?[ \t]*#?[ \t]*"
    r"(?P<id>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9/ -]{2,18}[A-Z0-9])(?![\w/])"
)

_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})(?![\d/.-]\d)"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+{_MONTH},?[ \t]+\d{{4}}"
    rf"|{_MONTH}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}})"
)
_DATE_OF_BIRTH = re.compile(
    r"(?:\b(?i:DOB|date[ \t]+of[ \t]+birth|birth[ \t]*date|born(?:[ \t]+on)?)\b|(?i:\bd\.o\.b\b)\.?)"
    r"[ \t]*(?:[:=-]|(?i:is|was)\b)?[ \t]*(?:(?i:the)[ \t]+)?"
    rf"{_DATE}"
    # "born 1 January 2000 to 31 December 2005" is a cohort, not a birthday.
    r"(?![ \t]*(?:to|and|until|through|[-–])[ \t]*\d)"
)

_STREET_TYPE = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Close|Crescent|Court|Ct|Place|Pl|Gardens|"
    r"Terrace|Grove|Boulevard|Blvd|Square|Sq|Mews|Parade|Way|Row|Hill|Highway|Hwy|Rise"
)
_ADDRESS_WORD = r"[A-Z][A-Za-z'’-]*\.?"
_STREET_ADDRESS = re.compile(
    rf"(?<![\w.,/-])\d{{1,5}}[A-Za-z]?,?[ \t]+(?:{_ADDRESS_WORD}[ \t]+){{1,3}}(?:{_STREET_TYPE})\b\.?"
    # A title-case heading runs on past the street word ("The 4 Square Model"); an address stops.
    r"(?![ \t]+[A-Z][a-z])"
)
_UK_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPS-UW\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])"
)
_POSTCODE_CONTEXT = re.compile(
    r"(?:(?i:post[ \t]?code|address|lives?|living)\b[^\n]{0,30}"
    r"|[A-Z][a-z]+,?[ \t]+)$"
)
_US_STATES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC"
).split()
_US_CITY_STATE_ZIP = re.compile(
    rf"[A-Z][a-z]+,[ \t]*(?:{'|'.join(_US_STATES)})[ \t]+\d{{5}}(?:-\d{{4}})?(?![\w-])"
)


@dataclass(frozen=True)
class _Finding:
    start: int
    end: int
    priority: int  # lower wins when two findings overlap
    detail: str


def _nhs_check_digit_ok(digits: str) -> bool:
    """The NHS number's modulus 11 check: weights 10..2 on the first nine digits."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _is_name(m: re.Match[str], text: str) -> bool:
    """Whether the ``name`` group of a named-person match reads as a person's name."""
    words = re.split(r"[ \t]+", m.group("name"))
    if any(word.rstrip(".") in _NOT_NAMES or _COMMON_NOUN_ENDING.search(word) for word in words):
        return False
    trigger = m.groupdict().get("trigger")
    # A capitalised "Patient" opens title-case phrases ("Patient Communities"): ask for a full name.
    if trigger and trigger.split()[-1][0].isupper() and len(words) < 2:
        return False
    return not _EPONYM_NOUN.match(text, m.end("name"))


def _find_personal(text: str) -> Iterator[_Finding]:
    for m in _EMAIL.finditer(text):
        yield _Finding(m.start(), m.end(), 0, "Looks like an e-mail address")
    for m in _NHS_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        before = text[max(0, m.start() - 40) : m.start()]
        if _INTERNATIONAL_PREFIX.search(before):
            continue  # "+1 415 555 0199" is a phone number whatever its digits add up to
        if _NHS_KEYWORD.search(before) or (
            _nhs_check_digit_ok(digits) and not _OTHER_IDENTIFIER_BEFORE.search(before)
        ):
            yield _Finding(m.start(), m.end(), 1, "Looks like an NHS number")
    for pattern in _SSN:
        for m in pattern.finditer(text):
            yield _Finding(m.start(), m.end(), 1, "Looks like a US Social Security number")
    for m in _NATIONAL_INSURANCE.finditer(text):
        yield _Finding(m.start(), m.end(), 1, "Looks like a UK National Insurance number")
    for m in _RECORD_NUMBER.finditer(text):
        yield _Finding(m.start(), m.end(), 2, "Looks like a medical record or hospital number")
    for m in _DATE_OF_BIRTH.finditer(text):
        yield _Finding(m.start(), m.end(), 1, "Looks like a date of birth")
    for pattern in _PHONE_SHAPES:
        for m in pattern.finditer(text):
            if len(re.sub(r"\D", "", m.group())) in _PHONE_DIGITS:
                yield _Finding(m.start(), m.end(), 3, "Looks like a phone number")
    for m in _PHONE_KEYWORD.finditer(text):
        if len(re.sub(r"\D", "", m.group("number"))) in _PHONE_DIGITS:
            yield _Finding(m.start("number"), m.end("number"), 3, "Looks like a phone number")
    addresses = [(m.start(), m.end()) for m in _STREET_ADDRESS.finditer(text)]
    for start, end in addresses:
        yield _Finding(start, end, 3, "Looks like a street address")
    for m in _UK_POSTCODE.finditer(text):
        near_address = any(0 <= m.start() - end <= 60 for _, end in addresses)
        if near_address or _POSTCODE_CONTEXT.search(text[max(0, m.start() - 40) : m.start()]):
            yield _Finding(m.start(), m.end(), 4, "Looks like a postcode in an address")
    for m in _US_CITY_STATE_ZIP.finditer(text):
        yield _Finding(m.start(), m.end(), 4, "Looks like a postcode in an address")
    for pattern in _NAMED_PERSON:
        for m in pattern.finditer(text):
            if _is_name(m, text):
                yield _Finding(m.start(), m.end(), 5, "Looks like a named patient or relative")


def _resolve(findings: Iterable[_Finding]) -> list[_Finding]:
    """Keep one finding per stretch of text, the most specific one, in text order."""
    starts: list[int] = []
    kept: list[_Finding] = []  # non-overlapping, sorted by start
    for f in sorted(findings, key=lambda f: (f.priority, f.start, -f.end)):
        i = bisect.bisect_right(starts, f.start)
        if (i and kept[i - 1].end > f.start) or (i < len(kept) and kept[i].start < f.end):
            continue
        starts.insert(i, f.start)
        kept.insert(i, f)
    return kept


def _excerpt(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with up to _CONTEXT characters either side, cut at spaces."""
    left = max(0, start - _CONTEXT)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else start
    right = min(len(text), end + _CONTEXT)
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else end
    core = " ".join(text[left:right].split())
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    if len(prefix + core + suffix) > MAX_EXCERPT:
        core = " ".join(text[start:end].split())[: MAX_EXCERPT - 2]
        prefix, suffix = "…", "…"
    return prefix + core + suffix


def personal_data(text: str) -> list[EditWarning]:
    """List what in ``text`` looks like a real person's identifying details, in text order."""
    return [
        EditWarning(PERSONAL_DATA, f.detail, _excerpt(text, f.start, f.end))
        for f in _resolve(_find_personal(text))
    ]


# --------------------------------------------------------------------------------------------
# Diffs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hunk:
    """One run of deletions and insertions between two unchanged stretches."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    deleted: str
    inserted: str


def _diff(old: str, new: str) -> list[tuple[int, str]]:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = _DIFF_TIMEOUT
    diffs = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(diffs)
    return diffs


def _hunks(old: str, new: str) -> list[_Hunk]:
    hunks: list[_Hunk] = []
    old_pos = new_pos = 0
    current: list[tuple[int, str]] = []
    start = (0, 0)

    def close() -> None:
        if current:
            deleted = "".join(t for op, t in current if op == diff_match_patch.DIFF_DELETE)
            inserted = "".join(t for op, t in current if op == diff_match_patch.DIFF_INSERT)
            hunks.append(_Hunk(start[0], old_pos, start[1], new_pos, deleted, inserted))
            current.clear()

    for op, chunk in _diff(old, new):
        if op == diff_match_patch.DIFF_EQUAL:
            close()
            old_pos += len(chunk)
            new_pos += len(chunk)
            continue
        if not current:
            start = (old_pos, new_pos)
        current.append((op, chunk))
        if op == diff_match_patch.DIFF_DELETE:
            old_pos += len(chunk)
        else:
            new_pos += len(chunk)
    close()
    return hunks


def added_text(old: str, new: str) -> str:
    """Return the text the edit inserts, its inserted segments joined with newlines.

    For a new article (``old`` empty) that is the whole of ``new``.
    """
    if not old:
        return new
    return "\n".join(h.inserted for h in _hunks(old, new) if h.inserted)


# --------------------------------------------------------------------------------------------
# Doses and numbers
# --------------------------------------------------------------------------------------------

_NUMBER = r"\d+(?:[.,]\d+)*"
_UNIT = (
    r"(?:milligrams?|micrograms?|nanograms?|grams?|kilograms?|millilit(?:re|er)s?|lit(?:re|er)s?|"
    r"millimoles?|micromoles?|mmol|µmol|μmol|umol|mEq|mg|mcg|µg|μg|ug|ng|g|kg|mL|ml|dL|dl|L|"
    r"IU|international[ \t]+units?|units?|mmHg|mm[ \t]Hg|"
    r"tablets?|capsules?|puffs?|drops?|sachets?|sprays?|patch(?:es)?|ampoules?|vials?)"
    r"(?:/(?:kg|m2|m²|day|d|h|hr|hour|dose|min|minute|L|l|dL|dl|mL|ml|mol|week|1\.73[ \t]?m²?))*"
    r"(?![A-Za-z])"
)
_COUNT_WORD = r"one|two|three|four|five|six|eight|ten|twelve|\d+"
_PERIOD = r"day|daily|week|weekly|month|monthly|hour|hourly|night|nightly|fortnight|year|morning|evening"
DOSE_PATTERN: re.Pattern[str] = re.compile(
    # 5 mg, 2.5–5 mg/kg, 1 or 2 tablets, 30%, 140/90 mmHg
    rf"(?<![\w.])(?:{_NUMBER}/)?{_NUMBER}(?:[ \t]*(?:-|–|—|to|or)[ \t]*{_NUMBER})?[ \t\u00a0]*"
    rf"(?:{_UNIT}|%|per[ \t]?cent\b)"
    # once daily, three times a day, twice weekly
    rf"|\b(?:once|twice|thrice|(?:{_COUNT_WORD})[ \t]+times)[ \t]+(?:(?:a|per|each|every)[ \t]+)?"
    rf"(?:{_PERIOD})\b"
    # every 8 hours, every 4 to 6 hours, every other day
    rf"|\bevery[ \t]+(?:(?:{_COUNT_WORD})(?:[ \t]*(?:-|–|to)[ \t]*(?:{_COUNT_WORD}))?[ \t]+|other[ \t]+)?"
    rf"(?:hours?|hrs?|days?|weeks?|months?|minutes?|mins?|morning|night|evening)\b"
    # bd, tds, qds, q8h, nocte, and daily/weekly on their own
    r"|\b(?:od|bd|bid|tds|tid|qds|qid|qhs|nocte|mane|prn|q\d+(?:-\d+)?h)\b"
    r"|\b(?:daily|weekly|fortnightly|monthly|hourly|nightly)\b(?![ \t]+(?:life|living|activit))",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(rf"(?<![\w.,/-]){_NUMBER}(?:[ \t]*[-–][ \t]*{_NUMBER})?(?![\w/%])")
_DOSE_WORDS = re.compile(
    r"\b(?:doses?|dosed|dosing|dosage|tablets?|capsules?|take|takes|taken|taking|give|gives|given|"
    r"giving|administer(?:ed)?|inject(?:ed|ion)?|puffs?|sachets?|infusion|bolus|prescribe[ds]?|"
    r"maximum|max)\b",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")

_PER_DAY = r"(?: (?:a |per |each )?day| daily)"
# Spellings of the same unit or frequency, so "5mg" → "5 milligrams" is not a change.
_CANONICAL = [
    (re.compile(r"milligrams?"), "mg"),
    (re.compile(r"micrograms?|µg|μg|ug"), "mcg"),
    (re.compile(r"nanograms?"), "ng"),
    (re.compile(r"kilograms?"), "kg"),
    (re.compile(r"grams?"), "g"),
    (re.compile(r"millilit(?:re|er)s?"), "ml"),
    (re.compile(r"lit(?:re|er)s?"), "l"),
    (re.compile(r"international units?"), "iu"),
    (re.compile(r"per ?cent"), "%"),
    (re.compile(r"mm hg"), "mmhg"),
    (re.compile(r"(tablet|capsule|puff|drop|sachet|spray|ampoule|vial|unit)s\b"), r"\1"),
    (re.compile(rf"\b(?:od|once{_PER_DAY})\b"), "1/day"),
    (re.compile(rf"\b(?:bd|bid|(?:twice|two times){_PER_DAY})\b"), "2/day"),
    (re.compile(rf"\b(?:tds|tid|(?:thrice|three times){_PER_DAY})\b"), "3/day"),
    (re.compile(rf"\b(?:qds|qid|four times{_PER_DAY})\b"), "4/day"),
    (re.compile(r"\bdaily\b"), "1/day"),
    (re.compile(r"\b(?:nocte|at night)\b"), "night"),
    (re.compile(r"–|—| to "), "-"),
    (re.compile(r"\s+"), ""),
]


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    shown: str  # as written, whitespace collapsed
    key: str  # canonical form for comparison


def _canonical(token: str) -> str:
    key = " ".join(token.lower().split())
    for pattern, replacement in _CANONICAL:
        key = pattern.sub(replacement, key)
    return key


def _sentence_bounds(text: str) -> list[int]:
    return [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)] + [len(text) + 1]


def _dose_tokens(text: str) -> list[_Token]:
    """Doses, numbers with units and frequencies, plus bare numbers in sentences about dosing.

    Sorted by position; tokens never overlap.
    """
    tokens = [
        _Token(m.start(), m.end(), " ".join(m.group().split()), _canonical(m.group()))
        for m in DOSE_PATTERN.finditer(text)
    ]
    starts = [t.start for t in tokens]
    bounds = _sentence_bounds(text)
    about_dosing: dict[int, bool] = {}  # sentence index → mentions dosing; each sentence searched once
    bare = []
    for m in _BARE_NUMBER.finditer(text):
        i = bisect.bisect_left(starts, m.end())  # tokens from i on start after this number
        if i and tokens[i - 1].end > m.start():
            continue  # inside "5 mg": already a token
        sentence = bisect.bisect_right(bounds, m.start())
        if sentence not in about_dosing:
            about_dosing[sentence] = bool(_DOSE_WORDS.search(text, bounds[sentence - 1], bounds[sentence]))
        if about_dosing[sentence]:
            bare.append(_Token(m.start(), m.end(), m.group(), _canonical(m.group())))
    return sorted(tokens + bare, key=lambda t: t.start)


@dataclass(frozen=True)
class _TokenIndex:
    """A text's dose tokens, sorted and non-overlapping, with their ends and starts for bisect."""

    tokens: list[_Token]
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> _TokenIndex:
        tokens = _dose_tokens(text)
        return cls(tokens, [t.start for t in tokens], [t.end for t in tokens])

    def touching(self, start: int, end: int) -> list[_Token]:
        """The tokens that overlap or touch ``start``..``end``."""
        # A token touching the hunk's edge counts: "10 mg" → "100 mg" inserts a lone "0" after "10".
        return self.tokens[bisect.bisect_left(self.ends, start) : bisect.bisect_right(self.starts, end)]


def _shown(tokens: list[_Token], keys: Counter) -> list[str]:
    """The tokens whose keys are in ``keys``, as written, as many times as ``keys`` counts."""
    left, shown = Counter(keys), []
    for t in tokens:
        if left[t.key] > 0:
            shown.append(t.shown)
            left[t.key] -= 1
    return shown


def _quoted(tokens: Iterable[str]) -> str:
    return ", ".join(f"'{t}'" for t in tokens)


def _moved(hunks: list[_Hunk]) -> set[int]:
    """Indexes of pure deletions and pure insertions whose text the edit puts back elsewhere."""

    def text(h: _Hunk) -> str:
        return " ".join((h.deleted or h.inserted).split())

    pure = [(i, h) for i, h in enumerate(hunks) if bool(h.deleted) != bool(h.inserted) and text(h)]
    deleted = {text(h) for _, h in pure if h.deleted}
    inserted = {text(h) for _, h in pure if h.inserted}
    return {i for i, h in pure if text(h) in (inserted if h.deleted else deleted)}


def dose_changes(old: str, new: str) -> list[EditWarning]:
    """List the edit's changes to doses, numbers with units and dosing frequencies.

    A bare number counts too when its sentence is about dosing ("take 2 with food").
    Text moved unchanged from one place to another is not a change.
    """
    old_tokens, new_tokens = _TokenIndex.of(old), _TokenIndex.of(new)
    hunks = _hunks(old, new)
    moved = _moved(hunks)
    warnings: list[EditWarning] = []
    for i, hunk in enumerate(hunks):
        before = old_tokens.touching(hunk.old_start, hunk.old_end)
        after = new_tokens.touching(hunk.new_start, hunk.new_end)
        if i in moved or [t.key for t in before] == [t.key for t in after]:
            continue
        removed_keys = Counter(t.key for t in before) - Counter(t.key for t in after)
        added_keys = Counter(t.key for t in after) - Counter(t.key for t in before)
        removed, added = _shown(before, removed_keys), _shown(after, added_keys)
        if removed and added:
            detail = f"Dose or number changed: {_quoted(removed)} → {_quoted(added)}"
        elif added:
            detail = f"Dose or number added: {_quoted(added)}"
        elif removed:
            detail = f"Dose or number removed: {_quoted(removed)}"
        else:  # same tokens, new order: "5 mg then 10 mg" → "10 mg then 5 mg"
            detail = (
                f"Dose or number changed: {_quoted(t.shown for t in before)} → "
                f"{_quoted(t.shown for t in after)}"
            )
        if after:
            excerpt = _excerpt(new, min(after[0].start, hunk.new_start), max(after[-1].end, hunk.new_end))
        else:
            excerpt = _excerpt(old, min(before[0].start, hunk.old_start), max(before[-1].end, hunk.old_end))
        warnings.append(EditWarning(DOSE_CHANGE, detail, excerpt))
    return warnings


# --------------------------------------------------------------------------------------------
# The whole check
# --------------------------------------------------------------------------------------------


def _personal_data_touched(old: str, new: str) -> list[EditWarning]:
    """Personal data in ``new`` that overlaps something the edit inserted.

    Scanning the new text rather than the inserted fragments alone keeps the context a
    detector needs: adding "Jane Doe" after an existing "my patient" is still a named patient.
    """
    hunks = [h for h in _hunks(old, new) if h.inserted]
    found = _resolve(_find_personal(new))
    return [
        EditWarning(PERSONAL_DATA, f.detail, _excerpt(new, f.start, f.end))
        for f in found
        if any(f.start < h.new_end and f.end > h.new_start for h in hunks)
    ]


def _unique(warnings: Iterable[EditWarning]) -> list[EditWarning]:
    return list(dict.fromkeys(warnings))


def check_edit(old: str, new: str) -> list[EditWarning]:
    """List the warnings for changing ``old`` into ``new``: personal data first, then doses.

    Personal data is what the edit adds: for a new article the whole text; otherwise each
    match in ``new`` that overlaps an insertion, so that the words around a small insertion
    count ("my patient" + an added "Jane Doe") and a number completed by the edit is seen whole.
    """
    personal = _personal_data_touched(old, new) if old else personal_data(new)
    return _unique(personal + dose_changes(old, new))


def is_dose_change(warnings: Iterable[EditWarning]) -> bool:
    """Tell whether any of ``warnings`` is about a dose or number."""
    return any(w.kind == DOSE_CHANGE for w in warnings)
