"""The HTML page of a thing (``resource.html``): what it shows of a description, links made local,
names in the page's language, the key facts, the members, the sites, the sources, the pager, the
map's GeoJSON address, and the schema.org description search engines read. The addresses are
:mod:`tid.endpoint.resources`'."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import url_for
from pyoxigraph import Literal, NamedNode

from tid.endpoint import catalog_page, conneg
from tid.endpoint.catalog_route import load_catalogue
from tid.endpoint.citation import Citation, citation_of
from tid.endpoint.describe import Description, ProgrammeAt, Statement, pick
from tid.endpoint.describe.model import collation_key
from tid.endpoint.geo import geojson_url, unplaced_sites
from tid.endpoint.html import json_for_script, page_language
from tid.endpoint.live import current_release
from tid.endpoint.urls import SAFE_PATH, doc_url, kept_args, page_url, thing_path
from tid.graph.queries import load_query
from tid.namespaces import PREFIXES

ONTOLOGY = PREFIXES["tid"]

PAGE_TYPES: dict[str, tuple[str | None, str]] = {
    # class: (the page's kind, for its styles and sections, or None; its schema.org type)
    PREFIXES["tid"] + "TerritoireIndustrie": ("territoire", "AdministrativeArea"),
    PREFIXES["igeo"] + "Commune": ("commune", "AdministrativeArea"),
    PREFIXES["igeo"] + "Departement": ("departement", "AdministrativeArea"),
    PREFIXES["igeo"] + "Region": ("region", "AdministrativeArea"),
    PREFIXES["igeo"] + "Intercommunalite": ("epci", "GovernmentOrganization"),
    PREFIXES["m8g"] + "PublicOrganisation": (None, "GovernmentOrganization"),
    PREFIXES["tid"] + "SiteCleEnMain": ("site", "Place"),
    PREFIXES["tid"] + "Programme": (None, "GovernmentService"),
    PREFIXES["tid"] + "Mesure": (None, "GovernmentService"),
    PREFIXES["foaf"] + "Person": (None, "Person"),
    PREFIXES["tid"] + "Evenement": (None, "Event"),
    PREFIXES["dcat"] + "Catalog": ("catalogue", "DataCatalog"),
    PREFIXES["dcat"] + "Dataset": ("dataset", "Dataset"),
}
PLAIN_DATATYPES = {PREFIXES["xsd"] + "string", PREFIXES["xsd"] + "integer", PREFIXES["xsd"] + "date",
                   PREFIXES["xsd"] + "decimal", PREFIXES["xsd"] + "boolean", PREFIXES["rdf"] + "langString"}
KEY_FACTS = tuple(PREFIXES["tid"] + local for local in (
    "idTi", "phase", "region", "departement", "commune", "epci", "territoire", "natureJuridique",
    "populationMunicipale", "populationTotale", "siren", "codePostal", "surfaceHa",
    # validity of a commune or an EPCI: the COG vintages that list it (homonyms differ there)
    "millesime", "creeApres", "supprimeAvant", "successeur",
    # an outline a source gives that the loader's check set aside (it leaves out member communes)
    "perimetreEcarte")) + (PREFIXES["igeo"] + "codeINSEE",)


def page_context(d: Description, base: str, downloads: list[tuple[conneg.Format, str]]) -> dict[str, Any]:
    """What ``resource.html`` shows of the description ``d``; ``downloads``: its other formats and their URLs."""
    lang = page_language()
    terms = d.terms
    lang_args = {"lang": lang} if lang != "fr" else {}

    # URLs built once per page: url_for costs tens of microseconds, and a page has hundreds of links.
    ontology_url = url_for("ontology.ontology", **lang_args) + "#"
    doc_prefix = url_for("resources.document", path="x")[:-1]  # "/doc/" under any mount point
    lang_suffix = f"?lang={lang}" if lang_args else ""

    def local_href(iri: str) -> str | None:
        """The local page of ``iri`` (what urls.page_url gives, for a thing path of safe characters)."""
        if iri.startswith(ONTOLOGY) and len(iri) > len(ONTOLOGY):  # a term: its section of /def
            return ontology_url + iri[len(ONTOLOGY):]
        path = thing_path(iri, base)
        if path is None:
            return None
        if not SAFE_PATH.fullmatch(path):
            href = page_url(iri, base)
            return href + lang_suffix if href else None
        return doc_prefix + path + lang_suffix

    def link(iri: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
        """What a template needs to link ``iri``: href (local page when it is ours), text, lang."""
        picked = pick(labels or {}, lang)
        text, text_lang = picked if picked else (None, None)
        if text is None:
            name = terms.name(iri, lang)
            if name:
                text, text_lang = name, lang
        if text is None:
            text, text_lang = _short(iri, base), None
        return {"href": local_href(iri) or iri, "text": text, "lang": text_lang or None, "iri": iri}

    def term(iri: str) -> str:
        return terms.name(iri, lang) or _short(iri, base)

    def val(statement: Statement) -> dict[str, Any]:
        """A statement's value for the template: a literal (text, language, datatype), a link, or
        the triples of a blank node."""
        return _value(statement.value, statement.labels, statement.nested)

    def _value(node: Any, labels: dict[str, str], nested: list[Any]) -> dict[str, Any]:
        if isinstance(node, Literal):
            datatype = node.datatype.value if node.datatype else None
            shown = None if datatype in PLAIN_DATATYPES or node.language else _short(datatype or "", base)
            return {"kind": "literal", "text": node.value, "lang": node.language, "datatype": shown}
        if isinstance(node, NamedNode):
            return {"kind": "iri", **link(node.value, labels)}
        return {"kind": "blank", "nested": [(term(p.value), _value(o, {}, [])) for p, o in nested]}

    def num(value: int | None) -> str:
        """An integer with the page language's digit grouping (narrow no-break space in French)."""
        if value is None:
            return "—"
        return f"{value:,}".replace(",", "\u202f" if lang == "fr" else ",")

    source_index = {s.graph: i + 1 for i, s in enumerate(d.sources)}
    own = d.label(lang)
    types = d.types
    kind = next((PAGE_TYPES[t][0] for t in types if PAGE_TYPES.get(t, (None,))[0]), "autre")
    facts = [(predicate, [s for s in d.values(predicate)]) for predicate in KEY_FACTS if d.values(predicate)]

    def first_link(predicate: str) -> dict[str, Any] | None:
        """The first linked thing of ``predicate`` (the région of a territory…), or None."""
        for statement in d.values(predicate):
            if isinstance(statement.value, NamedNode):
                return link(statement.value.value, statement.labels)
        return None

    members = [m for m in d.memberships if m.direction == "members"]
    member_of = [m for m in d.memberships if m.direction == "member-of"]
    # Memberships of Territoires d'industrie (its phases are the pages' periods) apart from those
    # of the other programmes (Action cœur de ville, Petites villes de demain), whose conventions
    # are territories too: each is named under its own programme.
    ti_phases = {p.iri for p in d.terms.phases}
    by_programme: dict[str, list[Any]] = {}
    for m in member_of:
        if m.programme and m.phase not in ti_phases:
            by_programme.setdefault(m.programme, []).append(m)
    other_programmes = sorted(((link(p), ms) for p, ms in by_programme.items()),
                              key=lambda pair: collation_key(pair[0]["text"]))
    ti_member_of = [m for m in member_of if not (m.programme and m.phase not in ti_phases)]
    # A convention of another programme: Territoires d'industrie's lists and waves say nothing of it.
    other_phase = next((link(st.value.value, st.labels) for st in d.values(PREFIXES["tid"] + "phase")
                        if isinstance(st.value, NamedNode) and st.value.value not in ti_phases), None)
    sites: dict[str, dict[str, Any]] = {}
    for row in d.sites:
        entry = sites.setdefault(row.site.value, {"link": link(row.site.value, {"fr": row.label} if row.label else None),
                                                  "waves": []})
        if row.vague:
            entry["waves"].append({"link": link(row.vague, {"fr": row.vague_label} if row.vague_label else None),
                                   "date": row.date, "possible": row.possible})
    programmes_at = [_programme_view(p, link) for p in d.programmes]
    current_args = kept_args(drop=("format", "page", "members_page", "incoming_page"))
    dataset = catalog_page.summary(load_catalogue(current_release()), d.iri, lang) \
        if kind in ("catalogue", "dataset") else None
    citation = citation_of(d.iri, own[0] if own else None, lang)

    def page_href(param: str, n: int) -> str:
        """Page ``n`` of one pager (``members_page``, ``incoming_page``), the other pager kept where it is."""
        numbers = {"members_page": d.members_pager.number if d.members_pager else 1,
                   "incoming_page": d.incoming_pager.number if d.incoming_pager else 1, param: n}
        return doc_url(d.path, None, **current_args, **{k: v for k, v in numbers.items() if v > 1})

    return {
        "d": d, "kind": kind, "link": link, "term": term, "own_label": own, "facts": facts,
        "type_links": [link(t) for t in types], "first_link": first_link, "members": members, "member_of": member_of,
        "ti_member_of": ti_member_of, "other_programmes": other_programmes, "other_phase": other_phase,
        "programmes_at": programmes_at,
        "sites": list(sites.values()), "source_index": source_index, "base": base,
        # Incoming links from memberships are the rows of the membership tables: not twice.
        "incoming_rows": [i for i in d.incoming if i.subject.value not in d.membership_iris],
        "downloads": downloads,
        "page_href": page_href, "jsonld": json_for_script(_schema_org(d, base, own, link, dataset, citation, lang)),
        "geojson_url": (mapped := geojson_url(d.iri, d.at)), "map_kind": kind,
        "region_territories": [dict(t, link=link(t["iri"], {"fr": t["label"]} if t["label"] else None))
                               for t in region_territories(d)] if kind == "region" else [],
        "unplaced_sites": [dict(s, link=link(s["iri"], {"fr": s["label"]})) for s in unplaced_sites(d.iri)] if mapped else [],
        "short": lambda iri: _short(iri, base),
        "val": val, "num": num, "tid": PREFIXES["tid"], "today": date.today(),
        "dataset": dataset, "size": lambda n: catalog_page.human_size(n, lang),
        "citation": citation,
        "cite_url": url_for("citation.cite", path=d.path, **lang_args),
        "statements": _language_first(d.statements, lang),
    }


