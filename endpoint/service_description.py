"""The SPARQL 1.1 Service Description, answered by ``GET /sparql`` without a query.

It states the endpoint, the language (SPARQL 1.1 Query only: the service is read-only), every
result format (W3C format IRIs), the features (``sd:UnionDefaultGraph``; ``sd:BasicFederatedQuery``
only when federation is on), the default dataset (the default graph, which is the union of the
named graphs, and each named graph with its triple count), and the limits: as ``tid:`` terms
when the ontology declares them, and always as a bilingual ``rdfs:comment``. The service and the
dataset link the DCAT-AP catalogue (``/catalog``) with ``rdfs:seeAlso`` when the app serves it.

Negotiated as Turtle (default), JSON-LD, RDF/XML, N-Triples, TriG, N-Quads, or a small HTML page
for browsers.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, current_app, render_template, request
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    RdfFormat,
    Triple,
    parse,
)

from tid import ROOT
from tid.endpoint import conneg
from tid.endpoint.analysis import MAX_NESTING
from tid.endpoint.html import asset_url
from tid.endpoint.http import Body, Called, negotiated
from tid.endpoint.live import Release, current_release
from tid.endpoint.results import serialize_graph
from tid.endpoint.shares import per_client_share
from tid.endpoint.urls import catalogue_url, endpoint_url
from tid.graph.queries import load_query
from tid.namespaces import DCT, PREFIXES, RDF, RDFS, SD, TID, VOID, XSD, Minter

OFFERS = (*conneg.GRAPH_FORMATS, conneg.HTML)
SD_PREFIXES = {p: PREFIXES[p] for p in ("sd", "void", "dct", "rdfs", "xsd", "tid")}

# Limits as tid: terms, used only when ontology/tid.ttl declares them (config key -> local name).
LIMIT_TERMS = {
    "QUERY_TIMEOUT": ("dureeMaximaleRequete", "decimal"),
    "MAX_ROWS": ("nombreMaximalResultats", "integer"),
    "MAX_BYTES": ("tailleMaximaleReponse", "integer"),
    "MAX_QUERY_LENGTH": ("longueurMaximaleRequete", "integer"),
    "MAX_CONCURRENT_QUERIES": ("requetesSimultaneesMaximum", "integer"),
}


@cache
def declared_tid_terms() -> frozenset[str]:
    """The ``tid:`` IRIs that ontology/tid.ttl gives a type."""
    namespace = PREFIXES["tid"]
    return frozenset(
        quad.subject.value
        for quad in parse(path=str(ROOT / "ontology" / "tid.ttl"), format=RdfFormat.TURTLE)
        if quad.predicate == RDF.type and isinstance(quad.subject, NamedNode) and quad.subject.value.startswith(namespace)
    )


def dataset_iri(release: Release) -> NamedNode:
    """The dataset the VoID description and the service description both describe."""
    return Minter(release.base).id("dataset", "territoires-industrie")


def counts(release: Release) -> dict[str, Any]:
    """Triples per named graph and in the default graph (the merge: each triple once), as the build
    counted them in the release's manifest; counted here, once per release, for a manifest without
    them (counting takes seconds of a server process's CPU on the real graph, at every start)."""
    recorded = release.manifest.get("counts") or {}
    graphs, default = recorded.get("graphs"), recorded.get("triples")
    if isinstance(graphs, dict) and isinstance(default, int):
        return {"graphs": sorted((str(g), int(n)) for g, n in graphs.items()), "default": default}

    def compute() -> dict[str, Any]:
        graphs = [
            (solution["graph"].value, int(solution["triples"].value))
            for solution in release.store.query(load_query("endpoint-named-graphs").text)
        ]
        default = next(iter(release.store.query(load_query("store-triples").text)))
        return {"graphs": graphs, "default": int(default["triples"].value)}

    return release.cached("sd-counts", compute)


def memory_texts(config: dict[str, Any]) -> tuple[str, str]:
    """How much memory a query process has, in English and French."""
    worker, server = config["WORKER_MEMORY_MB"], config.get("SERVER_MEMORY_MB")
    if not worker:
        return "without a memory limit", "sans limite de mémoire"
    shared = ((f", its share of the {server} MiB that all of them may use together",
               f", sa part des {server} Mio que tous peuvent utiliser ensemble") if server else ("", ""))
    return (f"of at most {worker} MiB of address space{shared[0]} (past it, 422 query-too-expensive)",
            f"d'au plus {worker} Mio d'espace d'adressage{shared[1]} (au-delà, 422 query-too-expensive)")


def limits_text(config: dict[str, Any]) -> tuple[str, str]:
    federation_en = (f"SERVICE is allowed only to {', '.join(sorted(config['SERVICE_ALLOWLIST'])) or 'no host'}"
                     if config["FEDERATION"] else "SERVICE (federated query) is refused")
    federation_fr = (f"SERVICE n'est permis que vers {', '.join(sorted(config['SERVICE_ALLOWLIST'])) or 'aucun hôte'}"
                     if config["FEDERATION"] else "SERVICE (requête fédérée) est refusé")
    memory_en, memory_fr = memory_texts(config)
    en = (
        f"Limits: a query runs at most {config['QUERY_TIMEOUT']:g} s, after which it is stopped and answered "
        f"503 with Retry-After; a response holds at most {config['MAX_ROWS']} rows (SELECT) or triples "
        f"(CONSTRUCT, DESCRIBE) and {config['MAX_BYTES']} bytes, and a response cut by a limit says so in its "
        f"X-TID-Truncated header (SPARQL JSON and XML also in their head, RDF formats in a comment); a CSV or TSV "
        f"answer, which has no place to say so, is never cut: past a limit it is refused with 422 "
        f"(result-too-large, naming the limit; page with ORDER BY, LIMIT and OFFSET) unless the request adds "
        f"truncate=true; a query is at most {config['MAX_QUERY_LENGTH']} characters long and nests {{ }}, ( ) and [ ] at "
        f"most {MAX_NESTING} levels deep; a request must arrive whole within {config['REQUEST_READ_TIMEOUT']:g} s of "
        f"its first byte, or it is answered 408 and the connection closed; "
        f"{config['MAX_CONCURRENT_QUERIES']} queries run at once per server process, each in a process {memory_en}; "
        f"further ones are answered "
        f"503 when none frees within {config['QUEUE_WAIT']:g} s, and one client (its address) runs at most "
        f"{per_client_share(config.get('MAX_QUERIES_PER_CLIENT'), config['MAX_CONCURRENT_QUERIES'])} of them at once: "
        f"past that, a query waits for one of its own to end, {config['QUEUE_WAIT']:g} s at most, then it is answered 429 (too-many-queries) with Retry-After; a lookup of one subject's triples (one triple "
        f"pattern on a named subject, no path) is not counted there: it cannot run away. {federation_en}. SPARQL Update is not accepted: an update request (the update parameter, "
        "application/sparql-update) is answered 403, an update sent as a query is a malformed query (400). Relative IRIs in a query resolve "
        "against this endpoint's URL."
    )
    fr = (
        f"Limites : une requête s'exécute au plus {config['QUERY_TIMEOUT']:g} s, après quoi elle est arrêtée et "
        f"reçoit une réponse 503 avec Retry-After ; une réponse contient au plus {config['MAX_ROWS']} lignes "
        f"(SELECT) ou triplets (CONSTRUCT, DESCRIBE) et {config['MAX_BYTES']} octets, et une réponse coupée par "
        f"une limite le dit dans son en-tête X-TID-Truncated (SPARQL JSON et XML aussi dans leur en-tête, les "
        f"formats RDF dans un commentaire) ; une réponse CSV ou TSV, qui n'a pas de place pour le dire, n'est "
        f"jamais coupée : au-delà d'une limite elle est refusée avec 422 (result-too-large, qui nomme la limite ; "
        f"parcourez le résultat avec ORDER BY, LIMIT et OFFSET) sauf si la requête ajoute truncate=true ; une "
        f"requête fait au plus "
        f"{config['MAX_QUERY_LENGTH']} caractères et imbrique au plus {MAX_NESTING} niveaux ; une requête HTTP doit "
        f"arriver entière dans les {config['REQUEST_READ_TIMEOUT']:g} s qui suivent son premier octet, sinon elle reçoit 408 "
        f"et la connexion est fermée ; {config['MAX_CONCURRENT_QUERIES']} requêtes s'exécutent "
        f"en même temps par processus serveur, chacune dans un processus {memory_fr} ; les suivantes reçoivent 503 si aucune ne se libère en "
        f"{config['QUEUE_WAIT']:g} s, et un client (son adresse) en exécute au plus "
        f"{per_client_share(config.get('MAX_QUERIES_PER_CLIENT'), config['MAX_CONCURRENT_QUERIES'])} à la fois : "
        f"au-delà, une requête attend que l'une des siennes finisse, {config['QUEUE_WAIT']:g} s au plus, sinon elle reçoit 429 (too-many-queries) avec Retry-After ; la lecture des triplets d'un sujet (un seul motif de triplet au sujet nommé, "
        f"sans chemin) n'y est pas comptée : elle ne peut s'emballer. {federation_fr}. SPARQL Update n'est pas accepté : une requête de mise à jour (paramètre update, "
        "application/sparql-update) reçoit 403, une mise à jour envoyée comme requête est une requête mal formée (400). Les IRI "
        "relatives d'une requête se résolvent par rapport à l'URL de ce point d'accès."
    )
    return en, fr


UNION_EN = ("The default graph is the RDF merge of all the named graphs: each triple any of them states, once "
            "(the build writes it; the engine's own union would count a triple once per graph that states it, "
            "oxigraph issue #1919). A request may name its dataset with default-graph-uri / named-graph-uri, or the "
            "query with FROM / FROM NAMED; a default graph made of several graphs is their merge too (each triple once).")
UNION_FR = ("Le graphe par défaut est la fusion RDF de tous les graphes nommés : chaque triplet que l'un d'eux énonce, "
            "une fois (la construction l'écrit ; l'union faite par le moteur compterait un triplet autant de fois que "
            "de graphes qui l'énoncent, anomalie oxigraph n° 1919). La requête HTTP peut nommer son jeu de données avec "
            "default-graph-uri / named-graph-uri, ou la requête SPARQL avec FROM / FROM NAMED ; un graphe par défaut "
            "formé de plusieurs graphes est lui aussi leur fusion (chaque triplet une fois).")


def description(release: Release, endpoint: str, config: dict[str, Any]) -> list[Triple]:
    service = NamedNode(endpoint)
    dataset = dataset_iri(release)
    default_graph = BlankNode()
    numbers = counts(release)
    en, fr = limits_text(config)
    triples = [
        Triple(service, RDF.type, SD.Service),
        Triple(service, SD.endpoint, service),
        Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
        Triple(service, DCT.title, Literal("Territoires d'industrie — point d'accès SPARQL", language="fr")),
        Triple(service, DCT.title, Literal("Territoires d'industrie — SPARQL endpoint", language="en")),
        Triple(service, RDFS.comment, Literal(en, language="en")),
        Triple(service, RDFS.comment, Literal(fr, language="fr")),
        Triple(service, SD.feature, SD.UnionDefaultGraph),
        Triple(service, SD.defaultDataset, dataset),
        Triple(dataset, RDF.type, SD.Dataset),
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(dataset, DCT.modified, Literal(release.id)),
        Triple(dataset, SD.defaultGraph, default_graph),
        Triple(default_graph, RDF.type, SD.Graph),
        Triple(default_graph, VOID.triples, Literal(str(numbers["default"]), datatype=XSD.integer)),
        Triple(default_graph, RDFS.comment, Literal(UNION_EN, language="en")),
        Triple(default_graph, RDFS.comment, Literal(UNION_FR, language="fr")),
    ]
    if config["FEDERATION"]:
        triples.append(Triple(service, SD.feature, SD.BasicFederatedQuery))
    catalogue = catalogue_url()
    if catalogue:
        # The DCAT-AP catalogue lists this service (a dcat:DataService) and describes the dataset.
        triples.append(Triple(service, RDFS.seeAlso, NamedNode(catalogue)))
        triples.append(Triple(dataset, RDFS.seeAlso, NamedNode(catalogue)))
    for fmt in (*conneg.SOLUTION_FORMATS, *conneg.GRAPH_FORMATS):
        if fmt.iri:
            triples.append(Triple(service, SD.resultFormat, NamedNode(fmt.iri)))
    declared = declared_tid_terms()
    for key, (local, datatype) in LIMIT_TERMS.items():
        term = TID[local]
        if term.value in declared:
            value = config[key]
            lexical = f"{float(value):g}" if datatype == "decimal" else str(int(value))
            triples.append(Triple(service, term, Literal(lexical, datatype=XSD[datatype])))
    for graph, size in numbers["graphs"]:
        named, described = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, SD.namedGraph, named),
            Triple(named, RDF.type, SD.NamedGraph),
            Triple(named, SD.name, NamedNode(graph)),
            Triple(named, SD.graph, described),
            Triple(described, RDF.type, SD.Graph),
            Triple(described, VOID.triples, Literal(str(size), datatype=XSD.integer)),
        ]
    return triples


