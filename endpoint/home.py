"""The home page ``/``: what the dataset is, its counts, entry points, search, SPARQL, catalogue,
dumps; and what crawlers read: ``/sitemap.xml`` and ``/robots.txt``.

The home page shows the state of the programme today (or at ``?at=YYYY-MM-DD``), and says where
it comes from: the territories of the list in force then (none before the first list of a
phase: the page says so and names that list), the EPCIs of the geographic vintage then, the
communes of the COG 2023, the sites of every wave known. Its data (counts, programmes and
measures, territories per région, sites per wave, actors, the schema.org description) is
computed from the ``home-*`` queries and the catalogue graph once per release and state (the
lists in force and the vintage: a handful of keys, whatever the days asked), and kept by
``Release.cached``; the page itself is conditional (ETag of the release, the day and the
language).

The sitemap (sitemaps.org protocol 0.9) lists the home page and the HTML page of every thing of
the dataset (``/doc/{path}.html`` for each IRI ``{base}id/{path}``), as absolute URLs (under
``PUBLIC_URL`` when set). A sitemap holds at most 50,000 URLs (``SITEMAP_MAX_URLS`` lowers the
limit, for tests); beyond, ``/sitemap.xml`` is a sitemap index of ``/sitemap-{n}.xml`` parts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request
from markupsafe import Markup
from pyoxigraph import Literal, NamedNode, Store

from tid.endpoint import conneg
from tid.endpoint.describe import BadParameter, as_of, parse_at
from tid.endpoint.html import json_for_script, page_language, render_page
from tid.endpoint.http import negotiated
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem
from tid.endpoint.resources import release_terms
from tid.endpoint.urls import external_url, page_url, thing_path
from tid.errors import ConfigError
from tid.graph.catalog import catalogue_graph, catalogue_node, schema_org_dataset
from tid.graph.queries import load_query
from tid.namespaces import FOAF, RDFS, SKOS, Minter

bp = Blueprint("home", __name__)

SITEMAP_LIMIT = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP = conneg.Format("sitemap", "application/xml", conneg.PAGE)


# -- data of the home page ----------------------------------------------------------------------


def _labels(store: Store, iri: str) -> dict[str, str]:
    """``{language: label}`` of ``iri`` (rdfs:label, else skos:prefLabel, else foaf:name)."""
    found: dict[str, str] = {}
    for predicate in (RDFS.label, SKOS.prefLabel, FOAF.name):
        for quad in store.quads_for_pattern(NamedNode(iri), predicate, None, None):
            if isinstance(quad.object, Literal):
                found.setdefault(quad.object.language or "", quad.object.value)
        if found:
            break
    return found


def label_in(labels: dict[str, str], lang: str, fallback: str) -> str:
    for wanted in (lang, "fr", "", "en"):
        if wanted in labels:
            return labels[wanted]
    return next(iter(labels.values()), fallback)


def _rows(store: Store, name: str, **values: str) -> list[Any]:
    named = load_query(name)
    return list(store.query(named.text, substitutions=named.substitutions(values) if named.parameters else None))


def _int(term: Any) -> int:
    return int(term.value) if term is not None else 0


def _announced(term: Any) -> list[int]:
    """The distinct national figures announced for a wave (``"12 13"`` -> ``[12, 13]``), none if unbound."""
    return sorted({int(float(value)) for value in term.value.split()}) if term is not None else []


def home_data(release: Any, day: date) -> dict[str, Any]:
    """Everything the home page shows at ``day``, language-independent (labels kept in every
    language): the territories of the lists in force then, the EPCIs of the geographic vintage
    then, the communes of the COG 2023, the sites of every wave known."""
    store, base = release.store, release.base

    def thing(iri: str, **extra: Any) -> dict[str, Any]:
        return {"iri": iri, "labels": _labels(store, iri), "path": thing_path(iri, base), **extra}

    counts: dict[str, int] = {}
    vintages: dict[str, dict[str, Any]] = {}
    lists: list[dict[str, Any]] = []
    for row in _rows(store, "home-counts", date=day.isoformat()):
        kind = row["kind"].value
        if kind == "territoire" and row["liste"] is not None:
            lists.append(thing(row["liste"].value, count=_int(row["count"]), phase=thing(row["phase"].value)))
        else:
            counts[kind] = _int(row["count"])
            if row["millesime"] is not None:
                vintages[kind] = thing(row["millesime"].value)
    lists.sort(key=lambda item: item["iri"])

    programmes: dict[str, dict[str, Any]] = {}
    for row in _rows(store, "home-programmes"):
        programme = programmes.setdefault(row["programme"].value, thing(row["programme"].value, mesures=[]))
        if row["mesure"] is not None:
            programme["mesures"].append(thing(row["mesure"].value))

    regions: dict[str, dict[str, Any]] = {}
    for row in _rows(store, "home-regions", date=day.isoformat()):
        region = regions.setdefault(row["region"].value, thing(row["region"].value, lists={}))
        region["lists"][row["liste"].value] = _int(row["territoires"])

    waves = [thing(row["vague"].value, date=row["date"].value if row["date"] is not None else None,
                   sites=_int(row["sites"]), announced=_announced(row["annonces"])) for row in _rows(store, "home-waves")]
    actors = [thing(row["acteur"].value) for row in _rows(store, "home-actors")]

    minter = Minter(base)
    try:
        dataset: dict[str, Any] | None = schema_org_dataset(
            store.quads_for_pattern(None, None, None, catalogue_graph(minter)), minter)
    except ConfigError:
        dataset = None  # a release built without its catalogue: the page goes without the JSON-LD

    manifest = release.manifest
    return {
        "counts": counts,
        "vintages": vintages,
        "lists": lists,
        "programmes": list(programmes.values()),
        "regions": list(regions.values()),
        "waves": waves,
        "actors": actors,
        "sources": len(manifest.get("sources") or []),
        "triples": int((manifest.get("counts") or {}).get("triples") or 0),  # the default graph: each fact once
        "built": str(manifest.get("built") or ""),
        "dumps": list(manifest.get("dumps") or []),
        "dataset": dataset,
    }


def programme_lists(release: Any, day: date) -> list[dict[str, Any]]:
    """The other programmes' lists in force at ``day`` (Action cœur de ville, Petites villes de
    demain: the latest list of each on or before it), with the communes and the conventions each
    names; Territoires d'industrie's are the page's own counts."""
    store, base = release.store, release.base
    minter = Minter(base)
    found = []
    for row in _rows(store, "home-programmes-listes", date=day.isoformat(),
                     sauf=minter.programme("territoires-industrie").value):
        found.append({
            "programme": {"iri": row["programme"].value, "labels": _labels(store, row["programme"].value),
                          "path": thing_path(row["programme"].value, base)},
            "list": {"iri": row["liste"].value, "labels": _labels(store, row["liste"].value),
                     "path": thing_path(row["liste"].value, base)},
            "reference": row["dateListe"].value, "communes": _int(row["communes"]), "conventions": _int(row["territoires"]),
        })
    return found


