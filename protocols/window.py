"""The next-session window (RULES.md §2): the one definition the engine, pages, sheets and worklist use.

After a completed session on `last_session`, the next one is due from `earliest = last_session +
min_interval_days` to `latest = last_session + max_interval_days`, both inclusive. On a given day
the window is

- `not_yet` before the earliest date,
- `open` from the earliest date while the latest date is more than CLOSING_DAYS away,
- `closing` when the latest date is today or within the next CLOSING_DAYS days,
- `overdue` once the latest date has passed.

Pure: dates and numbers in, no database, clock or settings. The worklist filters in SQL on the
same definition (`sessions.worklist`), and a test holds the two to the same answers.
"""

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

CLOSING_DAYS = 7


class WindowState(StrEnum):
    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSING = "closing"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return WINDOW_LABELS[self]


WINDOW_LABELS = {
    WindowState.NOT_YET: "Window not open yet",
    WindowState.OPEN: "Window open",
    WindowState.CLOSING: f"Window closes within {CLOSING_DAYS} days",
    WindowState.OVERDUE: "Overdue",
}


@dataclass(frozen=True, slots=True)
class Window:
    last_session: date
    earliest: date
    latest: date

    def state(self, today: date) -> WindowState:
        if today < self.earliest:
            return WindowState.NOT_YET
        if today > self.latest:
            return WindowState.OVERDUE
        if (self.latest - today).days <= CLOSING_DAYS:
            return WindowState.CLOSING
        return WindowState.OPEN

    def days_left(self, today: date) -> int:
        """Days until the latest date (negative once overdue)."""
        return (self.latest - today).days


# The engine asks for a window on every decision it makes after a completed session, and building
# one (two timedeltas and a frozen dataclass) costs more than looking it up: windows are immutable
# values, so the recent ones are kept.
@functools.lru_cache(maxsize=4096)
def window_after(last_session: date, *, min_interval_days: int, max_interval_days: int) -> Window:
    return Window(
        last_session=last_session,
        earliest=last_session + timedelta(days=min_interval_days),
        latest=last_session + timedelta(days=max_interval_days),
    )
