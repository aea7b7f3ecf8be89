"""The personal data guard's rules (issue 18, item 6): what looks like an NHS number, a date
of birth, a UK postcode or a UK phone number, what does not, and that what is found is
never repeated whole."""

import time

import pytest

from sscp.personal_data import (
    DATE_OF_BIRTH,
    NHS_NUMBER,
    PHONE_NUMBER,
    POSTCODE,
    Finding,
    findings,
    nhs_number_is_valid,
    warnings_for,
)

# Each checked by hand: weights 10..2 on the first nine digits, check = 11 - (sum mod 11).
VALID_NHS_NUMBERS = [
    "9434765919",  # sum 299, 299 mod 11 = 2, check 9
    "4010232137",  # sum 169, 169 mod 11 = 4, check 7
    "9876543210",  # sum 330, 330 mod 11 = 0: 11 becomes 0
    "1000000060",  # sum 22, 22 mod 11 = 0: 11 becomes 0
]
INVALID_NHS_NUMBERS = [
    "1234567890",  # sum 210, 210 mod 11 = 1: check 10, never valid
    "1234567891",  # the same: no last digit makes it valid
    "9434765918",  # one off the right check digit
    "4857773456",  # 4857773457 is valid
    "943476591",  # nine digits
]


def kinds(text):
    return [finding.kind for finding in findings(text)]


@pytest.mark.parametrize("number", VALID_NHS_NUMBERS)
def test_a_valid_nhs_number_passes_the_modulus_11_check(number):
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize("number", INVALID_NHS_NUMBERS)
def test_an_invalid_nhs_number_fails_it(number):
    assert not nhs_number_is_valid(number)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("NHS number 943 476 5919.", "••• ••• 5919"),
        ("nhs no 9434765919", "••••••5919"),
        ("943-476-5919 on the referral", "•••-•••-5919"),
        ("ref 987 654 3210", "••• ••• 3210"),
    ],
)
def test_an_nhs_number_is_found_in_the_usual_groupings(text, masked):
    assert findings(text) == [Finding(NHS_NUMBER, masked)]


@pytest.mark.parametrize(
    "text",
    [
        "Case reference 1234567890 on the system",  # fails modulus 11: an action's reference
        "Case reference 4857773456",
        "Order 94347659190",  # eleven digits: not an NHS number (nor a phone: no 0)
        "Serial 19434765919",
        "Room 101",
        "£12,345,678 was spent on training",
        "943 476 5919 2",  # part of a longer run of digits
    ],
)
def test_numbers_that_are_not_nhs_numbers_are_not_flagged(text):
    assert NHS_NUMBER not in kinds(text)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Lives at SO14 7LY with her aunt", "•••• •LY"),
        ("po1 2al", "••• •al"),
        ("PO12AL", "••••AL"),
        ("so147ly", "•••••ly"),
        ("SW1A 1AA", "•••• •AA"),
        ("M1 1AE", "•• •AE"),
        ("B33 8TH", "••• •TH"),
        ("CR2 6XH", "••• •XH"),
        ("DN55 1PT.", "•••• •PT"),
        ("GIR 0AA", "••• •AA"),
    ],
)
def test_a_postcode_is_found_with_or_without_its_space_in_any_case(text, masked):
    assert findings(text) == [Finding(POSTCODE, masked)]


@pytest.mark.parametrize(
    "text",
    [
        "Room 101",
        "Year 6 pupils",
        "Y6 2nd term",  # an ordinal in lower case, not an inward code
        "Meeting on the W1 4th floor",
        "Section 47 (S47) enquiries",
        "KS2 and KS3 results",
        "vitamin B12 levels",
        "Covid-19 restrictions",
        "Q1 2AB",  # Q never starts a postcode
    ],
)
def test_things_that_are_not_postcodes_are_not_flagged(text):
    assert POSTCODE not in kinds(text)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Call mum on 07700 900123", "••••• ••0123"),
        ("07700900123", "•••••••0123"),
        ("mobile 07700 900 123", "••••• ••0 123"),
        ("+44 7700 900123", "+•• •••• ••0123"),
        ("+447700900123", "+••••••••0123"),
        ("Home: 023 8083 3000", "••• •••• 3000"),
        ("(023) 8083 3000", "(•••) •••• 3000"),
        ("+44 (0)23 8083 3000", "+•• (•)•• •••• 3000"),
        ("020 7946 0000", "••• •••• 0000"),
        ("0113 496 0000", "•••• ••• 0000"),
        ("01632 960000", "••••• ••0000"),
        ("01632-960000", "•••••-••0000"),
    ],
)
def test_a_landline_or_mobile_number_is_found(text, masked):
    assert findings(text) == [Finding(PHONE_NUMBER, masked)]


