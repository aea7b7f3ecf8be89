"""
How well recurring learning is found (issue 19, item 3): the matcher of reviews.recurring
on a labelled set, `fixtures/recurring_learning.toml`, written by hand from the annual
report's themes. Its earlier recommendations are loaded into a partnership of their own
inside a transaction that is rolled back; each later one is matched against them as when
it is written, and its top three suggestions are compared with the labels.

- Recall: the share of labelled pairs (a later recommendation and an earlier one it
  repeats) whose earlier one is among the later one's top three suggestions.
- Precision: the share of all suggestions made (up to three each, only those the
  matcher ranks as similar enough) that are labelled repeats.
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from reviews import recurring
from reviews.models import Recommendation, Review
from sscp.models import Partnership

LABELLED_SET = Path(settings.BASE_DIR) / "fixtures" / "recurring_learning.toml"


@dataclass
class Accuracy:
    earlier: int = 0
    later: int = 0
    pairs: int = 0
    found: int = 0  # labelled pairs in the top three
    suggested: int = 0
    right: int = 0  # suggestions that are labelled pairs
    missed: list[str] = field(default_factory=list)  # "later key → earlier key"

    @property
    def recall(self) -> float:
        return self.found / self.pairs if self.pairs else 0.0

    @property
    def precision(self) -> float:
        return self.right / self.suggested if self.suggested else 0.0

    def summary(self, path: Path) -> str:
        return (
            f"Recurring learning on {path.name} ({connection.vendor}): {self.later} later "
            f"recommendations against {self.earlier} earlier, {self.pairs} labelled pairs.\n"
            f"Top-3 recall {self.recall:.2f} ({self.found} of {self.pairs} pairs found); "
            f"precision {self.precision:.2f} ({self.right} of {self.suggested} suggestions "
            "right)."
        )


class _RolledBack(Exception):
    pass


def measure(path: Path = LABELLED_SET) -> Accuracy:
    """Match each later recommendation of the labelled set against its earlier ones."""
    labelled = tomllib.loads(path.read_text())
    result = Accuracy()
    try:
        with transaction.atomic():
            _match(labelled, result)
            raise _RolledBack
    except _RolledBack:
        pass
    return result


def _match(labelled: dict, result: Accuracy) -> None:
    partnership = Partnership.objects.create(
        name="Recurring learning measurement", short_name="Measure", slug="recurring-measure"
    )
    reviews, keys = {}, {}
    for number, earlier in enumerate(labelled["earlier"], start=1):
        title = f"{earlier['review']} ({earlier['year']})"
        if title not in reviews:
            reviews[title] = Review.objects.create(
                partnership=partnership, title=title, kind=Review.Kind.PRACTICE_REVIEW
            )
        recommendation = Recommendation.objects.create(
            review=reviews[title], partnership=partnership, number=number, text=earlier["text"]
        )
        keys[recommendation.pk] = earlier["key"]
    result.earlier = len(keys)
    for later in labelled["later"]:
        result.later += 1
        repeats = set(later["repeats"])
        found = recurring.similar_to(later["text"], partnership_id=partnership.pk)
        suggested = [keys[recommendation.pk] for recommendation in found]
        result.pairs += len(repeats)
        result.found += len(repeats & set(suggested))
        result.suggested += len(suggested)
        result.right += len(repeats & set(suggested))
        result.missed += [f"{later['key']} → {key}" for key in sorted(repeats - set(suggested))]
