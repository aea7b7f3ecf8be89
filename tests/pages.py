"""Helpers for reading the HTML of pages in tests."""

import html as html_module
import re


def count_card(count: int, label: str) -> str:
    """The HTML of one figure in a grid of counts, as templates render it."""
    return (
        f'<span class="sscp-count__number">{count}</span> '
        f'<span class="sscp-count__label">{label}</span>'
    )


def text(html: str) -> str:
    """The words of a page, without tags, with whitespace collapsed: what a reader sees."""
    inline = r"</?(a|span|strong|code|em|b|abbr)(\s[^>]*)?>"
    without_tags = re.sub(r"<[^>]+>", " ", re.sub(inline, "", html))
    return " ".join(html_module.unescape(without_tags).split())
