"""
Importing a review's recommendations and their actions from a CSV or XLSX file.

One row per action; a recommendation's columns repeat on each of its actions'
rows (a row with no action columns adds a recommendation with no action). The
whole file is checked before anything is saved, every problem is reported by row
and column, and saving is all or nothing. A due date is checked as the action form
checks it: an impossible one is a problem, one in the past a warning that the
person must confirm before the import is saved. So is text that looks like personal
data (sscp.personal_data), in the columns the forms check.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from actions import services as action_services
from actions.forms import due_date_field, past_date_warnings
from reviews import services as review_services
from reviews.import_files import COLUMNS, LIST_SEPARATOR
from reviews.models import Review, Theme
from sscp.models import Agency, User
from sscp.permissions import lead_agencies
from sscp.personal_data import warnings_for

ACTION_KEYS = [
    "action_title",
    "action_agency",
    "action_owner",
    "action_description",
    "success_measure",
    "due_date",
]
# The free text the personal data guard checks, as the forms do: the recommendation's,
# then the action's.
TEXT_KEYS = ["recommendation_text", "action_title", "action_description", "success_measure"]
# The action form's own field, so the import refuses exactly the dates the form refuses.
DUE_DATE = due_date_field()


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class PlannedAction:
    row: int
    title: str
    agency: Agency
    owner: User | None
    description: str
    success_measure: str
    due_date: datetime.date
    warnings: list[str] = field(default_factory=list)  # its due date is in the past
    personal_data: list[str] = field(default_factory=list)

    @property
    def to_confirm(self) -> list[str]:
        return self.warnings + self.personal_data


@dataclass
class PlannedRecommendation:
    row: int
    number: int
    text: str
    themes: list[Theme]
    agencies: list[Agency]
    actions: list[PlannedAction] = field(default_factory=list)
    personal_data: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    recommendations: list[PlannedRecommendation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def action_count(self) -> int:
        return sum(len(r.actions) for r in self.recommendations)

    @property
    def warnings(self) -> list[str]:
        """What the person must confirm before saving, each naming its row."""
        warnings = []
        for recommendation in self.recommendations:
            warnings += _on_row(recommendation.row, recommendation.personal_data)
            for action in recommendation.actions:
                warnings += _on_row(action.row, action.to_confirm)
        return warnings

    @property
    def late_count(self) -> int:
        """How many actions are due in the past."""
        return sum(bool(a.warnings) for r in self.recommendations for a in r.actions)

    @property
    def personal_data_count(self) -> int:
        """How many cells look like they hold personal data."""
        return sum(
            len(r.personal_data) + sum(len(a.personal_data) for a in r.actions)
            for r in self.recommendations
        )


def _on_row(row: int, warnings: list[str]) -> list[str]:
    return [f"Row {row}: {warning[:1].lower()}{warning[1:]}" for warning in warnings]


# Checking ----------------------------------------------------------------------


@dataclass
class _Lookups:
    """What a file's names and addresses are checked against: the agencies that serve the
    partnerships that commissioned the review, its partnership's themes, and their leads."""

    agencies: dict[str, Agency]
    themes: dict[str, Theme]
    leads: dict[int, dict[int, str]]  # user id → the agencies they lead (sscp.permissions)
    people: list[User]

    @classmethod
    def load(cls, review: Review) -> "_Lookups":
        commissioners = review.commissioners()
        agencies = {}
        for agency in Agency.objects.filter(is_active=True, partnerships__in=commissioners):
            agencies[agency.name.lower()] = agency
            agencies[agency.short_name.lower()] = agency
        themes = {t.name.lower(): t for t in Theme.objects.filter(partnership=review.partnership)}
        leads = lead_agencies(commissioners)
        return cls(agencies, themes, leads, list(User.objects.filter(pk__in=leads)))

    def owner(self, text: str, agency: Agency) -> User | None:
        text = text.lower()
        return next(
            (
                u
                for u in self.people
                if agency.pk in self.leads[u.pk] and text in {u.username.lower(), u.email.lower()}
            ),
            None,
        )


def _parse_date(text: str) -> datetime.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def plan_import(review: Review, rows: list[dict[str, str]]) -> ImportPlan:
    """Check every row against the review and the database; nothing is saved."""
    plan = ImportPlan()
    lookups = _Lookups.load(review)
    taken = set(review.recommendations.values_list("number", flat=True))
    by_number: dict[int, PlannedRecommendation] = {}
    for index, row in enumerate(rows, start=2):  # row 1 is the column names
        errors = []
        recommendation = _check_recommendation(
            review, row, index, lookups, taken, by_number, errors
        )
        if any(row.get(key) for key in ACTION_KEYS):
            # Checked even when the recommendation's columns are wrong: every problem of
            # a row is shown at once.
            action = _check_action(row, index, recommendation, lookups, errors)
            if action is not None and recommendation is not None:
                recommendation.actions.append(action)
        plan.errors += errors
    plan.recommendations = list(by_number.values())
    return plan


