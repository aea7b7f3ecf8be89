"""
The search in the header: reviews, recommendations, actions and learning activities of
the partnership the person reads, found by the one text engine (search.engine) and
ranked together.

Everyone in a partnership reads its reviews, recommendations, learning activities, and
every action's title, description and success measure (Ability.READ): those are the
texts searched. An
action's progress, statements, comments and evidence are never searched here.

A search is a page of rows (kind, id, rank) from one UNION of each kind's ranked
matches, then the records of that page, one query a kind, with their snippets: a
fixed number of queries however many are found, and ts_headline only for those shown.
"""

from dataclasses import dataclass

from django.db.models import CharField, Exists, QuerySet, Value
from django.utils.safestring import SafeString

from actions.models import Action
from learning.models import LearningActivity
from reviews.models import Recommendation, Review
from search import engine
from sscp.models import Partnership


@dataclass(frozen=True)
class Kind:
    """A kind of record the search finds."""

    name: str
    label: str
    tag: str  # its GOV.UK tag's colour class
    model: type
    text: engine.Text
    related: tuple[str, ...] = ()

    def records(self, scope):
        return scope.filter(self.model.objects.all())


KINDS = [
    Kind("review", "Review", "govuk-tag--teal", Review, engine.REVIEWS),
    Kind(
        "recommendation",
        "Recommendation",
        "govuk-tag--pink",
        Recommendation,
        engine.RECOMMENDATIONS,
        ("review",),
    ),
    Kind("action", "Action", "govuk-tag--yellow", Action, engine.ACTIONS, ("review", "agency")),
    Kind(
        "learning",
        "Learning activity",
        "govuk-tag--magenta",
        LearningActivity,
        engine.LEARNING_ACTIVITIES,
    ),
]
BY_NAME = {kind.name: kind for kind in KINDS}


@dataclass(frozen=True)
class Result:
    kind: Kind
    record: object
    snippet: SafeString


# Of each kind, only the first this many records with the words are ranked (as the index
# finds them): ranking reads each record's text, and a word found in most of 80,000 actions
# of one partnership took 10 s to rank them all. The page says so, and to add words.
RANKED_AT_MOST = 500


def with_words(scope, words: engine.Words) -> dict[str, QuerySet]:
    """Each kind's records in `scope` with all the words: read by id when the index finds
    at most RANKED_AT_MOST of them past the row-level policies (search.engine.found), which
    a word in few records does; else tested one by one as they are read."""
    each = engine.found([(kind.text, words) for kind in KINDS], RANKED_AT_MOST)
    matched = {}
    for kind, ids in zip(KINDS, each, strict=True):
        records = kind.records(scope)
        if ids is None:
            matched[kind.name] = engine.matches(records, kind.text, words)
        else:
            matched[kind.name] = records.filter(pk__in=ids)
    return matched


def found(matched: dict[str, QuerySet], words: engine.Words):
    """The records `with_words` found, best first: rows of (kind, pk, rank); of each kind
    the first RANKED_AT_MOST found."""
    ranked = [
        engine.ranked(_first_found(kind, matched[kind.name]), kind.text, words)
        .annotate(search_kind=Value(kind.name, output_field=CharField()))
        .values_list("search_kind", "pk", "rank")
        .order_by()  # a model's own order has no place inside a UNION
        for kind in KINDS
    ]
    first, *others = ranked
    return first.union(*others, all=True).order_by("-rank", "search_kind", "pk")


def _first_found(kind: Kind, matched: QuerySet):
    first = matched.order_by().values("pk")
    return kind.model.objects.filter(pk__in=first[:RANKED_AT_MOST])


def cut_short(scope, matched: dict[str, QuerySet]) -> list[Kind]:
    """The kinds of which more records have the words than are ranked (RANKED_AT_MOST),
    asked in one query: whether each has a record past the limit."""
    past_the_limit = {
        kind.name: Exists(
            matched[kind.name].order_by().values("pk")[RANKED_AT_MOST - 1 : RANKED_AT_MOST]
        )
        for kind in KINDS
    }
    one_row = Partnership.objects.filter(pk__in=sorted(scope.ids)).order_by("pk")[:1]
    answers = one_row.values(**past_the_limit).first() or {}
    return [kind for kind in KINDS if answers.get(kind.name)]


def results(scope, words: engine.Words, rows) -> list[Result]:
    """The records of a page of `found` rows, in its order, each with its snippet."""
    ids: dict[str, list[int]] = {}
    for name, pk, _rank in rows:
        ids.setdefault(name, []).append(pk)
    records = {}
    for name, pks in ids.items():
        kind = BY_NAME[name]
        shown = kind.records(scope).filter(pk__in=pks).select_related(*kind.related)
        for record in engine.with_snippet(shown, kind.text, words):
            records[name, record.pk] = Result(kind, record, record.snippet)
    return [records[name, pk] for name, pk, _rank in rows if (name, pk) in records]
