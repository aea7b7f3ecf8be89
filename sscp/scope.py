"""
Which partnerships a request reads: its scope (docs/architecture.md, "Partnerships").

Every page under a partnership's address (`/<slug>/…`) works in that partnership;
`/all/…` (an agency lead's actions across their partnerships) in every partnership the
person belongs to. sscp.permissions decides whether the person may enter, makes the
Scope, and activates it for the request, as Django activates a time zone: selectors
filter every list by it (`Scope.filter`), and a record's address names the partnership
the person reached it through (`address`).

A review commissioned jointly belongs to its commissioning partnership and is shared
with the others: a scope holds the joint reviews it reaches that way, so that their
recommendations and actions are in it too.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse

_active: ContextVar["Scope | None"] = ContextVar("partnership_scope", default=None)


class Scope:
    """The partnerships a request reads, and the joint reviews shared with them."""

    def __init__(self, partnerships: dict, current=None):
        self.partnerships = partnerships  # id → Partnership
        self.current = current  # the Partnership the address names; None for "all"
        # Reviews commissioned jointly with a partnership in scope: review id → the id of
        # that partnership (Partnership.joint_review_ids, read with the partnerships).
        self.shared_reviews = {
            review_id: partnership.pk
            for partnership in partnerships.values()
            for review_id in partnership.joint_review_ids
        }

    @classmethod
    def of(cls, partnerships, *, current=None) -> "Scope":
        return cls({partnership.pk: partnership for partnership in partnerships}, current)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(self.partnerships)

    def q(self, partnership: str = "partnership", review: str | None = "review") -> Q:
        """The records in scope, as a filter: their own partnership's, or of a review shared
        with one. Plain ids on both sides, so that indexes serve it.

        `partnership` and `review` are the paths from the model to its partnership and its
        review (`scoped_by` on each model says them).
        """
        within = Q(**{f"{partnership}__in": sorted(self.ids)})
        if review and self.shared_reviews:
            within |= Q(**{f"{review}__in": sorted(self.shared_reviews)})
        return within

    def filter(self, queryset):
        """The rows of `queryset` in scope; its model says how (`scoped_by`)."""
        return queryset.filter(self.q(*queryset.model.scoped_by))

    def partnership_for(self, partnership_id: int, review_id: int | None = None):
        """The partnership in scope through which a record is reached, or None."""
        if partnership_id in self.partnerships:
            return self.partnerships[partnership_id]
        if review_id in self.shared_reviews:
            return self.partnerships[self.shared_reviews[review_id]]
        return None


def active() -> Scope | None:
    return _active.get()


@contextmanager
def activated(scope: Scope):
    """Work in `scope` for the block: a request, or a job acting for one person."""
    token = _active.set(scope)
    try:
        yield scope
    finally:
        _active.reset(token)


def address(url_name: str, record, *args) -> str:
    """The address of a page about `record` (anything with a partnership and maybe a review),
    in the partnership of the active scope through which it is reached; with no scope
    active (an email, the admin), in its own partnership."""
    scope = active()
    partnership = None
    if scope is not None:
        partnership = scope.partnership_for(record.partnership_id, _review_id(record))
    if partnership is None:
        partnership = record.partnership
    if len(args) == 1 and isinstance(args[0], int):
        # A list's rows share their address but for the number: reversed once, not a row.
        before, after = _around_number(
            url_name, partnership.slug, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
        )
        return f"{before}{args[0]}{after}"
    return reverse(url_name, args=[partnership.slug, *args])


_NUMBER = 918273645  # stands for a record's number while an address is reversed


@lru_cache(maxsize=1024)
def _around_number(url_name: str, slug: str, urlconf, script_prefix: str) -> tuple[str, str]:
    """What comes before and after the record's number in the address `url_name` of a
    record in the partnership `slug` (under the URLs and script prefix in force, which are
    part of the key: a test or a request under a sub-path has its own)."""
    before, after = reverse(url_name, args=[slug, _NUMBER], urlconf=urlconf).split(str(_NUMBER))
    return before, after


def _review_id(record) -> int | None:
    """The id of the review a record is of, by the path its model's `scoped_by` names."""
    path = type(record).scoped_by[1]
    if path == "pk":
        return record.pk
    return getattr(record, f"{path}_id", None) if path and "__" not in path else None
