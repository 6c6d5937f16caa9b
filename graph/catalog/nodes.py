"""The nodes every part of the catalogue shares, each described once: the publishers, the EU
authority concepts (themes, frequencies, languages, file types, availability), IANA media types,
licences and rights statements, France; and :class:`Quads`, the graph being written."""

from __future__ import annotations

from datetime import date

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from tid.graph.catalog.names import FRANCE_CENTROID, france_geojson
from tid.graph.catalog.tables import tables
from tid.namespaces import (
    ADMS_VOCABULARIES,
    DCAT,
    DCT,
    EU_AUTHORITY,
    FOAF,
    GEO,
    IANA_MEDIA_TYPES,
    M8G,
    OWL,
    RDF,
    RDFS,
    SKOS,
    XSD,
    Minter,
    slugify,
)


def french(text: str) -> Literal:
    return Literal(text, language="fr")


def english(text: str) -> Literal:
    return Literal(text, language="en")


def xsd_date(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def authority(table: str, code: str) -> NamedNode:
    """A concept of an EU authority table (``data-theme``, ``language``…)."""
    return NamedNode(f"{EU_AUTHORITY}{table}/{code}")


def iana(media_type: str) -> NamedNode:
    return NamedNode(IANA_MEDIA_TYPES + media_type)


class Quads:
    """Collects the quads of one graph, each triple once, in a stable order."""

    def __init__(self, graph: NamedNode):
        self.graph = graph
        self.quads: list[Quad] = []
        self._seen: set[Quad] = set()

    def add(self, subject: NamedNode | BlankNode, predicate: NamedNode, obj: NamedNode | BlankNode | Literal) -> None:
        quad = Quad(subject, predicate, obj, self.graph)
        if quad not in self._seen:
            self._seen.add(quad)
            self.quads.append(quad)

    def labels(self, subject: NamedNode | BlankNode, predicate: NamedNode, fr: str, en: str) -> None:
        self.add(subject, predicate, french(fr))
        self.add(subject, predicate, english(en))


def publisher(out: Quads, minter: Minter, name: str) -> NamedNode:
    """A publisher, with the IRI the provenance graph gives it (``id/organisation/{slug}``)."""
    agent = minter.id("organisation", slugify(name))
    out.add(agent, RDF.type, FOAF.Agent)
    out.add(agent, FOAF.name, Literal(name))
    if name in tables().public_bodies:
        out.add(agent, RDF.type, M8G.PublicOrganisation)
        kind = NamedNode(ADMS_VOCABULARIES + "publishertype/NationalAuthority")
        out.add(agent, DCT.type, kind)
        out.add(kind, RDF.type, SKOS.Concept)
        out.add(kind, SKOS.prefLabel, english("National authority"))
        out.add(kind, SKOS.inScheme, NamedNode(ADMS_VOCABULARIES + "publishertype/1.0"))
    else:
        out.add(agent, RDF.type, FOAF.Organization)
    return agent


def concept(out: Quads, table: str, code: str, label: tuple[str, str] | str, *types: NamedNode) -> NamedNode:
    """The concept ``code`` of the EU authority table ``table``: its types, ``skos:Concept``, its
    label (French and English, or one untagged) and its scheme."""
    node = authority(table, code)
    for kind in (*types, SKOS.Concept):
        out.add(node, RDF.type, kind)
    if isinstance(label, str):
        out.add(node, SKOS.prefLabel, Literal(label))
    else:
        out.labels(node, SKOS.prefLabel, *label)
    out.add(node, SKOS.inScheme, NamedNode(EU_AUTHORITY + table))
    return node


def theme(out: Quads, code: str) -> NamedNode:
    return concept(out, "data-theme", code, tables().data_themes[code])


def frequency(out: Quads, code: str) -> NamedNode:
    return concept(out, "frequency", code, tables().frequencies[code], DCT.Frequency)


def language(out: Quads, code: str) -> NamedNode:
    return concept(out, "language", code, tables().languages[code], DCT.LinguisticSystem)


def file_type(out: Quads, code: str) -> NamedNode:
    return concept(out, "file-type", code, code.replace("_", " "), DCT.MediaTypeOrExtent)


def media_type(out: Quads, media_type: str) -> NamedNode:
    node = iana(media_type)
    out.add(node, RDF.type, DCT.MediaType)
    return node


def availability(out: Quads) -> NamedNode:
    return concept(out, "planned-availability", "STABLE", ("stable", "stable"))


def licence(out: Quads, iri: str) -> NamedNode:
    """The licence node: ``dct:LicenseDocument`` with a title but no ``rdfs:label`` (data.gouv.fr
    would match that label instead of the IRI), ``owl:sameAs`` its SPDX IRI when it has one."""
    licence = NamedNode(iri)
    out.add(licence, RDF.type, DCT.LicenseDocument)
    known = tables().licences.get(iri)
    if known:
        out.labels(licence, DCT.title, known.title_fr, known.title_en)
        if known.spdx:
            out.add(licence, OWL.sameAs, NamedNode(known.spdx))
        kind = NamedNode(ADMS_VOCABULARIES + "licencetype/Attribution")
        out.add(licence, DCT.type, kind)
        out.add(kind, RDF.type, SKOS.Concept)
        out.add(kind, SKOS.prefLabel, english("Attribution"))
        out.add(kind, SKOS.inScheme, NamedNode(ADMS_VOCABULARIES + "licencetype/1.0"))
    return licence


def rights(out: Quads, iri: str, note: str = "") -> BlankNode:
    """``dct:rights`` as a ``dct:RightsStatement`` whose ``rdfs:label`` is the licence's name (the
    label is what data.gouv.fr reads from a rights node), with the licence note as a comment."""
    statement = BlankNode()
    out.add(statement, RDF.type, DCT.RightsStatement)
    known = tables().licences.get(iri)
    out.add(statement, RDFS.label, Literal(known.rights_label if known else iri))
    if note:
        out.add(statement, RDFS.comment, english(note))
    return statement


def france(out: Quads) -> NamedNode:
    """France as a ``dct:Location``: the EU country IRI with its bounding boxes (one per part of
    France) as ``dcat:bbox``, a GeoJSON literal with the IANA datatype, which is what
    data.gouv.fr reads (udata takes a literal of the Location in GeoJSON, IANA datatype, or WKT
    with the datatype ``http://www.opengis.net/rdf#wktLiteral``, not GeoSPARQL's), and the
    centroid (GeoSPARQL WKT). No ``locn:geometry``: boxes are not an extensive geometry, and
    SEMIC's two sets of DCAT-AP 3.0.1 shapes disagree on its value (``html/shacl/`` asks a
    literal, ``shacl/`` a ``locn:Geometry`` node, after SEMICeu/DCAT-AP issue 247), so no
    value passes both."""
    france = authority("country", "FRA")
    out.add(france, RDF.type, DCT.Location)
    out.labels(france, SKOS.prefLabel, "France", "France")
    out.add(france, DCAT.bbox, Literal(france_geojson(), datatype=iana("application/vnd.geo+json")))
    out.add(france, DCAT.centroid, Literal(f"POINT({FRANCE_CENTROID[0]} {FRANCE_CENTROID[1]})", datatype=GEO.wktLiteral))
    return france