def _programme_view(p: ProgrammeAt, link: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """What the template shows of one other programme at the page's date: the list the answer
    comes from (or the earliest, before it), and the page's communes it has then, each with its
    conventions (``sans``: a membership of the programme with none)."""
    labels = p.labels
    return {
        "programme": link(p.programme),
        "list": link(p.listed.iri, p.listed.labels) if p.listed else None,
        "reference": p.listed.reference if p.listed else None,
        "earliest": link(p.earliest.iri, p.earliest.labels) if p.earliest else None,
        "earliest_reference": p.earliest.reference if p.earliest else None,
        "communes": [{"link": link(commune.other.value, {"fr": commune.label} if commune.label else None),
                      "conventions": [link(m.convention, labels.get(m.convention)) for m in held if m.convention],
                      "sans": any(m.convention is None for m in held)}
                     for commune, held in p.communes],
    }


def _language_first(statements: list[Statement], lang: str) -> list[Statement]:
    """The statements by property in their order, the values of one property in the page's
    language first, then French, then the others (a French page does not open on English)."""
    order = {p: i for i, p in reversed(list(enumerate(s.predicate for s in statements)))}

    def rank(statement: Statement) -> int:
        language = statement.value.language if isinstance(statement.value, Literal) else None
        return 0 if not language or language == lang else 1 if language == "fr" else 2

    return sorted(statements, key=lambda s: (order[s.predicate], rank(s)))


def region_territories(d: Description) -> list[dict[str, Any]]:
    """The territories of the région ``d`` in the list in force at its page's date: those of its
    programme first (``rattachement``), then those of other régions that extend into it. Kept per
    release and state of the lists (two dates of one state share the answer)."""
    if d.at is None or d.as_of is None:
        return []
    release = current_release()

    def compute() -> list[dict[str, Any]]:
        query = load_query("territoires-d-une-region")
        rows = release.store.query(query.text, substitutions=query.substitutions({"region": d.iri,
                                                                                  "date": d.at.isoformat()}))
        return [{"iri": row["territoire"].value, "id": row["idTi"].value,
                 "label": row["territoireLabel"].value if isinstance(row["territoireLabel"], Literal) else None,
                 "rattachement": row["rattachement"].value == "true", "perimetre": row["perimetre"].value == "true",
                 "list": row["dateListe"].value}
                for row in rows]

    return release.cached(f"region-territories:{d.iri}:{'|'.join(d.as_of.key)}", compute)


def _short(iri: str, base: str) -> str:
    """A readable short form of an IRI with no name: the thing's path, or a prefixed name."""
    path = thing_path(iri, base)
    if path is not None:
        return path
    if iri.startswith(base) and len(iri) > len(base):  # the base itself is shown whole, never as ""
        return iri[len(base):]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _schema_org(d: Description, base: str, own: tuple[str, str] | None, link: Callable[..., dict[str, Any]],
                dataset: catalog_page.DatasetSummary | None = None, citation: Citation | None = None,
                lang: str = "fr") -> dict[str, Any]:
    """The schema.org description search engines read; for a dataset or the catalogue, what a
    dataset search reads too (description, licence, publisher, version, dates, coverage, the
    downloads as ``DataDownload``, the citation)."""
    kind = next((PAGE_TYPES[t][1] for t in d.types if t in PAGE_TYPES), "Thing")
    data: dict[str, Any] = {"@context": "https://schema.org/", "@type": kind, "@id": d.iri,
                            "url": base + "doc/" + d.path}
    if own:
        data["name"] = own[0]
    identifiers = [s.value.value for p in (PREFIXES["igeo"] + "codeINSEE", PREFIXES["tid"] + "siren", PREFIXES["tid"] + "idTi")
                   for s in d.values(p) if hasattr(s.value, "value")]
    if identifiers:
        data["identifier"] = identifiers[0] if len(identifiers) == 1 else identifiers
    places = []
    for predicate in (PREFIXES["tid"] + "commune", PREFIXES["tid"] + "departement", PREFIXES["tid"] + "region"):
        for statement in d.values(predicate):
            if not isinstance(statement.value, NamedNode):
                continue
            target = link(statement.value.value, statement.labels)
            places.append({"@type": "AdministrativeArea", "@id": statement.value.value, "name": target["text"]})
    if places:
        data["containedInPlace"] = places
    if citation is not None:
        data["citation"] = citation.text(lang)
    if dataset is not None:
        data.update({key: value for key, value in {
            "description": dataset.description[0] if dataset.description else None,
            "license": dataset.licence_iri, "version": dataset.version,
            "dateModified": dataset.modified, "datePublished": dataset.issued,
            "publisher": {"@type": "Organization", "name": dataset.publisher} if dataset.publisher else None,
            "creator": {"@type": "Organization", "name": dataset.creator} if dataset.creator else None,
            "keywords": dataset.keywords or None,
            "temporalCoverage": f"{dataset.start or '..'}/{dataset.end or '..'}" if dataset.start or dataset.end else None,
            "spatialCoverage": dataset.spatial,
            "distribution": [{"@type": "DataDownload", "name": f.title, "contentUrl": f.url,
                              **({"encodingFormat": f.media_type} if f.media_type else {}),
                              **({"contentSize": str(f.size)} if f.size is not None else {})}
                             for f in dataset.downloads if f.is_file and f.url] or None,
        }.items() if value})
    return data
