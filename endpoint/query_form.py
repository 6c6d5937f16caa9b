"""What a named query's parameters accept besides their declared type, and the page that runs one.

**Parameters that name a thing.** A parameter whose name says it names a territory, a commune,
a région or any thing of the dataset (:data:`KINDS`: ``territoire``, ``commune``, ``insee``,
``region``, ``chose``, ``ressource``, ``resource``) takes, besides a full IRI (bound as it is, as
always):

* ``ti-7510`` (a territory's ANCT code), with its phase when ANCT used the code in two phases
  (``ti-1107@2023-2027``; ``2023-2027/ti-1107`` and ``ti-1107 (2023-2027)`` also do);
* an INSEE commune code (``64430``) or a SIREN (``200040392``);
* a région code (``75``) for a région;
* a name (``Orthez``), when exactly one thing of the parameter's kind has it (accents and capitals
  aside).

Codes go through the crosswalk of ``/resolve`` (:func:`tid.endpoint.resolve.lookup`), names
through the search index. A value that names nothing, or several things, is a 400
``bad-query-parameter`` listing what it could mean. A parameter that takes a code (``insee``: a
string) gets the code of the commune named, whichever way.

**The page** (:func:`page_context`): the form (examples from the query's header, a date picker
for dates, a search box for things), the table of the solutions with links, the download links
and the permalink; drawn by ``templates/named_query.html``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from tid.endpoint.problem import Problem
from tid.endpoint.resolve import Candidate, lookup
from tid.endpoint.search_index import EXACT, TYPES_BY_KEY, search_index
from tid.endpoint.urls import SAFE_PATH, page_url, thing_path
from tid.graph.queries import NamedQuery, Parameter, is_absolute_iri
from tid.namespaces import PREFIXES


@dataclass(frozen=True)
class Kind:
    """What a parameter names: the search index's types, the crosswalk's identifiers it takes,
    whether it is bound to the thing's code rather than its IRI, what to type (fr, en)."""

    types: tuple[str, ...]
    identifiers: tuple[str, ...]
    code: re.Pattern[str] | None
    fr: str
    en: str


INSEE_CODE = re.compile(r"^(?:[0-9]{5}|2[AB][0-9]{3})$")
REGION_CODE = re.compile(r"^[0-9]{2}$")
TERRITORY = Kind(("territoire",), ("id_ti",), None, "un nom, un code ti-7510 (avec sa phase si besoin : "
                 "ti-1107@2023-2027) ou l'IRI du territoire",
                 "a name, a code ti-7510 (with its phase when needed: ti-1107@2023-2027) or the territory's IRI")
COMMUNE = Kind(("commune",), ("insee", "siren"), None, "un nom, un code INSEE, un SIREN ou l'IRI de la commune",
               "a name, an INSEE code, a SIREN or the commune's IRI")
COMMUNE_CODE = Kind(("commune",), ("insee", "siren"), INSEE_CODE, "un code INSEE, un nom, un SIREN ou l'IRI "
                    "de la commune", "an INSEE code, a name, a SIREN or the commune's IRI")
REGION = Kind(("region",), ("code_region",), None, "un nom, un code de région (75) ou l'IRI de la région",
              "a name, a région code (75) or the région's IRI")
REGION_IN_CODE = Kind(("region",), ("code_region",), REGION_CODE, "un code de région (75), un nom ou l'IRI "
                      "de la région", "a région code (75), a name or the région's IRI")
THING = Kind((), ("id_ti", "insee", "siren"), None, "un nom, un code (ti-7510, code INSEE, SIREN) ou l'IRI",
             "a name, a code (ti-7510, INSEE code, SIREN) or the IRI")
KINDS: dict[tuple[str, str], Kind] = {
    ("territoire", "iri"): TERRITORY,
    ("commune", "iri"): COMMUNE,
    ("insee", "string"): COMMUNE_CODE,
    ("region", "iri"): REGION,
    ("region", "string"): REGION_IN_CODE,
    ("chose", "iri"): THING,
    ("ressource", "iri"): THING,
    ("resource", "iri"): THING,
}
TI = re.compile(r"^(?:(?P<before>[0-9]{4}-[0-9]{4})\s*/\s*)?(?P<code>ti-[0-9]{4})"
                r"(?:\s*(?:@|/|\s|\()\s*(?P<after>[0-9]{4}-[0-9]{4})\s*\)?)?$", re.IGNORECASE)
SIREN = re.compile(r"^[0-9]{9}$")
EXAMPLE = re.compile(r"\be\.g\.\s+(\S+?)[,;)]?(?:\s|$)")
SHOWN_CHOICES = 8


def kind_of(parameter: Parameter) -> Kind | None:
    return KINDS.get((parameter.name, parameter.type))


def example_of(parameter: Parameter) -> str | None:
    """The example of the parameter's line in the query's header (``e.g. …``), if any."""
    match = EXAMPLE.search(parameter.doc)
    return match.group(1) if match else None


