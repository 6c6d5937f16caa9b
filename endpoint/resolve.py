"""The identifier crosswalk: ``/resolve``.

``/resolve?{identifier}={value}`` answers 303 See Other to the local ``/id/…`` URL of the thing
an official identifier names, with ``Link: <IRI>; rel="canonical"``. Exactly one of:

* ``insee``: a commune's INSEE code (``77288``, ``2A004``);
* ``siren``: a SIREN (nine digits, Luhn checksum) of an EPCI, a commune or a company;
* ``id_ti``: a territory's ANCT code (``ti-1107``), with optional ``phase`` (``2018-2023``,
  ``2023-2027``);
* ``code_departement`` (``77``, ``2A``, ``974``), ``code_region`` (``11``).

ANCT reused territory codes between phases with another meaning (``ti-1107`` is "Nord Est 77 -
Meaux" in 2018-2023 and "Melun – Villaroche" in 2023-2027). Without ``phase``, a code that names
territories of several phases answers **300 Multiple Choices**: the body lists them, ``Link``
headers give each one (``rel="alternate"``), and ``Location`` is the territory of the latest
phase, the one a code means today. With ``phase``, the answer is a 303 to that phase's territory.
A code of a single phase answers 303 directly.

Errors are problem details: 400 ``invalid-parameter`` for a malformed value (a SIREN failing
its checksum), no identifier, two identifiers, or an unknown parameter; 404 ``not-found`` for a
well-formed identifier that names nothing in the data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from pyoxigraph import Literal, NamedNode, Store

from tid.endpoint import conneg
from tid.endpoint.html import page_language, render_page
from tid.endpoint.http import single_value
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem
from tid.endpoint.urls import thing_path
from tid.graph.queries import load_query
from tid.loaders.base import luhn_ok
from tid.namespaces import IGEO, RDF, RDFS, TID

bp = Blueprint("resolve", __name__)


# parameter -> (pattern, what it is, property, classes a match may have: any when empty)
IDENTIFIERS: dict[str, tuple[re.Pattern[str], str, NamedNode, tuple[NamedNode, ...]]] = {
    "insee": (re.compile(r"^(?:[0-9]{5}|2[AB][0-9]{3})$"), "an INSEE commune code (five characters: 77288, 2A004)",
              IGEO.codeINSEE, (IGEO.Commune,)),
    "siren": (re.compile(r"^[0-9]{9}$"), "a SIREN number (nine digits)", TID.siren, ()),
    "id_ti": (re.compile(r"^ti-[0-9]{4}$"), "a Territoire d'industrie code (ti- and four digits: ti-1107)",
              TID.idTi, (TID.TerritoireIndustrie,)),
    "code_departement": (re.compile(r"^(?:0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-46])$"),
                         "a département code (01–95 without 20, 2A, 2B, 971–974, 976)", IGEO.codeINSEE, (IGEO.Departement,)),
    "code_region": (re.compile(r"^[0-9]{2}$"), "a région code (two digits: 11, 84)", IGEO.codeINSEE, (IGEO.Region,)),
}
# The same descriptions in French.
IN_FRENCH = {
    "insee": "un code INSEE de commune (cinq caractères : 77288, 2A004)",
    "siren": "un numéro SIREN (neuf chiffres)",
    "id_ti": "un code de Territoire d'industrie (ti- et quatre chiffres : ti-1107)",
    "code_departement": "un code de département (01–95 sauf 20, 2A, 2B, 971–974, 976)",
    "code_region": "un code de région (deux chiffres : 11, 84)",
}
PHASE = re.compile(r"^[0-9]{4}-[0-9]{4}$")
RESOLVE_EXTRAS = {"phase", "lang", "format"}


def _clean(name: str, raw: str) -> str:
    value = raw.strip()
    if name in ("insee", "code_departement"):
        value = value.upper()
    if name == "id_ti":
        value = value.lower()
    if name == "siren":
        value = value.replace(" ", "")
    return value


@dataclass(frozen=True)
class Candidate:
    """What /resolve needs to know of a thing an identifier names."""

    iri: str
    classes: frozenset[str]
    labels: dict[str, str]
    phase: str | None
    phase_start: str

    def label(self, lang: str) -> str:
        for wanted in (lang, "fr", "", "en"):
            if wanted in self.labels:
                return self.labels[wanted]
        return next(iter(self.labels.values()), self.iri.rsplit("/", 1)[-1])


def _candidate(store: Store, iri: str) -> Candidate:
    """Classes, labels and phase (with its start) of ``iri``, read from the store's indexes."""
    node = NamedNode(iri)
    classes = frozenset(q.object.value for q in store.quads_for_pattern(node, RDF.type, None, None))
    labels: dict[str, str] = {}
    for quad in store.quads_for_pattern(node, RDFS.label, None, None):
        if isinstance(quad.object, Literal):
            labels.setdefault(quad.object.language or "", quad.object.value)
    phase = next((q.object for q in store.quads_for_pattern(node, TID.phase, None, None)
                  if isinstance(q.object, NamedNode)), None)
    start = ""
    if phase is not None:
        start = max((q.object.value for q in store.quads_for_pattern(phase, TID.dateDebut, None, None)), default="")
    return Candidate(iri, classes, labels, phase.value if phase is not None else None, start)


def id_url(iri: str, base: str) -> str:
    """The local ``/id/…`` URL of a thing of the dataset (the address that answers 303 to its page)."""
    path = thing_path(iri, base)
    if path is None:
        return iri
    return url_for("resources.thing", path=path)


