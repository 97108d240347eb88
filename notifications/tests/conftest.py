"""The messages' fixtures: the schedule's (a room, a clinic open every day) and a frozen clock."""

import pytest
import time_machine

from notifications.tests.helpers import NOW
from sessions.tests.conftest import open_every_day, room  # noqa: F401 (fixtures)


@pytest.fixture
def clock():
    """The clock stands at NOW (it does not tick); `clock.move_to(...)` moves it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
