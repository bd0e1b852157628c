"""Time comes in through a clock, so tests and scripts can replay any moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: now, timezone-aware, in UTC."""
    return datetime.now(UTC)


# The longest an answer counts as study time, as Anki's "maximum answer seconds" (60 by default) does
# for reviews; an exam question may take longer to read. A break or a clock jump is not study time.
MAX_ANSWER_MS = {"review": 60_000, "exam": 600_000, "import": 600_000}


class SteadyClock:
    """A session's clock that never runs backwards and counts a jump forward as one bounded step.

    The one rule for a system clock that goes back or jumps during a review or an exam sitting:

    - backwards: a reading is never before `floor` (the last answer logged, the moment a sitting
      was saved) nor before the previous reading; it stays there until the clock catches up,
      so answers are logged in order and no time is counted twice. `went_back` says it happened.
    - forwards: a step between two readings longer than `longest_step` (a laptop woken from
      sleep, a clock set forward) counts as `longest_step` in `spent`, the time counted since the
      first reading; the readings themselves stay the wall time. `jumped` says it happened.
    """

    def __init__(self, clock: Clock, floor: datetime | None = None, longest_step: timedelta | None = None) -> None:
        self.clock = clock
        self.floor = floor
        self.longest_step = longest_step
        self.went_back = False
        self.jumped = False
        self.spent = timedelta(0)
        self._last: datetime | None = None

    def __call__(self) -> datetime:
        now = self.clock()
        if self.floor is not None and now < self.floor:
            self.went_back = True
            now = self.floor
        if self._last is not None:
            step = now - self._last
            if self.longest_step is not None and step > self.longest_step:
                self.jumped = True
                step = self.longest_step
            self.spent += step
        self._last = self.floor = now
        return now
