"""What a release keeps of the resources asked for last: the store's answers about each, before
paging and dates (the data of a release never change), in a bounded LRU."""

from __future__ import annotations

from dataclasses import dataclass

from tid.endpoint.describe.model import Incoming, Measure, Membership, SiteWave, Source, Statement
from tid.endpoint.lru import Lru


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


class Snapshots(Lru[str, Snapshot]):
    """The snapshots of the resources asked for last (at most ``size``), for one release."""
