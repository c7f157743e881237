"""Training slots: a process-wide FIFO semaphore with a visible line, so a classroom cannot start 30
trainings on 2 cores at once. A caller that must wait gets "queued" events with its place in line.

One slot is the default because small recurrent models train mostly in Python, holding the GIL, so two
trainings in one server process take as long as two in a row, and a free core keeps every other user's page
responsive.
"""
from __future__ import annotations

import collections
import threading
import time
from contextlib import contextmanager

MAX_CONCURRENT_TRAININGS = 1
QUEUE_TIMEOUT = 600.0           # seconds a training waits for a slot before giving up


class QueueTimeout(RuntimeError):
    pass


class AlreadyQueued(ValueError):
    """This browser session or client address already has a training queued or running."""


class TrainingSlots:
    """At most `capacity` holders at once; waiters are served first come, first served."""

    def __init__(self, capacity: int = MAX_CONCURRENT_TRAININGS):
        self.capacity = int(capacity)
        self._cv = threading.Condition()
        self._running = 0
        self._line: collections.deque = collections.deque()
        self._owners: set = set()     # owner keys with a training queued or running

    def state(self) -> dict:
        """{'running': trainings holding a slot, 'waiting': trainings in line}."""
        with self._cv:
            return dict(running=self._running, waiting=len(self._line))

    def _take(self, ticket) -> bool:
        if self._running < self.capacity and self._line and self._line[0] is ticket:
            self._line.popleft()
            self._running += 1
            self._cv.notify_all()
            return True
        return False

    @contextmanager
    def hold(self, on_wait=None, poll: float = 0.5, timeout: float = QUEUE_TIMEOUT, owners=()):
        """Context manager holding one slot. owners: keys of who asks (e.g. ('session', id),
        ('address', ip)); each may have one training queued or running at a time, so one person
        cannot fill the line from several tabs: AlreadyQueued otherwise. While waiting, on_wait(dict(event='queued',
        position=p, running=r, waited=s)) is called about every `poll` seconds (p = 1 means
        next in line). Raises QueueTimeout after `timeout` s. Whatever on_wait raises (e.g. a
        page rerun) leaves the line cleanly. Yields the seconds spent waiting."""
        ticket = object()
        t0 = time.monotonic()
        owners = {o for o in owners if o is not None and o[-1] is not None}
        with self._cv:
            if owners & self._owners:
                raise AlreadyQueued("you already have a training queued or running on this server "
                                    "(in this tab or another one from the same address); wait for it "
                                    "to finish, or stop it, before starting another")
            self._owners |= owners
            self._line.append(ticket)
        try:
            while True:
                with self._cv:
                    if self._take(ticket):
                        break
                    info = dict(event="queued", position=self._line.index(ticket) + 1,
                                running=self._running, waited=time.monotonic() - t0)
                if on_wait is not None:
                    on_wait(info)
                if time.monotonic() - t0 > timeout:
                    raise QueueTimeout(f"the server is busy: waited {timeout:.0f} s for a free "
                                       "training slot; try again in a minute")
                with self._cv:
                    if not self._take(ticket):
                        self._cv.wait(poll)
                        continue
                    break
        except BaseException:
            with self._cv:
                self._owners -= owners
                if ticket in self._line:
                    self._line.remove(ticket)
                    self._cv.notify_all()
            raise
        try:
            yield time.monotonic() - t0
        finally:
            with self._cv:
                self._owners -= owners
                self._running -= 1
                self._cv.notify_all()


SLOTS = TrainingSlots(MAX_CONCURRENT_TRAININGS)