@pytest.mark.parametrize(
    "text",
    [
        "Children's services front door: 0300 555 1384",  # a service's number
        "Freephone 0800 123 4567",
        "NSPCC helpline 0808 800 5000",
        "0123456789",  # ten digits: too short for a UK landline or mobile
        "077009001234",  # twelve digits
        "Room 101",
        "£12,345,678",
        "Meeting 01-04-2021",
    ],
)
def test_numbers_that_are_not_a_persons_phone_are_not_flagged(text):
    assert PHONE_NUMBER not in kinds(text)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Liam was born on 3 April 2015.", "• ••••• ••15"),
        ("DOB: 03/04/2015", "••/••/••15"),
        ("dob 3/4/15", "•/•/15"),
        ("D.O.B. 03-04-2015", "••-••-••15"),
        ("d.o.b 3.4.2015", "•.•.••15"),
        ("Date of birth 2015-04-03", "••••-••-03"),
        ("date of birth is the 3rd of April 2015", "••• •• ••••• ••15"),
        ("born in Southampton on 3 April 2015", "• ••••• ••15"),
        ("born on April 3rd, 2015", "••••• •••, ••15"),
        ("Birth date: 3 Apr 2015", "• ••• ••15"),
        ("Liam (03/04/2015) (DOB)", "••/••/••15"),
        ("Liam 03/04/2015 DOB", "••/••/••15"),
    ],
)
def test_a_full_date_next_to_birth_words_is_a_date_of_birth(text, masked):
    assert findings(text) == [Finding(DATE_OF_BIRTH, masked)]


@pytest.mark.parametrize(
    "text",
    [
        "The panel met on 3 April 2021 and agreed the terms of reference.",
        "Review meeting 03/04/2021",
        "Due by 2027-03-31",
        "Liam was born in 2015. The strategy meeting was on 3 April 2021.",  # another sentence
        "He was born prematurely and the review first met on 3 April 2021",  # too far apart
        "Costs borne by the council from 3 April 2021",  # "borne" is not "born"
        "A newborn; the meeting on 3 April 2021",
        "Born in April 2015",  # not a full date
        "born 13/13/2015",  # not a date at all
        "3 April 2021, born of the review's findings",  # the birth word comes after
    ],
)
def test_other_dates_are_not_dates_of_birth(text):
    assert DATE_OF_BIRTH not in kinds(text)


def test_text_without_personal_data_has_no_findings():
    text = (
        "Agencies should share information within 24 hours of a strategy discussion; "
        "the audit on 3 April 2021 found 12 of 20 cases did. Budget £12,345,678. Room 101."
    )
    assert findings(text) == []
    assert findings("") == []
    assert warnings_for("Description", "") == []


def test_each_finding_is_listed_once_in_the_order_it_appears():
    text = "Mum 07700 900123, SO14 7LY, NHS 943 476 5919, DOB 3/4/2015, again 07700 900123"
    assert [str(f) for f in findings(text)] == [
        "a phone number (••••• ••0123)",
        "a postcode (•••• •LY)",
        "an NHS number (••• ••• 5919)",
        "a date of birth (•/•/••15)",
    ]


def test_the_warning_names_the_field_and_masks_the_value():
    [warning] = warnings_for("Description", "Ring the school on 023 8083 3000 first.")
    assert warning == (
        "Description: this looks like a phone number (••• •••• 3000). "
        "Do not record details that could identify a child or family."
    )
    assert "8083" not in warning


def test_one_warning_lists_everything_found_in_a_field():
    [warning] = warnings_for("Progress update", "Moved to PO1 2AL; new mobile 07700 900123")
    assert warning.startswith(
        "Progress update: this looks like a postcode (••• •AL) and a phone number (••••• ••0123)."
    )
    assert "PO1" not in warning and "900123" not in warning


def test_a_warning_names_three_findings_then_counts_the_rest():
    [warning] = warnings_for("Summary", "SO14 7LY, PO1 2AL, M1 1AE, B33 8TH and CR2 6XH")
    assert warning.startswith(
        "Summary: this looks like a postcode (•••• •LY), a postcode (••• •AL), "
        "a postcode (•• •AE) and 2 more."
    )


def test_a_long_text_full_of_matches_is_checked_in_linear_time():
    """Text is checked on every save, so a huge paste must not hold up a worker."""
    text = "DOB 1/1/2000, 07700 900123, SO14 7LY, 943 476 5919. " * 5000  # 265,000 characters
    started = time.perf_counter()
    assert len(findings(text)) == 4  # each the same: listed once
    assert time.perf_counter() - started < 5
