"""The DCAT-AP 3 catalogue of a release, generated from the source list and the build manifest.

Nothing here is written by hand per dataset: the catalogue is computed from ``sources.toml``
(titles, publishers, licences, official URLs, versions, reference dates, phases), from the build
manifest (named graphs, rows, triples, checksums, the dumps with their sizes and checksums) and
from the phases defined in the curated files. It goes into the named graph
``{base}graph/catalogue`` and, by :func:`publish_catalogue`, into ``dumps/catalog.{ttl,jsonld,rdf}``
(the URL to give data.gouv.fr: ``{base}dumps/catalog.ttl``, whose extension tells its format).

What it describes:

* a ``dcat:Catalog`` (title and description fr + en, publisher, languages, homepage, licence,
  spatial and temporal coverage, theme taxonomy, every dataset, the SPARQL service);
* a ``dcat:Dataset`` for the whole graph (``{base}id/dataset/territoires-industrie``, the VoID
  dataset) with one ``dcat:Distribution`` per dump of the manifest and one for the SPARQL
  endpoint;
* a ``dcat:Dataset`` per source and version (``{base}id/dataset/{source}/{version}``, the content
  of the named graph ``{base}graph/{source}/{version}``), with the official file as a
  distribution when the source has a URL, and the SPARQL endpoint;
* a ``dcat:DataService`` for the SPARQL endpoint, serving every dataset.

The data.gouv.fr harvester's traps (``reference/users-ecosystem.md`` §1) shape the details, each
one checked by ``tests/test_catalog.py``: a ``dct:title`` on every dataset (else it is skipped)
and a stable ``dct:identifier`` (the harvest key); the licence as the Etalab IRI the portal
matches, on datasets *and* distributions, described as a ``dct:LicenseDocument`` without an
``rdfs:label`` (the portal would match the label instead of the IRI), ``owl:sameAs`` its SPDX
form, plus a ``dct:rights`` statement whose label the portal also reads; themes from the EU
data-theme table *and* their words as ``dcat:keyword`` (the portal ignores resource themes);
``dct:temporal`` as a blank ``dct:PeriodOfTime`` (an IRI would be fetched over HTTP); the spatial
coverage as a ``dct:Location`` carrying a GeoJSON literal with the IANA datatype (a named place
alone is ignored); a contact point with an e-mail (dropped without one); IANA media-type IRIs,
EU file-type IRIs, ``xsd:nonNegativeInteger`` byte sizes, SHA-256 checksums; no
``dcat:accessService`` pointing at the SPARQL service (the portal would then not list it as an
API); no ``dct:hasPart`` on datasets (the portal turns each part into a resource).

The catalogue describes the dumps (sizes, checksums), so it is not inside them: it is added to
the store after the dumps are written, and published beside them.

The modules: :mod:`.names` (the catalogue's IRIs, files, publisher, coverage), :mod:`.tables`
(the code tables, read from ``curated/catalogue/``), :mod:`.entries` (the sources of the release and
their periods), :mod:`.nodes` (the shared nodes: publishers, EU concepts, licences, France),
:mod:`.texts` (the French and English sentences), :mod:`.quads` (the catalogue as quads),
:mod:`.publish` (into the store and the files), :mod:`.schema_org` (the home page's ``Dataset``).
"""

from tid.graph.catalog.entries import phase_periods
from tid.graph.catalog.names import (
    CATALOGUE_FILES,
    CATALOGUE_GRAPH,
    CONTACT_EMAIL,
    DATASET_SLUG,
    PROJECT_NAME,
    catalogue_graph,
    catalogue_node,
    check_contact_email,
    source_dataset,
    whole_dataset,
)
from tid.graph.catalog.publish import publish_catalogue
from tid.graph.catalog.quads import catalogue_quads
from tid.graph.catalog.schema_org import schema_org_dataset

__all__ = ["CATALOGUE_FILES", "CATALOGUE_GRAPH", "CONTACT_EMAIL", "DATASET_SLUG", "PROJECT_NAME", "catalogue_graph",
           "catalogue_node", "catalogue_quads", "check_contact_email", "phase_periods", "publish_catalogue",
           "schema_org_dataset", "source_dataset", "whole_dataset"]
