"""The one place where IRIs are written: vocabulary prefixes and the minting of data IRIs.

Prefixes are pinned here rather than taken from rdflib's constants (rdflib's ``SDO`` is
``https://schema.org/`` and its ``WGS`` is https, which differ from what we publish).
Everything builds pyoxigraph terms (fast: a build makes about a million of them). This module
sits at the ground of the package, beside ``errors.py``: loaders, graph, endpoint and CLI all
import it, and it imports nothing of theirs, nor rdflib (a server process or a query worker
never pays rdflib's import for it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from pyoxigraph import NamedNode

DEFAULT_BASE = "https://w3id.org/territoires-industrie/"
ONTOLOGY_IRI = DEFAULT_BASE + "def"

PREFIXES: dict[str, str] = {
    "tid": ONTOLOGY_IRI + "#",
    "tidsh": DEFAULT_BASE + "shapes#",
    "adms": "http://www.w3.org/ns/adms#",
    "cpsv": "http://purl.org/vocab/cpsv#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "formats": "http://www.w3.org/ns/formats/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "legal": "http://www.w3.org/ns/legal#",
    "locn": "http://www.w3.org/ns/locn#",
    "m8g": "http://data.europa.eu/m8g/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

# Values that other catalogues recognise, written once.
LICENCE_OUVERTE_2 = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
MIT = "https://spdx.org/licenses/MIT.html"
EUR = "http://publications.europa.eu/resource/authority/currency/EUR"
SHA256 = PREFIXES["spdx"] + "checksumAlgorithm_sha256"
SPARQL_RESULTS_XML = "http://www.w3.org/2005/sparql-results#"
"""The namespace of the SPARQL query results XML format (the endpoint writes it row by row)."""
# The DCAT-AP catalogue (graph/catalog.py): controlled vocabularies portals recognise.
ETALAB_2_SPDX = "https://spdx.org/licenses/etalab-2.0.html"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
"""EU Vocabularies authority tables: ``data-theme/ECON``, ``frequency/IRREG``, ``file-type/CSV``…"""
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
"""``dcat:mediaType`` IRIs (``…/text/csv``), and the GeoJSON literal datatype data.gouv.fr reads."""
ADMS_VOCABULARIES = "http://purl.org/adms/"
"""ADMS code lists: ``licencetype/Attribution``, ``publishertype/NationalAuthority``."""
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"


class Vocabulary:
    """``TID.Programme`` -> ``NamedNode(".../def#Programme")``; cached."""

    def __init__(self, iri: str):
        self.iri = iri

    @lru_cache(maxsize=None)  # noqa: B019 - a handful of long-lived instances
    def __getitem__(self, local: str) -> NamedNode:
        return NamedNode(self.iri + local)

    def __getattr__(self, local: str) -> NamedNode:
        if local.startswith("__"):
            raise AttributeError(local)
        return self[local]


TID = Vocabulary(PREFIXES["tid"])
RDF = Vocabulary(PREFIXES["rdf"])
RDFS = Vocabulary(PREFIXES["rdfs"])
OWL = Vocabulary(PREFIXES["owl"])
XSD = Vocabulary(PREFIXES["xsd"])
SKOS = Vocabulary(PREFIXES["skos"])
DCT = Vocabulary(PREFIXES["dct"])
DCAT = Vocabulary(PREFIXES["dcat"])
PROV = Vocabulary(PREFIXES["prov"])
ORG = Vocabulary(PREFIXES["org"])
IGEO = Vocabulary(PREFIXES["igeo"])
GEO = Vocabulary(PREFIXES["geo"])
M8G = Vocabulary(PREFIXES["m8g"])
LEGAL = Vocabulary(PREFIXES["legal"])
FOAF = Vocabulary(PREFIXES["foaf"])
TIME = Vocabulary(PREFIXES["time"])
SPDX = Vocabulary(PREFIXES["spdx"])
VOID = Vocabulary(PREFIXES["void"])
VCARD = Vocabulary(PREFIXES["vcard"])
LOCN = Vocabulary(PREFIXES["locn"])
DCATAP = Vocabulary(PREFIXES["dcatap"])
SD = Vocabulary(PREFIXES["sd"])



def slugify(text: str) -> str:
    """Lower-case ASCII slug: ``"Europôle de Sarreguemines"`` -> ``"europole-de-sarreguemines"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def url_slug(url: str) -> str:
    """A stable slug for a web page: ``web-`` + the first 12 hex of the SHA-1 of its URL."""
    return "web-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class Minter:
    """Mints data IRIs under one base: things ``{base}id/...``, graphs ``{base}graph/...``."""

    def __init__(self, base: str = DEFAULT_BASE):
        if not base.endswith("/"):
            raise ValueError(f"the IRI base must end with '/': {base!r}")
        self.base = base

    def id(self, kind: str, *codes: str) -> NamedNode:
        for code in codes:
            if not _CODE.match(code):
                raise ValueError(f"not a valid IRI segment for {kind}: {code!r}")
        return NamedNode(self.base + "id/" + "/".join((kind, *codes)))

    def graph(self, *segments: str) -> NamedNode:
        return NamedNode(self.base + "graph/" + "/".join(segments))

    # The things every loader refers to, so that their patterns are written once.
    def region(self, code: str) -> NamedNode:
        return self.id("region", code)

    def departement(self, code: str) -> NamedNode:
        return self.id("departement", code)

    def commune(self, insee: str) -> NamedNode:
        return self.id("commune", insee)

    def epci(self, siren: str) -> NamedNode:
        return self.id("epci", siren)

    def phase(self, slug: str) -> NamedNode:
        return self.id("phase", slug)

    def territoire(self, phase: str, id_ti: str) -> NamedNode:
        return self.id("territoire", phase, id_ti)

    def liste(self, source_id: str) -> NamedNode:
        """A territory list: what one source file states at its reference date."""
        return self.id("liste", source_id)

    def millesime(self, year: int | str) -> NamedNode:
        """A geographic vintage (COG 2020, 2023, 2026), by the year of its reference date."""
        return self.id("millesime", str(year))

    def geometrie(self, thing: NamedNode) -> NamedNode:
        prefix = self.base + "id/"
        return NamedNode(prefix + "geometrie/" + thing.value[len(prefix):])

    def nature_juridique(self, code: str) -> NamedNode:
        return self.id("nature-juridique", code)

    def vague(self, slug: str) -> NamedNode:
        return self.id("vague", slug)

    def programme(self, slug: str) -> NamedNode:
        return self.id("programme", slug)

    def document_for_url(self, url: str) -> NamedNode:
        return self.id("document", url_slug(url))