def lookup(release: Any, name: str, raw: str, phase: str | None = None) -> dict[str, Candidate]:
    """The crosswalk: the things of the dataset the identifier ``name=raw`` names (``phase``: only
    the territory of that phase, for ``id_ti``), by IRI; at least one. 400 ``invalid-parameter``
    for a malformed value, 404 ``not-found`` when it names nothing. ``/resolve`` and the
    parameters of the named queries (:mod:`tid.endpoint.named_queries`) both go through it."""
    pattern, what, prop, classes = IDENTIFIERS[name]
    value = _clean(name, raw)
    if not pattern.match(value):
        raise Problem("invalid-parameter", f"{name}={raw!r} is not {what}. / {name}={raw!r} n'est pas "
                      f"{IN_FRENCH[name]}.")
    if name == "siren" and not luhn_ok(value):
        raise Problem("invalid-parameter", f"siren={raw!r} fails the SIREN checksum (Luhn): a digit is wrong. / "
                      f"siren={raw!r} ne passe pas la clé de contrôle du SIREN (Luhn) : un chiffre est faux.")
    if phase is not None:
        if not PHASE.match(phase.strip()):
            raise Problem("invalid-parameter", f"phase={phase!r} is not a phase such as 2018-2023 or 2023-2027. / "
                          f"phase={phase!r} n'est pas une phase comme 2018-2023 ou 2023-2027.")
        phase = phase.strip()
    named = load_query("search-resolve")
    found = {
        solution["thing"].value
        for solution in release.store.query(named.text,
                                            substitutions=named.substitutions({"property": prop.value, "code": value}))
    }
    wanted = {c.value for c in classes}
    things: dict[str, Candidate] = {}
    for iri in sorted(found):
        if thing_path(iri, release.base) is None:
            continue
        candidate = _candidate(release.store, iri)
        if wanted and not wanted & candidate.classes:
            continue
        if phase is not None and not (candidate.phase or "").rstrip("/").endswith("/" + phase):
            continue
        things[iri] = candidate
    if not things:
        described = f"{name}={value}" + (f" in phase {phase}" if phase else "")
        raise Problem("not-found", f"Nothing in the data has {described}. / Rien dans les données n'a {name}={value}"
                      + (f" dans la phase {phase}" if phase else "") + ".", identifier=name, value=value)
    return things


@bp.get("/resolve")
def resolve() -> Response:
    """303 from an official identifier to our IRI's local address; see the module docstring."""
    unknown = sorted(set(request.args) - set(IDENTIFIERS) - RESOLVE_EXTRAS)
    if unknown:
        raise Problem("invalid-parameter", f"/resolve has no parameter {', '.join(unknown)}; use one of "
                      f"{', '.join(IDENTIFIERS)} (and phase with id_ti). / /resolve n'a pas de paramètre "
                      f"{', '.join(unknown)} ; utilisez l'un de {', '.join(IDENTIFIERS)} (et phase avec id_ti).")
    given = [name for name in IDENTIFIERS if name in request.args]
    if not given:
        choices = ", ".join(f"{n}=…" for n in IDENTIFIERS)
        raise Problem("invalid-parameter", f"Give one identifier: {choices}. / Donnez un identifiant : {choices}.")
    if len(given) > 1:
        raise Problem("invalid-parameter", f"Give one identifier at a time (got {', '.join(given)}). / Donnez un "
                      f"seul identifiant à la fois (reçus : {', '.join(given)}).")
    name = given[0]
    phase = single_value("phase")
    if phase is not None and name != "id_ti":
        raise Problem("invalid-parameter", "phase only goes with id_ti. / phase ne va qu'avec id_ti.")
    release = current_release()
    value = _clean(name, single_value(name) or "")
    things = lookup(release, name, value, phase)
    lang = page_language()
    if len(things) == 1:
        iri = next(iter(things))
        response = Response(status=303)
        response.headers["Location"] = id_url(iri, release.base)
        response.headers["Link"] = f"<{iri}>; rel=\"canonical\""
        response.headers["X-TID-Release"] = release.id
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
        return response
    return _multiple_choices(name, value, things, release, lang)


def _multiple_choices(name: str, value: str, things: dict[str, Candidate], release: Any, lang: str) -> Response:
    """300: the identifier names several things (an id_ti in several phases, a shared SIREN)."""
    choices = [{"iri": iri, "label": c.label(lang), "phase": c.phase.rsplit("/", 1)[-1] if c.phase else None,
                "start": c.phase_start, "url": id_url(iri, release.base)} for iri, c in things.items()]
    choices.sort(key=lambda c: (c["start"], c["iri"]), reverse=True)
    preferred = choices[0]
    detail = (f"{name}={value} names {len(choices)} things"
              + (": ANCT reused this code between phases. Location is the territory of the latest phase; "
                 "add phase=… to choose." if name == "id_ti" else "."))
    fmt = conneg.negotiate(request.accept_mimetypes, (conneg.JSON, conneg.HTML))
    payload = {"identifier": name, "value": value, "detail": detail,
               "choices": [{k: c[k] for k in ("iri", "label", "phase", "url")} for c in choices]}
    if fmt is conneg.HTML:
        response = render_page("search.html", status=300, query="", types=[], searched=False, choices=payload)
    else:
        response = Response(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", status=300,
                            content_type="application/json; charset=utf-8")
    response.headers["Location"] = preferred["url"]
    response.headers["Link"] = ", ".join(f"<{c['url']}>; rel=\"alternate\"" for c in choices)
    response.headers["X-TID-Release"] = release.id
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept")
    return response

