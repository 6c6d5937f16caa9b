"""The DCAT-AP 3 catalogue of a release as quads: :func:`catalogue_quads` (what it describes, and
why each detail, is told in :mod:`tid.graph.catalog`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from tid.graph.catalog.entries import SourceEntry, period, phase_periods, read_entries, span
from tid.graph.catalog.names import (
    CATALOGUE_FILES,
    CONTACT_EMAIL,
    DATASET_SLUG,
    PROJECT_NAME,
    catalogue_graph,
    catalogue_node,
    source_dataset,
    whole_dataset,
)
from tid.graph.catalog.nodes import (
    Quads,
    availability,
    concept,
    english,
    file_type,
    france,
    french,
    frequency,
    language,
    licence,
    media_type,
    publisher,
    rights,
    theme,
    xsd_date,
)
from tid.graph.catalog.tables import Kind, tables
from tid.graph.catalog.texts import dump_texts, qualifiers, rights_notes, source_description
from tid.graph.provenance import distribution as provenance_distribution
from tid.graph.sources import ResolvedSource, SourceSpec
from tid.namespaces import (
    DCAT,
    DCATAP,
    DCT,
    EU_AUTHORITY,
    FOAF,
    LICENCE_OUVERTE_2,
    PROV,
    RDF,
    RDFS,
    SHA256,
    SKOS,
    SPARQL_PROTOCOL,
    SPDX,
    VCARD,
    XSD,
    Minter,
)

GZIP = "application/gzip"
SPARQL_FILE_TYPE = "SPARQLQ"
DEFAULT_KIND = Kind("Source data", ("ECON",))
COMMON_KEYWORDS_FR = ("territoires d'industrie", "industrie", "politique industrielle", "données liées")
COMMON_KEYWORDS_EN = ("Territoires d'industrie", "industry", "industrial policy", "linked data")


def catalogue_quads(
    manifest: dict[str, Any],
    specs: Sequence[SourceSpec],
    minter: Minter,
    endpoint_url: str | None,
    *,
    contact_email: str = CONTACT_EMAIL,
    catalogue_files: Sequence[str] = tuple(CATALOGUE_FILES),
    catalogue_sizes: Mapping[str, int] | None = None,
) -> list[Quad]:
    """The DCAT-AP 3 catalogue of the release ``manifest`` built from ``specs``.

    ``endpoint_url``: the public SPARQL endpoint (default ``{base}sparql``, the base being mapped
    onto the server root). ``catalogue_files``: the catalogue's own files published under
    ``{base}dumps/`` (its distributions; none when they are not written); ``catalogue_sizes``: their
    sizes in bytes, when known (see :func:`tid.graph.catalog.publish.publish_catalogue`). A file
    cannot carry its own checksum: the catalogue's files have theirs beside them
    (``{base}dumps/{file}.sha256``) and in the ``Repr-Digest`` header of their answers.
    """
    base = minter.base
    data_themes = tables().data_themes
    endpoint = NamedNode(endpoint_url or base + "sparql")
    out = Quads(catalogue_graph(minter))
    entries = read_entries(manifest, specs)
    phases = phase_periods(specs)
    programme = (min(p[0] for p in phases.values()), max(p[1] for p in phases.values())) if phases else None
    built = Literal(manifest["built"], datatype=XSD.dateTime)
    retrieved = [e.spec.retrieved for e in entries if e.spec.retrieved]
    first_issued = xsd_date(min(retrieved)) if retrieved else xsd_date(date.fromisoformat(manifest["built"][:10]))
    homepage = NamedNode(base)

    # Shared nodes: publisher, contact point, licences, vocabularies, France.
    project = publisher(out, minter, PROJECT_NAME)
    contact = BlankNode()
    out.add(contact, RDF.type, VCARD.Kind)
    out.add(contact, RDF.type, VCARD.Organization)
    out.add(contact, VCARD.fn, Literal(PROJECT_NAME))
    out.add(contact, VCARD.hasEmail, NamedNode("mailto:" + contact_email))
    out.add(contact, VCARD.hasURL, homepage)
    coverage = france(out)
    out.add(homepage, RDF.type, FOAF.Document)
    public = concept(out, "access-right", "PUBLIC", ("public", "public"), DCT.RightsStatement)
    themes_scheme = NamedNode(EU_AUTHORITY + "data-theme")
    out.add(themes_scheme, RDF.type, SKOS.ConceptScheme)
    out.labels(themes_scheme, DCT.title, "Thèmes des données (UE)", "Data theme (EU)")
    notes = rights_notes(entries)

    def describe_common(node: NamedNode, kind: Kind, licence_iri: str, note: str = "") -> None:
        """What every dataset (and the catalogue) says: publisher, contact, themes, keywords, rights."""
        out.add(node, DCAT.contactPoint, contact)
        for code in kind.themes:
            out.add(node, DCAT.theme, theme(out, code))
        for word in (*COMMON_KEYWORDS_FR, *kind.keywords_fr, *(data_themes[c][0].lower() for c in kind.themes)):
            out.add(node, DCAT.keyword, french(word))
        for word in (*COMMON_KEYWORDS_EN, *kind.keywords_en, *(data_themes[c][1].lower() for c in kind.themes)):
            out.add(node, DCAT.keyword, english(word))
        out.add(node, DCT.license, licence(out, licence_iri))
        out.add(node, DCT.rights, rights(out, licence_iri, note))
        out.add(node, DCT.spatial, coverage)

    def temporal(node: NamedNode, period: tuple[date, date] | None) -> None:
        if period is None:
            return
        span = BlankNode()
        out.add(node, DCT.temporal, span)
        out.add(span, RDF.type, DCT.PeriodOfTime)
        out.add(span, DCAT.startDate, xsd_date(period[0]))
        out.add(span, DCAT.endDate, xsd_date(period[1]))

    def distribution(node: NamedNode, dataset: NamedNode, licence_iri: str, fr: tuple[str, str], en: tuple[str, str],
                     access: NamedNode, download: NamedNode | None = None, media: str | None = None,
                     file_code: str | None = None, size: int | None = None, sha256: str | None = None,
                     compressed: bool = False, package: str | None = None, note: str = "") -> None:
        out.add(dataset, DCAT.distribution, node)
        out.add(node, RDF.type, DCAT.Distribution)
        out.labels(node, DCT.title, fr[0], en[0])
        out.labels(node, DCT.description, fr[1], en[1])
        out.add(node, DCAT.accessURL, access)
        if download is not None:
            out.add(node, DCAT.downloadURL, download)
        if media:
            out.add(node, DCAT.mediaType, media_type(out, media))
        code = file_code or (tables().file_types.get(media) if media else None)
        if code:
            out.add(node, DCT.format, file_type(out, code))
        if compressed:
            out.add(node, DCAT.compressFormat, media_type(out, GZIP))
        if package:
            packaging = file_type(out, package)
            out.add(packaging, RDF.type, DCT.MediaType)
            out.add(node, DCAT.packageFormat, packaging)
        if size is not None:
            out.add(node, DCAT.byteSize, Literal(str(size), datatype=XSD.nonNegativeInteger))
        if sha256:
            checksum = BlankNode()
            out.add(node, SPDX.checksum, checksum)
            out.add(checksum, RDF.type, SPDX.Checksum)
            out.add(checksum, SPDX.algorithm, NamedNode(SHA256))
            # DCAT-AP 3.0.1 (shacl/) asks the algorithm to be a spdx:ChecksumAlgorithm
            out.add(NamedNode(SHA256), RDF.type, SPDX.ChecksumAlgorithm)
            out.add(checksum, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary))
        out.add(node, DCT.license, licence(out, licence_iri))
        out.add(node, DCT.rights, rights(out, licence_iri, note))
        out.add(node, DCATAP.availability, availability(out))

    # The catalogue.
    catalog = catalogue_node(minter)
    whole = whole_dataset(minter)
    service = minter.id("service", "sparql")
    out.add(catalog, RDF.type, DCAT.Catalog)
    out.labels(catalog, DCT.title, "Catalogue du graphe de connaissances Territoires d'industrie",
               "Catalogue of the Territoires d'industrie knowledge graph")
    out.labels(
        catalog, DCT.description,
        "Les jeux de données du graphe de connaissances des programmes Territoires d'industrie (ANCT), des sites "
        f"industriels clés en main et du Fonds d'accélération des investissements industriels : le graphe entier "
        f"(version {manifest['release']}) et un jeu par source et version ({len(entries)} sources), avec leurs "
        "fichiers et le point d'accès SPARQL. Catalogue DCAT-AP 3 produit à chaque construction du graphe.",
        "The datasets of the knowledge graph of France's Territoires d'industrie programmes (ANCT), turnkey "
        f"industrial sites and industrial investment acceleration fund: the whole graph (release "
        f"{manifest['release']}) and one dataset per source and version ({len(entries)} sources), with their files "
        "and the SPARQL endpoint. DCAT-AP 3 catalogue generated by every build of the graph.",
    )
    out.add(catalog, DCT.identifier, Literal(f"{DATASET_SLUG}/catalogue"))
    out.add(catalog, DCT.publisher, project)
    out.add(catalog, FOAF.homepage, homepage)
    for code in tables().languages:
        out.add(catalog, DCT.language, language(out, code))
    out.add(catalog, DCAT.themeTaxonomy, themes_scheme)
    out.add(catalog, DCT.issued, first_issued)
    out.add(catalog, DCT.modified, built)
    describe_common(catalog, Kind("", ("ECON", "REGI", "GOVE")), LICENCE_OUVERTE_2, notes)
    temporal(catalog, span([period(e.spec, phases, programme) for e in entries] + [programme]))
    out.add(catalog, DCAT.dataset, whole)
    out.add(catalog, DCAT.service, service)
    for name in catalogue_files:
        fmt = CATALOGUE_FILES[name]
        distribution(
            minter.id("distribution", "catalogue", name), catalog, LICENCE_OUVERTE_2,
            (f"Ce catalogue ({fmt.name.replace('_', '-')})", "Le catalogue DCAT-AP 3 de cette version du graphe."),
            (f"This catalogue ({fmt.name.replace('_', '-')})", "The DCAT-AP 3 catalogue of this release of the graph."),
            NamedNode(f"{base}dumps/{name}"), NamedNode(f"{base}dumps/{name}"), fmt.media_type,
            size=(catalogue_sizes or {}).get(name),
        )
        out.add(minter.id("distribution", "catalogue", name), RDFS.seeAlso, NamedNode(f"{base}dumps/{name}.sha256"))

    # The whole graph.
    sources_text = ", ".join(sorted(e.spec.id for e in entries))
    counts = manifest.get("counts", {})
    out.add(whole, RDF.type, DCAT.Dataset)
    out.labels(whole, DCT.title, "Territoires d'industrie — graphe de connaissances",
               "Territoires d'industrie — knowledge graph")
    out.labels(
        whole, DCT.description,
        "Les programmes de politique industrielle territoriale de l'État en données liées : Territoires d'industrie "
        "(phases 2018-2023 et 2023-2027, territoires, intercommunalités et communes membres), Pack Rebond, sites "
        "industriels clés en main, lauréats du Fonds d'accélération des investissements industriels, acteurs, "
        "chiffres annoncés, avec la géographie du COG. Chaque fait vient d'une source citée : un graphe nommé par "
        f"source et version, avec sa provenance. Version {manifest['release']} : {counts.get('quads', 0)} quadruplets, "
        f"{len(counts.get('graphs', {}))} graphes nommés, sources : {sources_text}.",
        "France's territorial industrial-policy programmes as linked data: Territoires d'industrie (2018-2023 and "
        "2023-2027 phases, territories, member groupings and communes), Pack Rebond, turnkey industrial sites, "
        "recipients of the industrial investment acceleration fund, actors and announced figures, with the "
        "geography of the Official Geographic Code. Every fact comes from a cited source: one named graph per "
        f"source and version, with its provenance. Release {manifest['release']}: {counts.get('quads', 0)} quads, "
        f"{len(counts.get('graphs', {}))} named graphs, sources: {sources_text}.",
    )
    out.add(whole, DCT.identifier, Literal(DATASET_SLUG))
    out.add(whole, DCT.publisher, project)
    out.add(whole, DCAT.landingPage, homepage)
    out.add(whole, DCT.language, language(out, "FRA"))
    out.add(whole, DCT.accessRights, public)
    out.add(whole, DCT.accrualPeriodicity, frequency(out, "IRREG"))
    out.add(whole, DCT.issued, first_issued)
    out.add(whole, DCT.modified, built)
    out.add(whole, DCAT.version, Literal(manifest["release"]))
    describe_common(whole, Kind("", ("ECON", "REGI", "GOVE"), ("sites industriels clés en main", "EPCI"),
                                ("turnkey industrial sites", "EPCI")), LICENCE_OUVERTE_2, notes)
    temporal(whole, span([period(e.spec, phases, programme) for e in entries] + [programme]))
    for dump in manifest.get("dumps") or []:
        if dump["file"] in CATALOGUE_FILES:
            continue
        url = NamedNode(f"{base}dumps/{dump['file']}")
        fr, en = dump_texts(dump, manifest["release"])
        distribution(minter.id("distribution", DATASET_SLUG, dump["file"]), whole, LICENCE_OUVERTE_2, fr, en,
                     url, url, dump["media_type"], size=int(dump["bytes"]), sha256=dump["sha256"],
                     compressed=dump["file"].endswith(".gz"), note=notes)
    distribution(
        minter.id("distribution", DATASET_SLUG, "sparql"), whole, LICENCE_OUVERTE_2,
        ("Point d'accès SPARQL", "Interroger le graphe entier en SPARQL 1.1 (protocole SPARQL, résultats en JSON, "
         "XML, CSV ou TSV ; graphes en Turtle, N-Triples, RDF/XML ou JSON-LD). Le graphe par défaut est l'union "
         "des graphes nommés."),
        ("SPARQL endpoint", "Query the whole graph with SPARQL 1.1 (SPARQL protocol; results as JSON, XML, CSV or "
         "TSV; graphs as Turtle, N-Triples, RDF/XML or JSON-LD). The default graph is the union of the named graphs."),
        endpoint, file_code=SPARQL_FILE_TYPE, note=notes,
    )

    # One dataset per source and version.
    datasets = [whole]
    for entry in entries:
        spec = entry.spec
        kind = tables().kinds.get(spec.loader, DEFAULT_KIND)
        dataset = source_dataset(minter, spec.id, entry.version)
        datasets.append(dataset)
        out.add(catalog, DCAT.dataset, dataset)
        out.add(dataset, RDF.type, DCAT.Dataset)
        title_en = kind.en if kind is not DEFAULT_KIND else f"Source {spec.id}"
        qualifier_fr, qualifier_en = qualifiers(spec)
        out.labels(dataset, DCT.title, f"{spec.title} — version {entry.version}",
                   f"{title_en}{qualifier_en} — source {spec.id}, version {entry.version}")
        out.labels(dataset, DCT.description, *source_description(entry, qualifier_fr, qualifier_en))
        out.add(dataset, DCT.identifier, Literal(f"{DATASET_SLUG}/{spec.id}/{entry.version}"))
        out.add(dataset, DCAT.version, Literal(entry.version))
        # The project publishes the graph; the source's publisher made the data it is built from.
        out.add(dataset, DCT.publisher, project)
        if spec.publisher != PROJECT_NAME:
            out.add(dataset, DCT.creator, publisher(out, minter, spec.publisher))
        out.add(dataset, DCT.language, language(out, "FRA"))
        out.add(dataset, DCT.accessRights, public)
        out.add(dataset, DCT.accrualPeriodicity, frequency(out, "NEVER"))
        out.add(dataset, DCT.isPartOf, whole)
        out.add(dataset, DCT.relation, entry.graph)
        out.add(dataset, PROV.wasDerivedFrom,
                provenance_of(minter, entry))
        if spec.retrieved:
            out.add(dataset, DCT.issued, xsd_date(spec.retrieved))
            out.add(dataset, DCT.modified, xsd_date(spec.retrieved))
        if spec.landing_page:
            page = NamedNode(spec.landing_page)
            out.add(dataset, DCAT.landingPage, page)
            out.add(page, RDF.type, FOAF.Document)
        describe_common(dataset, kind, spec.licence, spec.licence_note)
        temporal(dataset, period(spec, phases, programme))
        source_distributions(entry, minter, dataset, endpoint, distribution)

    # The SPARQL service.
    out.add(service, RDF.type, DCAT.DataService)
    out.labels(service, DCT.title, "Point d'accès SPARQL du graphe de connaissances Territoires d'industrie",
               "SPARQL endpoint of the Territoires d'industrie knowledge graph")
    out.labels(
        service, DCT.description,
        "Service SPARQL 1.1 en lecture seule sur le graphe entier et ses graphes nommés (un par source et "
        "version), avec sa description de service (SPARQL Service Description) à la même adresse.",
        "Read-only SPARQL 1.1 service over the whole graph and its named graphs (one per source and version), "
        "with its SPARQL Service Description at the same address.",
    )
    out.add(service, DCT.identifier, Literal(f"{DATASET_SLUG}/sparql"))
    out.add(service, DCAT.endpointURL, endpoint)
    out.add(service, DCAT.endpointDescription, endpoint)
    standard = NamedNode(SPARQL_PROTOCOL)
    out.add(service, DCT.conformsTo, standard)
    out.add(standard, RDF.type, DCT.Standard)
    out.labels(standard, DCT.title, "Protocole SPARQL 1.1", "SPARQL 1.1 Protocol")
    out.add(service, DCT.publisher, project)
    out.add(service, DCT.accessRights, public)
    out.add(service, DCT.license, licence(out, LICENCE_OUVERTE_2))
    out.add(service, DCAT.contactPoint, contact)
    for code in ("ECON", "REGI", "GOVE"):
        out.add(service, DCAT.theme, theme(out, code))
        out.add(service, DCAT.keyword, french(data_themes[code][0].lower()))
        out.add(service, DCAT.keyword, english(data_themes[code][1].lower()))
    out.add(service, DCAT.keyword, Literal("SPARQL"))
    for dataset in datasets:
        out.add(service, DCAT.servesDataset, dataset)
    return out.quads


def provenance_of(minter: Minter, entry: SourceEntry) -> NamedNode:
    """The file the named graph was loaded from, as the provenance graph names it."""
    return provenance_distribution(minter, ResolvedSource(entry.spec, entry.file, entry.sha256))


def source_distributions(entry: SourceEntry, minter: Minter, dataset: NamedNode, endpoint: NamedNode,
                          distribution: Any) -> None:
    spec = entry.spec
    prefix = (spec.id, entry.version)
    if spec.url:
        url = NamedNode(spec.url)
        name = spec.url.rstrip("/").rsplit("/", 1)[-1]
        if spec.fetch == "download" and spec.member:
            member = spec.member.rsplit("/", 1)[-1]
            fr = (f"Fichier officiel : archive {name}",
                  f"L'archive publiée par {spec.publisher} ; le graphe a été chargé de son fichier {spec.member} "
                  f"({member}, SHA-256 {entry.sha256}).")
            en = (f"Official file: archive {name}",
                  f"The archive published by {spec.publisher}; the graph was loaded from its file {spec.member} "
                  f"({member}, SHA-256 {entry.sha256}).")
            distribution(minter.id("distribution", *prefix, "fichier-source"), dataset, spec.licence, fr, en,
                         url, url, spec.media_type, compressed=True, package="TAR", note=spec.licence_note)
        elif spec.fetch == "download":
            fr = (f"Fichier officiel : {name}", f"Le fichier publié par {spec.publisher}, tel que chargé dans le graphe.")
            en = (f"Official file: {name}", f"The file published by {spec.publisher}, as loaded into the graph.")
            distribution(minter.id("distribution", *prefix, "fichier-source"), dataset, spec.licence, fr, en,
                         url, url, spec.media_type, size=entry.byte_size, sha256=entry.sha256, note=spec.licence_note)
        else:
            # the format of the original file: its own extension's, or, for an archive, its member's
            suffix = re.search(r"(\.[A-Za-z0-9]+)$", spec.member or name)
            media = tables().url_media_types.get(suffix.group(1).lower()) if suffix else None
            archive = {"compressed": True, "package": "TAR"} if spec.member else {}
            fr = (f"Fichier d'origine : {name}",
                  f"Le fichier d'origine publié par {spec.publisher} ; le graphe a été chargé d'une extraction de ce "
                  f"fichier ({entry.file.name}, SHA-256 {entry.sha256}).")
            en = (f"Original file: {name}",
                  f"The original file published by {spec.publisher}; the graph was loaded from an extraction of it "
                  f"({entry.file.name}, SHA-256 {entry.sha256})." + (f" Note: {spec.fetch_note}." if spec.fetch_note else ""))
            distribution(minter.id("distribution", *prefix, "fichier-source"), dataset, spec.licence, fr, en,
                         url, url, media, note=spec.licence_note, **archive)
    graph = entry.graph.value
    distribution(
        minter.id("distribution", *prefix, "sparql"), dataset, spec.licence,
        ("Point d'accès SPARQL (graphe nommé)",
         f"Interroger ce jeu de données en SPARQL : ses triplets forment le graphe nommé <{graph}> "
         f"(SELECT … WHERE {{ GRAPH <{graph}> {{ … }} }})."),
        ("SPARQL endpoint (named graph)",
         f"Query this dataset with SPARQL: its triples are the named graph <{graph}> "
         f"(SELECT … WHERE {{ GRAPH <{graph}> {{ … }} }})."),
        endpoint, file_code=SPARQL_FILE_TYPE, note=spec.licence_note,
    )
