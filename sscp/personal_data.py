"""
The personal data guard: free text that looks as if it identifies a child or family.

The product holds no child-identifying data (SECURITY.md, "Data minimisation"). The
free text of reviews, recommendations, actions and progress is checked when it is
saved, and a person who typed something that looks like one of these is warned and
must change it or confirm it (sscp.forms.GovukForm). The rules, chosen to warn
rarely and mean it:

- An NHS number: ten digits, alone or grouped 3-3-4 with spaces or hyphens, that pass
  the NHS modulus 11 check. Ten digits that fail it (a reference number) are not one.
- A date of birth: a full date (3/4/2015, 03-04-15, 2015-04-03, 3 April 2015, the 3rd
  of April 2015, April 3, 2015) at most three words after "born", "DOB", "d.o.b.",
  "date of birth" or "birth date" in the same sentence, or followed at once by "DOB" or
  "(DOB)". No other date is checked: reviews and actions rightly mention the dates of
  meetings, and a date alone says nothing of whose birthday it is.
- A UK postcode: the standard pattern (SO14 7LY, PO1 2AL, SW1A 1AA, GIR 0AA), with or
  without the space, in any case; "4th" or "2nd" written in lower case after an outward
  code ("Y6 2nd term") is an ordinal, not the last half of one.
- A UK phone number of a person: a landline (01…, 02…) or mobile (07…) of eleven
  digits, or the same after +44, in the usual groupings. 03, 08 and 09 numbers belong
  to services (a council's contact centre, a helpline), not families, and are allowed.

What was found is never repeated whole: a warning shows the kind and the value masked,
all but its last few letters and digits replaced by dots, enough for the person to
find it in what they typed and no more, and that is all the history row keeps.
"""

import bisect
import re
from dataclasses import dataclass

NHS_NUMBER = "an NHS number"
DATE_OF_BIRTH = "a date of birth"
POSTCODE = "a postcode"
PHONE_NUMBER = "a phone number"

MASK = "•"
LISTED = 3  # a warning names this many findings, then says how many more
ADVICE = "Do not record details that could identify a child or family."

_FLAGS = re.IGNORECASE | re.ASCII | re.VERBOSE

_NHS = re.compile(
    r"""(?<![0-9])(?<![0-9][ -])   # not the end of a longer number
    [0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}
    (?![0-9])(?![ -][0-9])""",
    _FLAGS,
)

_POSTCODE = re.compile(
    r"""\b(?:
        GIR[ ]?0AA
      | [A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])
        [ ]?(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})
    )\b""",
    _FLAGS,
)
_ORDINAL = re.compile(r"[0-9](?:st|nd|rd|th)", re.ASCII)  # lower case only

_PHONE = re.compile(
    r"""(?<![\w+])
    (?:\+44[ -]?(?:\(0\)[ -]?)?|\(?0)   # +44, +44 (0), 0 or (0
    [127]                               # a landline or a mobile
    (?:\)?[ -]?[0-9]){9}                # nine more digits, grouped any usual way
    (?![0-9])""",
    _FLAGS,
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DATE = re.compile(
    rf"""(?<![0-9/.-])(?:
        [0-9]{{1,2}}(?P<sep>[/.-])[0-9]{{1,2}}(?P=sep)(?:[0-9]{{4}}|[0-9]{{2}})
      | [0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}
      | {_DAY}(?:[ ]+of)?[ ]+{_MONTH},?[ ]+[0-9]{{4}}
      | \b{_MONTH}[ ]+{_DAY},?[ ]+[0-9]{{4}}
    )(?![0-9])(?![/.-][0-9])""",
    _FLAGS,
)
_BIRTH = re.compile(
    r"\b(?:born\b|date[ ]+of[ ]+birth\b|birth[ ]?date\b|d\.?[ ]?o\.?[ ]?b\b\.?)", _FLAGS
)
_DOB_AFTER = re.compile(r"[ ]*\)?[ ]*[(\[]?[ ]*d\.?[ ]?o\.?[ ]?b\b", _FLAGS)
_WORDS_BETWEEN = 3
_GAP_LIMIT = 60  # characters: longer is not "a few words", and is not searched
_SENTENCE_END = re.compile(r"[.!?;]\s|\n")


@dataclass(frozen=True)
class Finding:
    """Something in a text that looks like personal data: its kind ("a postcode") and
    the matched value masked, never the value itself."""

    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.kind} ({self.masked})"


