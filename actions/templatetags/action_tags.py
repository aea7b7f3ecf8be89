"""An action's status and rating as GOV.UK tags: the words carry the meaning, colour
only helps. The colours are the models' (actions.models.STATUS_COLOURS, RAG_COLOURS)."""

from django import template
from django.utils.html import format_html

from actions.models import RAG_COLOURS, STATUS_COLOURS, ActionStatus, Rag

register = template.Library()


def tag(label: str, colour: str):
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, label)


@register.simple_tag
def status_tag(status: str):
    status = ActionStatus(status)
    return tag(status.label, STATUS_COLOURS[status])


@register.simple_tag
def rag_tag(rag: str):
    rag = Rag(rag)
    return tag(rag.label, RAG_COLOURS[rag])


@register.simple_tag
def status_and_rating(action):
    """An action's status and its rating, the rating left out where it only repeats the
    status ("Completed" and "Complete", "Superseded" twice)."""
    status = status_tag(action.status)
    if not action.is_open:
        return status
    return format_html("{} {}", status, rag_tag(action.current_rag))
