"""Helpers for reading the HTML of pages in tests."""


def count_card(count: int, label: str) -> str:
    """The HTML of one figure in a grid of counts, as templates render it."""
    return (
        f'<span class="sscp-count__number">{count}</span> '
        f'<span class="sscp-count__label">{label}</span>'
    )
