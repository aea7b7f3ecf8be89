import html

from django import template
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

register = template.Library()


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
def select_options(optgroups) -> str:
    """A select's options (its widget's `optgroups`) as HTML, written here rather than by
    a loop in its template, and escaped by the standard library's `html.escape` rather
    than `format_html`: a lead of 420 partnerships is offered 1,607 agencies to filter by,
    and either way took longer than every query of the page."""

    def text(value) -> str:
        return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))

    def option(value, label, attrs) -> str:
        attrs = flatatt(attrs) if attrs else ""
        return f'\n  <option value="{text(value)}"{attrs}>{text(label)}</option>'

    def options(choices) -> str:
        return "".join(option(each["value"], each["label"], each["attrs"]) for each in choices)

    return mark_safe(  # noqa: S308 (every value and label is escaped by text())
        "".join(
            f'\n  <optgroup label="{text(name)}">{options(choices)}\n  </optgroup>'
            if name
            else options(choices)
            for name, choices, _index in optgroups
        )
    )


@register.filter
def in_words(duration) -> str:
    """A timedelta as people say it: "30 minutes", "2 hours"."""
    minutes = round(duration.total_seconds() / 60)
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