def json_ld_script(data: dict[str, Any] | None) -> Markup:
    """The home page's schema.org JSON for its ``<script type="application/ld+json">`` (nothing
    when the release has no catalogue)."""
    return json_for_script(data, indent=1) if data else Markup("")


def number(value: int, lang: str) -> str:
    """``34969`` -> ``34 969`` (narrow no-break space) in French, ``34,969`` in English."""
    grouped = f"{value:,}"
    return grouped.replace(",", "\u202f") if lang == "fr" else grouped


def _view(item: dict[str, Any], lang: str, base: str) -> dict[str, Any]:
    fallback = item["iri"].rstrip("/").rsplit("/", 1)[-1]
    url = page_url(item["iri"], base) if item.get("path") else None
    return {**item, "label": label_in(item["labels"], lang, fallback), "url": url or item["iri"]}


def _localised(data: dict[str, Any], lang: str, base: str) -> dict[str, Any]:
    """The page's view of :func:`home_data` in ``lang``: labels picked, links made local."""

    def view(item: dict[str, Any]) -> dict[str, Any]:
        fallback = item["iri"].rstrip("/").rsplit("/", 1)[-1]
        url = page_url(item["iri"], base) if item.get("path") else None
        return {**item, "label": label_in(item["labels"], lang, fallback), "url": url or item["iri"]}

    lists = [{**view(item), "phase": view(item["phase"])} for item in data["lists"]]
    regions = sorted((view(r) for r in data["regions"]), key=lambda r: r["label"])
    for region in regions:
        region["per_list"] = [{"label": item["label"], "count": region["lists"].get(item["iri"], 0)} for item in lists]
    programmes = [{**view(p), "mesures": sorted((view(m) for m in p["mesures"]), key=lambda m: m["label"])}
                  for p in data["programmes"]]
    return {
        **data,
        "lists": lists,
        "vintages": {kind: view(vintage) for kind, vintage in data["vintages"].items()},
        "programmes": sorted(programmes, key=lambda p: p["label"]),
        "regions": regions,
        "waves": [view(w) for w in data["waves"]],
        "actors": sorted((view(a) for a in data["actors"]), key=lambda a: a["label"]),
        "built_date": data["built"][:10],
    }