def _bad(parameter: Parameter, en: str, fr: str, **extensions: Any) -> Problem:
    return Problem("bad-query-parameter", f"parameter {parameter.name!r}: {en} / paramètre {parameter.name!r} : {fr}",
                   parameter=parameter.name, **extensions)


def _written(iri: str, candidate: Candidate | None, base: str) -> str:
    """How to write a thing so that it names it alone: ``ti-1107@2023-2027``, an INSEE code, else its IRI."""
    path = thing_path(iri, base) or ""
    parts = path.split("/")
    if parts[0] == "territoire" and len(parts) == 3:
        return f"{parts[2]}@{parts[1]}"
    if parts[0] == "commune" and len(parts) == 2:
        return parts[1]
    return iri


def _choices(things: dict[str, Candidate], base: str, lang: str) -> list[dict[str, Any]]:
    return [{"iri": iri, "label": c.label(lang), "phase": c.phase.rsplit("/", 1)[-1] if c.phase else None,
             "write": _written(iri, c, base)} for iri, c in sorted(things.items())]


def _identifier(kind: Kind, value: str) -> tuple[str, str, str | None] | None:
    """(crosswalk identifier, value, phase) when ``value`` is written as a code ``kind`` takes."""
    ti = TI.match(value)
    if ti and "id_ti" in kind.identifiers:
        phase = ti["before"] or ti["after"]
        return "id_ti", ti["code"].lower(), phase
    if INSEE_CODE.match(value.upper()) and "insee" in kind.identifiers:
        return "insee", value.upper(), None
    if SIREN.match(value.replace(" ", "")) and "siren" in kind.identifiers:
        return "siren", value.replace(" ", ""), None
    if REGION_CODE.match(value) and "code_region" in kind.identifiers:
        return "code_region", value, None
    return None


def _of_kind(kind: Kind, things: dict[str, Candidate]) -> dict[str, Candidate]:
    if not kind.types:
        return things
    classes = {c.value for key in kind.types for c in TYPES_BY_KEY[key].classes}
    return {iri: c for iri, c in things.items() if classes & c.classes}


def _by_name(parameter: Parameter, kind: Kind, value: str, release: Any, lang: str) -> dict[str, Candidate]:
    """The things of ``kind`` whose name is ``value`` (accents, capitals and punctuation aside)."""
    found = search_index(release).search(value, frozenset(kind.types) if kind.types else None)
    exact = [hit for hit in found.hits if hit.score >= EXACT - 1 and hit.field in ("label", "alt-label")]
    if exact:
        return {hit.entry.iri: Candidate(hit.entry.iri, frozenset(), {lang: _named(hit.entry, lang)}, hit.entry.phase, "")
                for hit in exact}
    near = [{"iri": h.entry.iri, "label": _named(h.entry, lang), "write": _written(h.entry.iri, None, release.base)}
            for h in found.hits[:SHOWN_CHOICES]]
    hint = "; ".join(f"{c['label']} ({c['write']})" for c in near)
    raise _bad(parameter, f"nothing of this kind is named {value!r}" + (f"; did you mean: {hint}?" if hint else ".")
               + f" Give {kind.en}.", f"rien de ce genre ne s'appelle {value!r}"
               + (f" ; vouliez-vous dire : {hint} ?" if hint else ".") + f" Donnez {kind.fr}.", choices=near)


def _named(entry: Any, lang: str) -> str:
    """A thing's label, with the département of a commune (four communes are named Saint-Denis)."""
    label = entry.label(lang)
    return f"{label} ({'dép.' if lang == 'fr' else 'dept'} {entry.departement})" if entry.departement else label


def resolve_value(parameter: Parameter, raw: str, release: Any, lang: str = "fr") -> str:
    """The value to bind for ``parameter`` given ``raw`` (module docstring); ``raw`` itself for a
    parameter that names no thing, and for a full IRI."""
    kind = kind_of(parameter)
    value = raw.strip()
    if kind is None:
        return raw
    if kind.code is not None and kind.code.match(value.upper()):
        return value.upper()
    if is_absolute_iri(value):
        if kind.code is None:
            return raw
        things = {value: Candidate(value, frozenset(), {}, None, "")}
    else:
        identifier = _identifier(kind, value)
        if identifier is not None:
            name, code, phase = identifier
            try:
                things = _of_kind(kind, lookup(release, name, code, phase))
            except Problem as exc:
                raise _bad(parameter, *_halves(exc.detail)) from None
            if not things:
                raise _bad(parameter, f"{value!r} names nothing of this kind. Give {kind.en}.",
                           f"{value!r} ne désigne rien de ce genre. Donnez {kind.fr}.")
        elif kind.code is None and not value:
            return raw
        else:
            things = _by_name(parameter, kind, value, release, lang)
    if len(things) > 1:
        choices = _choices(things, release.base, lang)
        listed = "; ".join(f"{c['label']}" + (f" ({c['phase']})" if c["phase"] else "") + f": {c['write']}"
                           for c in choices[:SHOWN_CHOICES])
        raise _bad(parameter, f"{value!r} names {len(things)} things; write the one you mean: {listed}.",
                   f"{value!r} désigne {len(things)} choses ; écrivez celle que vous voulez : {listed}.",
                   choices=choices)
    iri = next(iter(things))
    if kind.code is None:
        return iri
    code = _written(iri, None, release.base)
    if code == iri or not kind.code.match(code):
        path = thing_path(iri, release.base) or ""
        code = path.rsplit("/", 1)[-1] if path.startswith(kind.types[0] + "/") else ""
    if not kind.code.match(code):
        raise _bad(parameter, f"{value!r} is not {kind.en}.", f"{value!r} n'est pas {kind.fr}.")
    return code


