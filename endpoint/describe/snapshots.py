"""What a release keeps of the resources asked for last: the store's answers about each, before
paging and dates (the data of a release never change), in a bounded LRU."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from tid.endpoint.describe.model import Incoming, Measure, Membership, SiteWave, Source, Statement


@dataclass
class Snapshot:
    """Everything the store says about one resource, before paging and dates: what a release
    can keep in memory for the next request about the same resource."""

    statements: list[Statement]
    memberships: list[Membership]
    sites: list[SiteWave]
    incoming: list[Incoming]
    measures: list[Measure]
    sources: list[Source]


class Snapshots:
    """The snapshots of the resources asked for last (at most ``size``), for one release."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, iri: str, compute: Callable[[], Snapshot]) -> Snapshot:
        if self.size <= 0:
            return compute()
        with self._lock:
            found = self._items.get(iri)
            if found is not None:
                self._items.move_to_end(iri)
                return found
        snapshot = compute()  # outside the lock: two first requests may both compute, harmlessly
        with self._lock:
            self._items[iri] = snapshot
            self._items.move_to_end(iri)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return snapshot
