"""
Recurring learning: the earlier recommendations of a partnership that say much the same as
one being written (docs/architecture.md, "Recurring learning").

Found by the one text engine (search.engine.similar): any of the new text's distinctive
words, ranked so that a rarer word shared counts for more. Only recommendations of the
same partnership from other reviews are candidates, and only those ranked above
SIMILAR_ENOUGH are offered, best first: a person confirms a repeat, nothing is marked by
the machine. `devtools`' recurring_learning command measures it on a labelled set.
"""

from reviews.models import Recommendation
from search import engine

SUGGESTED = 3


def similar_to(text: str, *, partnership_id: int, review_id: int | None = None, limit=SUGGESTED):
    """The recommendations of the partnership most like `text`, best first, not of the
    review `review_id`."""
    candidates = Recommendation.objects.filter(partnership_id=partnership_id)
    if review_id is not None:
        candidates = candidates.exclude(review_id=review_id)
    return engine.similar(
        candidates.select_related("review"), engine.RECOMMENDATIONS, text, limit=limit
    )


def similar_earlier(recommendation: Recommendation, limit=SUGGESTED) -> list[Recommendation]:
    """Earlier learning like `recommendation`: its partnership's recommendations of other
    reviews, best first."""
    return similar_to(
        recommendation.text,
        partnership_id=recommendation.partnership_id,
        review_id=recommendation.review_id,
        limit=limit,
    )