def _halves(detail: str) -> tuple[str, str]:
    """The English and French halves of a bilingual detail ("… / …")."""
    en, _, fr = detail.partition(" / ")
    return en, fr or en


# -- the page ------------------------------------------------------------------------------------


def input_type(parameter: Parameter) -> str:
    return {"date": "date", "integer": "number"}.get(parameter.type, "search" if kind_of(parameter) else "text")


def short_iri(iri: str, base: str) -> str:
    """An IRI as a table shows it: the thing's path, a prefixed name, else itself."""
    path = thing_path(iri, base)
    if path is not None:
        return path
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _linker(base: str, lang: str) -> Callable[[str], str | None]:
    """The local page of an IRI: a thing's ``/doc/…``, an ontology term's section of ``/def``;
    else the IRI itself when it is a web address. The prefixes are built once per table (a table
    has thousands of links, and ``url_for`` costs tens of microseconds)."""
    suffix = f"?lang={lang}" if lang != "fr" else ""
    ontology = url_for("ontology.ontology", **({"lang": lang} if suffix else {})) + "#"
    documents = url_for("resources.document", path="x")[:-1]
    terms = PREFIXES["tid"]

    def href(iri: str) -> str | None:
        if iri.startswith(terms) and len(iri) > len(terms):
            return ontology + iri[len(terms):]
        path = thing_path(iri, base)
        if path is not None:
            if SAFE_PATH.fullmatch(path):
                return documents + path + suffix
            local = page_url(iri, base)
            return local + suffix if local else None
        return iri if iri.startswith(("http://", "https://")) else None

    return href


def _cell(term: dict[str, Any] | None, label: dict[str, Any] | None, base: str,
          href: Callable[[str], str | None]) -> dict[str, Any]:
    if term is None:
        return {"text": "", "href": None, "title": None}
    value = term["value"]
    if term["type"] == "uri":
        text = label["value"] if label and label.get("type") == "literal" else short_iri(value, base)
        return {"text": text, "href": href(value), "title": value}
    if term["type"] == "bnode":
        return {"text": "_:" + value, "href": None, "title": None}
    if term["type"] == "literal":
        title = f"@{term['xml:lang']}" if "xml:lang" in term else (
            short_iri(term["datatype"], base) if "datatype" in term else None)
        numeric = "datatype" in term and term["datatype"].rsplit("#", 1)[-1] in (
            "integer", "decimal", "double", "float", "nonNegativeInteger", "int", "long")
        return {"text": value, "href": None, "title": title, "numeric": numeric}
    return {"text": json.dumps(value, ensure_ascii=False), "href": None, "title": term["type"]}


def table(body: bytes, base: str, lang: str = "fr") -> dict[str, Any]:
    """Columns and cells of a SPARQL JSON answer; a column ``xLabel`` names the IRIs of ``x``."""
    data = json.loads(body)
    if "boolean" in data:
        return {"boolean": data["boolean"], "columns": [], "rows": []}
    columns = data["head"]["vars"]
    href = _linker(base, lang)
    rows = []
    for binding in data["results"]["bindings"]:
        rows.append([_cell(binding.get(v), binding.get(v + "Label"), base, href) for v in columns])
    return {"boolean": None, "columns": columns, "rows": rows}


def form_fields(query: NamedQuery, given: dict[str, str], bound: dict[str, str],
                errors: dict[str, str]) -> list[dict[str, Any]]:
    """What the form shows of each parameter: its input, its value, its example, its error."""
    fields = []
    for parameter in query.parameters:
        kind = kind_of(parameter)
        raw = given.get(parameter.name, "")
        fields.append({
            "name": parameter.name, "type": parameter.type, "input": input_type(parameter), "value": raw,
            "default": parameter.default, "required": parameter.default is None, "doc": parameter.doc,
            "example": example_of(parameter), "search": (kind.types[0] if kind and kind.types else "") if kind else None,
            "hint": (kind.fr, kind.en) if kind else None, "error": errors.get(parameter.name),
            "bound": bound.get(parameter.name) if bound.get(parameter.name) not in (None, raw) else None,
        })
    return fields


def examples(query: NamedQuery) -> dict[str, str]:
    """The values of the header's examples, for the parameters that have one."""
    return {p.name: example for p in query.parameters if (example := example_of(p))}

