"""
Bar charts drawn on the server as SVG, for the dashboards.

Each bar is labelled with its name and its numbers, series are told apart by
pattern as well as colour, and every chart is followed by a table of the same
numbers: nothing is shown by colour alone, and nothing needs JavaScript.
"""

from dataclasses import dataclass, field

WIDTH = 640
LABEL_HEIGHT = 20
BAR_HEIGHT = 22
ROW_GAP = 14


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    style: str  # "solid", "hatched", "dotted" or "outline": a pattern, not only a colour


@dataclass
class Bar:
    label: str
    values: dict[str, int]
    url: str = ""
    # A bar of a one-series chart may carry its own pattern, so that the same thing
    # looks the same on every chart: overdue is always hatched red.
    style: str = ""

    @property
    def total(self) -> int:
        return sum(self.values.values())


@dataclass
class BarChart:
    key: str
    title: str
    description: str
    series: list[Series]
    bars: list[Bar] = field(default_factory=list)

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * (LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP)

    @property
    def width(self) -> int:
        return WIDTH

    def rows(self) -> list[dict]:
        """Each bar with the position of its label, its segments and its numbers."""
        largest = max((bar.total for bar in self.bars), default=0) or 1
        scale = WIDTH / largest
        rows = []
        for index, bar in enumerate(self.bars):
            top = index * (LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP)
            x = 0.0
            segments = []
            for series in self.series:
                value = bar.values.get(series.key, 0)
                if value:
                    width = value * scale
                    segments.append(
                        {
                            "series": series,
                            "style": bar.style or series.style,
                            "value": value,
                            "x": round(x, 1),
                            "width": round(width, 1),
                        }
                    )
                    x += width
            if len(self.series) > 1:
                numbers = ", ".join(
                    f"{bar.values.get(s.key, 0)} {s.label.lower()}" for s in self.series
                )
            else:
                numbers = str(bar.total)
            rows.append(
                {
                    "bar": bar,
                    "label_y": top + 15,
                    "bar_y": top + LABEL_HEIGHT,
                    "segments": segments,
                    "text": f"{bar.label}: {numbers}",
                }
            )
        return rows
