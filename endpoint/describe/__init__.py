"""The description of one resource ``{base}id/...``: what its page and its RDF documents say.

Six bounded queries (``queries/resource-*.rq``, bound with the resource's IRI), not one per
link: the resource's own triples with the names of what they link to and the named graph of
each; its incoming links with the names of their subjects (a membership's own link to the
resource is taken from its memberships, not read twice); its memberships both ways, dated;
the sites clés en main linked to it and their waves; the sources (dataset, file, licence) of the
named graphs its facts come from; and whether it exists at all. The measures reaching a
territory are read once per phase, the names of the ontology's terms, the phases and the waves
once per release. The engine neither sorts nor groups (both cost far more there than here on a
territory of hundreds of communes): rows are merged and sorted in Python. What the store says
about a resource (a :class:`Snapshot`) may be kept by the release for the next request
(:class:`Snapshots`, bounded): the data of a release never change.

Large resources are paged (``page``, ``page_size``): incoming links and memberships are sliced
at the same page number; every list says how many items it has in all, and the page knows its
last number, so nothing is ever cut silently. ``at`` (a date) keeps only the memberships, the
incoming links from things that hold at that date (a membership, a territory of the list then
in force), sites and measures, and names the phase, the territory list in force (or the earliest
list, when the date precedes it), the geographic vintage and the latest wave then
(:mod:`.as_of`). ``today`` asks for today's state of a resource that has one: its HTML page
without ``at``.

:func:`graph_of` turns a description into the triples of the RDF documents (own triples, labels,
incoming links of the page, counts as ``void:Linkset``, sources, Hydra paging).

The modules: :mod:`.reused` (the names of the terms reused from other vocabularies),
:mod:`.params` (the ``page`` and ``at`` parameters), :mod:`.model` (what a description holds),
:mod:`.as_of` (what "as of D" means: the phase, lists and vintage of a date),
:mod:`.read` (the store's answers merged into a description), :mod:`.snapshots` (what a release
keeps of the resources asked for last), :mod:`.rdf` (the triples of the RDF documents).
"""

from tid.endpoint.describe.as_of import AsOf, as_of
from tid.endpoint.describe.model import Description, Statement, Terms, pick
from tid.endpoint.describe.params import BadParameter, parse_at, parse_page
from tid.endpoint.describe.programmes import ProgrammeAt, ProgrammeLists, programmes_at, read_programme_lists
from tid.endpoint.describe.rdf import graph_of, prefixes
from tid.endpoint.describe.read import describe, exists, read_terms
from tid.endpoint.describe.snapshots import Snapshot, Snapshots

__all__ = ["AsOf", "BadParameter", "Description", "ProgrammeAt", "ProgrammeLists", "Snapshot", "Snapshots", "Statement",
           "Terms", "as_of", "describe", "exists", "graph_of", "parse_at", "parse_page", "pick", "prefixes",
           "programmes_at", "read_programme_lists", "read_terms"]