def _header(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


def _check_recommendation(review, row, index, lookups, taken, by_number, errors):
    def error(key, message):
        errors.append(RowError(index, _header(key), message))

    number = _check_number(review, row.get("recommendation_number", ""), taken, error)
    text = row.get("recommendation_text", "")
    themes = _look_up(row, "recommendation_themes", lookups.themes, "theme", error)
    agencies = _look_up(row, "owning_agencies", lookups.agencies, "agency", error)
    existing = by_number.get(number)
    if number is not None and existing is not None:
        # A later row of the same recommendation: what it repeats must agree with its first row.
        for key, value, first in [
            ("recommendation_text", text, existing.text),
            ("recommendation_themes", set(themes), set(existing.themes)),
            ("owning_agencies", set(agencies), set(existing.agencies)),
        ]:
            if row.get(key) and value != first:
                error(key, f"Differs from recommendation {number} on row {existing.row}")
        return None if any(e.row == index for e in errors) else existing
    if not text:
        error("recommendation_text", "Enter the recommendation")
    if not row.get("owning_agencies"):
        error("owning_agencies", "Enter at least one owning agency")
    if any(e.row == index for e in errors):
        return None
    planned = PlannedRecommendation(
        index, number, text, themes, agencies, personal_data=_personal_data(row, TEXT_KEYS[:1])
    )
    by_number[number] = planned
    return planned


def _check_number(review, number_text: str, taken: set, error) -> int | None:
    """The recommendation number of a row, or None with an error said."""
    if not number_text:
        error("recommendation_number", "Enter the recommendation number")
        return None
    if not number_text.isdigit() or int(number_text) < 1:
        error("recommendation_number", f"“{number_text}” is not a whole number of 1 or more")
        return None
    if int(number_text) in taken:
        error("recommendation_number", f"{review} already has a recommendation {number_text}")
        return None
    return int(number_text)


def _look_up(row, key, known: dict, what: str, error) -> list:
    """The records a semicolon-separated column names; an error for each unknown name."""
    found = []
    for name in _split(row.get(key, "")):
        if name.lower() in known:
            found.append(known[name.lower()])
        else:
            error(key, f"There is no {what} called “{name}”")
    return list(dict.fromkeys(found))


def _check_action(row, index, recommendation, lookups, errors):
    def error(key, message):
        errors.append(RowError(index, _header(key), message))

    for key, message in [
        ("action_title", "Enter the action"),
        ("action_agency", "Enter the agency that owns the action"),
        ("action_description", "Enter the action's description"),
        ("success_measure", "Enter the success measure"),
        ("due_date", "Enter the due date"),
    ]:
        if not row.get(key):
            error(key, message)
    agency = lookups.agencies.get(row.get("action_agency", "").lower())
    if row.get("action_agency") and agency is None:
        error("action_agency", f"There is no agency called “{row['action_agency']}”")
    elif (
        agency is not None and recommendation is not None and agency not in recommendation.agencies
    ):
        error(
            "action_agency",
            f"{agency.short_name} is not one of the recommendation's owning agencies",
        )
    owner = None
    if row.get("action_owner") and agency is not None:
        owner = lookups.owner(row["action_owner"], agency)
        if owner is None:
            error("action_owner", f"“{row['action_owner']}” is not a lead of {agency.short_name}")
    due_date = _check_due_date(row.get("due_date", ""), error)
    if any(e.row == index for e in errors):
        return None
    return PlannedAction(
        index,
        row["action_title"],
        agency,
        owner,
        row["action_description"],
        row["success_measure"],
        due_date,
        past_date_warnings("due date", due_date),
        _personal_data(row, TEXT_KEYS[1:]),
    )


def _personal_data(row, keys) -> list[str]:
    """The personal data guard's warnings for a row's free text, naming each column."""
    return [warning for key in keys for warning in warnings_for(_header(key), row.get(key, ""))]


def _check_due_date(text: str, error) -> datetime.date | None:
    """The due date of a row, or None with an error said: a real date the form would take."""
    if not text:
        return None
    try:
        due_date = _parse_date(text)
    except ValueError:
        error("due_date", f"“{text}” is not a real date; write it like 31/03/2027")
        return None
    try:
        DUE_DATE.validate(due_date)
    except ValidationError as refusal:
        error("due_date", refusal.messages[0])  # the form's words: the table names the cell
        return None
    return due_date


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


# Saving ------------------------------------------------------------------------


@transaction.atomic
def apply_import(
    review: Review, plan: ImportPlan, *, actor: User, confirmed: list[str] = ()
) -> ImportPlan:
    """Save every planned recommendation and action, or, if anything fails, none.

    `confirmed` is what the person ticked to confirm: every warning of the plan must be
    in it. Each recommendation's and action's own warnings go on its record, as when it
    is saved by form.
    """
    if plan.errors:
        raise ValidationError("The import has errors; nothing was saved.")
    if any(warning not in confirmed for warning in plan.warnings):
        raise ValidationError("Confirm what the preview warned of; nothing was saved.")
    for planned in plan.recommendations:
        recommendation = review_services.recommendation_save(
            actor=actor,
            review=review,
            number=planned.number,
            text=planned.text,
            themes=planned.themes,
            agencies=planned.agencies,
            confirmed=planned.personal_data,
        )
        for action in planned.actions:
            action_services.action_create(
                actor=actor,
                recommendation=recommendation,
                agency=action.agency,
                owner=action.owner,
                title=action.title,
                description=action.description,
                success_measure=action.success_measure,
                due_date=action.due_date,
                confirmed=action.to_confirm,
            )
    return plan