def findings(text: str) -> list[Finding]:
    """What in `text` looks like an NHS number, date of birth, postcode or phone number,
    in the order it appears, each once."""
    if not text:
        return []
    spans: list[tuple[int, int, str]] = []  # in order, none overlapping
    for kind, matches in [
        (NHS_NUMBER, _nhs_numbers(text)),
        (PHONE_NUMBER, _PHONE.finditer(text)),
        (POSTCODE, _postcodes(text)),
        (DATE_OF_BIRTH, _dates_of_birth(text)),
    ]:
        for match in matches:
            start, end = match.span()
            # Each piece of text is one thing: the first kind (in this order) to claim it.
            at = bisect.bisect_left(spans, (start,))
            if (at and spans[at - 1][1] > start) or (at < len(spans) and spans[at][0] < end):
                continue
            spans.insert(at, (start, end, kind))
    found = [Finding(kind, mask(text[start:end], kind)) for start, end, kind in spans]
    return list(dict.fromkeys(found))


def warnings_for(label: str, text: str) -> list[str]:
    """The warning for one field's text, naming the field and what was found, masked:
    "Description: this looks like a phone number (••• •••• 3000). Do not record…"."""
    found = findings(text)
    if not found:
        return []
    described = [str(finding) for finding in found[:LISTED]]
    if len(found) > LISTED:
        described.append(f"{len(found) - LISTED} more")
    listed = ", ".join(described[:-1]) + " and " if len(described) > 1 else ""
    return [f"{label}: this looks like {listed}{described[-1]}. {ADVICE}"]


def mask(value: str, kind: str) -> str:
    """`value` with every letter and digit but the last few replaced by a dot; spaces and
    punctuation kept, so the person can find it in what they wrote."""
    keep = 4 if kind in {NHS_NUMBER, PHONE_NUMBER} else 2
    shown = sum(1 for c in value if c.isalnum())
    masked, seen = [], 0
    for character in value:
        if character.isalnum():
            seen += 1
            masked.append(character if seen > shown - keep else MASK)
        else:
            masked.append(character)
    return "".join(masked)


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS modulus 11 check: weights 10 down to 2 on the first nine digits; the
    check digit is 11 less the sum's remainder by 11 (11 becomes 0; 10 is never valid)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str):
    for match in _NHS.finditer(text):
        if nhs_number_is_valid(re.sub(r"[ -]", "", match.group())):
            yield match


def _postcodes(text: str):
    for match in _POSTCODE.finditer(text):
        inward = match.group("inward")
        if inward is None or not _ORDINAL.fullmatch(inward):
            yield match


def _dates_of_birth(text: str):
    """Full dates next to words saying they are a birth date (the module's rule)."""
    cue_ends = [cue.end() for cue in _BIRTH.finditer(text)]
    for date in _DATE.finditer(text):
        if not _plausible(date.group()):
            continue
        before = bisect.bisect_right(cue_ends, date.start())  # the cues ending before it
        if (before and _close(text[cue_ends[before - 1] : date.start()])) or _DOB_AFTER.match(
            text, date.end()
        ):
            yield date


def _close(gap: str) -> bool:
    """Whether a birth word and a date are in one phrase: at most a few words apart,
    with no sentence between them."""
    return (
        len(gap) <= _GAP_LIMIT
        and not _SENTENCE_END.search(gap)
        and len(re.findall(r"\w+", gap)) <= _WORDS_BETWEEN
    )


def _plausible(date: str) -> bool:
    """A numeric date's parts could be a day and a month (either way round: 3/4 or 4/3)."""
    if not re.fullmatch(r"[0-9/.-]+", date):
        return True  # written with the month's name: the pattern holds it to a real day
    parts = re.split(r"[/.-]", date)
    if len(parts[0]) == 4:
        parts = [parts[2], parts[1], parts[0]]
    first, second = int(parts[0]), int(parts[1])
    return min(first, second) >= 1 and (
        (first <= 31 and second <= 12) or (first <= 12 and second <= 31)
    )
