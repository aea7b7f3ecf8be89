"""The recurring learning matcher, measured on the labelled set (issue 19, item 3): the
command prints top-3 recall and precision, changes nothing, and finds at least 80% of
the labelled pairs (the issue's aim) on the database the suite runs on."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from reviews.models import Recommendation, Review
from sscp.models import Partnership

pytestmark = pytest.mark.django_db


def test_the_command_prints_recall_and_precision_and_changes_nothing():
    before = (Partnership.objects.count(), Review.objects.count(), Recommendation.objects.count())
    out = StringIO()
    call_command("recurring_learning", "--missed", stdout=out)
    printed = out.getvalue()
    assert "54 later recommendations against 62 earlier, 48 labelled pairs" in printed
    recall, found = re.search(
        r"Top-3 recall (\d\.\d\d) \((\d+) of 48 pairs found\)", printed
    ).groups()
    precision = re.search(r"precision (\d\.\d\d) \(\d+ of \d+ suggestions right\)", printed)
    assert float(recall) >= 0.8 and int(found) >= 39
    assert precision is not None and float(precision.group(1)) > 0.33  # better than 1 in 3
    assert printed.count("missed ") == 48 - int(found)
    assert (
        Partnership.objects.count(),
        Review.objects.count(),
        Recommendation.objects.count(),
    ) == before
