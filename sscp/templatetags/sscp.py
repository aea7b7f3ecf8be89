from django import template
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
def in_words(duration) -> str:
    """A timedelta as people say it: "30 minutes", "2 hours"."""
    minutes = round(duration.total_seconds() / 60)
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
