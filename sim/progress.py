"""Progress of long commands: a rich bar on a terminal, a plain line in a batch log.

On a terminal the bar shows rich's own measured speed and time remaining. Without one (a SLURM
job's log, a pipe) a line goes to stderr every `interval` seconds or every tenth of the work,
whichever comes first, so a log shows a job is alive without being flooded.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text

INTERVAL_S = 30.0


class SpeedColumn(ProgressColumn):
    """rich's own speed estimate for the task, in units per second."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.1f} {self.unit}/s", style="progress.data.speed")


class PlainProgress:
    """Progress lines for a log: '`label`: 400/1000 (40%), 120.5/s, about 5 s left'."""

    def __init__(self, label: str, total: int, write: Callable[[str], None], interval: float = INTERVAL_S):
        self.label, self.total, self.write, self.interval = label, total, write, interval
        self.done = self.start_done = 0
        self.started = self.last_time = time.monotonic()
        self.last_tenth = 0

    def set(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        tenth = int(10 * done / self.total) if self.total else 10
        if now - self.last_time >= self.interval or tenth > self.last_tenth or done >= self.total:
            self.last_time, self.last_tenth = now, tenth
            self.write(self.line(now))

    def line(self, now: float) -> str:
        elapsed = now - self.started
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        text = f"{self.label}: {self.done:,}/{self.total:,} ({100 * self.done / max(self.total, 1):.0f}%)"
        if rate > 0:
            text += f", {rate:,.1f}/s, about {(self.total - self.done) / rate:,.0f} s left"
        return text


@contextlib.contextmanager
def progress(label: str, total: int, unit: str, done: int = 0) -> Iterator[Callable[[int], None]]:
    """Yields `set_done(n)`: on a terminal a bar, else plain lines on stderr. `done` counts work finished
    before (a resumed run): it shows as done but does not count toward the speed."""
    if sys.stderr.isatty():
        columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), SpeedColumn(unit), TimeElapsedColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task(label, total=total, completed=done)
            yield lambda completed: bar.update(task, completed=completed)
        return
    plain = PlainProgress(label, total, lambda line: print(line, file=sys.stderr, flush=True))
    plain.done = plain.start_done = done
    yield plain.set


@contextlib.contextmanager
def counter(label: str, total: int, unit: str) -> Iterator[Callable[[int], None]]:
    """Like `progress`, but yields `advance(count)` for runners that report work in increments."""
    done = 0
    with progress(label, total, unit) as set_done:
        def advance(count: int) -> None:
            nonlocal done
            done += count
            set_done(done)
        yield advance