def respond() -> Response:
    """The service description in the negotiated format (``format=`` or ``output=``, else ``Accept``)."""
    config = current_app.config
    release = current_release()
    endpoint = endpoint_url()

    def draw(fmt: conneg.Format) -> Body:
        if fmt is conneg.HTML:
            en, fr = limits_text(config)
            return render_template("sparql.html", asset_url=asset_url, endpoint=endpoint, release=release, counts=counts(release),
                                   limits_en=en, limits_fr=fr, union_en=UNION_EN, union_fr=UNION_FR,
                                   formats=(*conneg.SOLUTION_FORMATS, *conneg.GRAPH_FORMATS),
                                   federation=config["FEDERATION"])
        return serialize_graph(description(release, endpoint, config), fmt, SD_PREFIXES)

    return negotiated(OFFERS, draw, called=Called("format of the service description",
                                                  "format de la description du service"),
                      values=request.args.getlist("format") or request.args.getlist("output"),
                      tag=[release.id, "service-description", endpoint, catalogue_url(),
                           sorted((key, sorted(value) if isinstance(value, frozenset) else value)
                                  for key, value in config.items() if key in _SD_KEYS)])


_SD_KEYS = frozenset({"QUERY_TIMEOUT", "MAX_ROWS", "MAX_BYTES", "MAX_QUERY_LENGTH", "MAX_CONCURRENT_QUERIES",
                      "QUEUE_WAIT", "FEDERATION", "SERVICE_ALLOWLIST"})