@bp.get("/")
def home() -> Response:
    """The home page, French first (``?lang=en`` for English): today's state, or the state at
    ``?at=YYYY-MM-DD``, with the list and the vintage it comes from."""
    release = current_release()
    try:
        asked = parse_at(request.args.get("at"))
    except BadParameter as exc:
        raise Problem("invalid-parameter", str(exc)) from None
    state = as_of(release_terms(), asked or date.today(), asked=asked is not None)

    def draw(_fmt: conneg.Format) -> Response:
        # one computation per state (the lists in force and the vintage), not per day asked
        data = release.cached("home " + " ".join(state.key), lambda: home_data(release, state.day))
        lang = page_language()
        context = _localised(data, lang, release.base)
        # the other programmes' lists change on their own dates: one computation per day asked
        others = release.cached(f"home-programmes {state.day.isoformat()}", lambda: programme_lists(release, state.day))
        context["programme_lists"] = [{**item, "programme": _view(item["programme"], lang, release.base),
                                       "list": _view(item["list"], lang, release.base)} for item in others]
        catalogue = page_url(catalogue_node(Minter(release.base)).value, release.base)

        def period(item: Any) -> dict[str, str]:  # a phase, list or vintage of ``state``, linked
            fallback = item.iri.rstrip("/").rsplit("/", 1)[-1]
            return {"url": page_url(item.iri, release.base) or item.iri, "label": label_in(item.labels, lang, fallback)}

        return render_page("home.html", release_id=release.id, catalogue_page=catalogue, state=state,
                           today=date.today(), period=period, json_ld=json_ld_script(data["dataset"]),
                           number=lambda n: number(int(n), lang), **context)

    return negotiated(conneg.HTML, draw, tag=[release.id, "home", state.day.isoformat(), state.asked])


# -- sitemap and robots.txt ---------------------------------------------------------------------


def sitemap_things(release: Any) -> list[str]:
    """The paths (``territoire/2023-2027/ti-1107``) of every thing of the release, sorted."""

    def compute() -> list[str]:
        named = load_query("home-sitemap")
        prefix = release.base + "id/"
        rows = release.store.query(named.text,
                                   substitutions=named.substitutions({"prefix": prefix}))
        return sorted({row["thing"].value[len(prefix):] for row in rows} - {""})

    return release.cached("sitemap-things", compute)


def _limit() -> int:
    configured = current_app.config.get("SITEMAP_MAX_URLS") or SITEMAP_LIMIT
    return max(1, min(int(configured), SITEMAP_LIMIT))


def _urls(release: Any, start: int, stop: int) -> list[str]:
    """Absolute URLs ``start:stop`` of the sitemap's list: the home page, then the HTML page of
    every thing in IRI order."""
    things = sitemap_things(release)
    marker = "__sitemap__"
    head, tail = external_url("resources.document", path=marker).split(marker, 1)
    urls = [external_url("home.home")] if start == 0 else []
    return urls + [head + quote(path, safe="/-._~") + ".html" + tail
                   for path in things[max(start - 1, 0):max(stop - 1, 0)]]


def _urlset(urls: list[str], lastmod: str) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    lines += [f"<url><loc>{escape(url)}</loc>{modified}</url>" for url in urls]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _lastmod(release: Any) -> str:
    built = str(release.manifest.get("built") or "")
    try:
        return datetime.fromisoformat(built).date().isoformat()
    except ValueError:
        return ""


def _plan(release: Any) -> tuple[int, int]:
    """(number of URLs, URLs per sitemap)."""
    return 1 + len(sitemap_things(release)), _limit()


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """The sitemap, or the sitemap index when the site has more URLs than one sitemap holds."""
    release = current_release()
    total, limit = _plan(release)

    def draw(_fmt: conneg.Format) -> str:
        lastmod = _lastmod(release)
        if total <= limit:
            return _urlset(_urls(release, 0, total), lastmod)
        modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
        lines += [f"<sitemap><loc>{escape(external_url('home.sitemap_part', number=n))}</loc>{modified}</sitemap>"
                  for n in range(1, -(-total // limit) + 1)]
        lines.append("</sitemapindex>")
        return "\n".join(lines) + "\n"

    return negotiated(SITEMAP, draw, tag=[release.id, "sitemap", limit, external_url("home.home")])


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """Part ``number`` (from 1) of a sitemap too large for one file."""
    release = current_release()
    total, limit = _plan(release)
    if total <= limit or not 1 <= number <= -(-total // limit):
        raise Problem("not-found", f"There is no sitemap part {number}; /sitemap.xml lists the sitemaps.")
    return negotiated(SITEMAP, lambda _fmt: _urlset(_urls(release, (number - 1) * limit, number * limit),
                                                     _lastmod(release)),
                      tag=[release.id, "sitemap", limit, number, external_url("home.home")])


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers: welcome on the pages, pointed to the sitemap, kept off the query services."""
    body = "\n".join([
        "User-agent: *",
        "Disallow: /sparql",
        "Disallow: /queries/",
        "Disallow: /search",
        "Disallow: /resolve",
        "Allow: /",
        f"Sitemap: {external_url('home.sitemap')}",
        "",
    ])
    response = Response(body, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    return response

