from django import template
from django.utils.html import format_html
from django.utils.text import Truncator

from actions.models import Action, Rag

register = template.Library()

STATUS_TAG_CLASSES = {
    Action.Status.NOT_STARTED: "govuk-tag--grey",
    Action.Status.IN_PROGRESS: "govuk-tag--blue",
    Action.Status.SUBMITTED: "govuk-tag--purple",
    Action.Status.COMPLETED: "govuk-tag--green",
    Action.Status.SUPERSEDED: "govuk-tag--grey",
}

RAG_TAG_CLASSES = {
    Rag.COMPLETE: "govuk-tag--blue",
    Rag.OVERDUE: "govuk-tag--red",
    Rag.RETURNED: "govuk-tag--orange",
    Rag.DUE_SOON: "govuk-tag--yellow",
    Rag.ON_TRACK: "govuk-tag--green",
    Rag.SUPERSEDED: "govuk-tag--grey",
}


@register.simple_tag
def status_tag(status: str):
    """An action's status as a GOV.UK tag: the words carry the meaning, colour only helps."""
    status = Action.Status(status)
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATUS_TAG_CLASSES[status], status.label
    )


@register.simple_tag
def rag_tag(rag: str):
    rag = Rag(rag)
    return format_html('<strong class="govuk-tag {}">{}</strong>', RAG_TAG_CLASSES[rag], rag.label)


@register.simple_tag
def status_and_rating(action):
    """An action's status and its rating, the rating left out where it only repeats the
    status ("Completed" and "Complete", "Superseded" twice)."""
    status = status_tag(action.status)
    if not action.is_open:
        return status
    return format_html("{} {}", status, rag_tag(action.current_rag))


@register.filter
def get(mapping, key):
    """`{{ values|get:key }}`: a dictionary's value for a key held in a variable."""
    return mapping.get(key)


@register.filter(is_safe=True)
def shorten(value, length: int) -> str:
    """Django's `truncatechars`, but free for text already short enough.

    Truncator measures a text character by character and translates its ellipsis
    on every call: a third of the audit log's rendering, though few texts are cut.
    """
    text = str(value)
    return text if len(text) <= length else Truncator(text).chars(length)


@register.filter
def in_words(duration) -> str:
    """A timedelta as people say it: "30 minutes", "2 hours"."""
    minutes = round(duration.total_seconds() / 60)
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
