"""The search index: labels and identifiers of the things people look for, normalised, in memory.

Built once per release (:func:`search_index`, kept by ``Release.cached``) from one SPARQL query,
``queries/search-index.rq``, whose rows (thing, property, value) are joined here by thing. The
first request a process serves for a release starts that build in the background
(:func:`warm_up`), so that searches find it ready (it takes seconds on the real data).

Normalisation (:func:`normalise`): Unicode NFKD, combining marks dropped, ligatures spelt out
(œ -> oe, æ -> ae, ß -> ss), case folded, and every run of other characters (spaces,
apostrophes, hyphens, dashes, punctuation) made one space. "L'Île-Saint-Denis", "l ile saint
denis" and "L’ILE SAINT-DENIS" are then the same text. :func:`compact` also drops the spaces, so
that "Saint Denis" finds "Saint-Denis" and "ti 5216", "TI-5216" and "ti5216" are one identifier.

Ranking (:meth:`SearchIndex.search`), best first, each label or identifier of a thing scored and
the thing taking its best score:

====  =====================================================================================
100   the label is the query (or the identifier: INSEE code, SIREN, id_ti)
 95   the query is one of the thing's postal codes (a postal code is shared by several communes)
 90   the label starts with the query, as whole words ("lacq" in "Lacq – Pau – Tarbes")
 80   the label starts with the query ("lacq" in "Lacquy")
 70   the query is a whole word (or words) of the label ("lacq" in "Bassin de Lacq")
 60   a word of the label starts with the query
 50   the label contains the query ("lacq" in "Maslacq")
 40   the label contains every word of the query, in any order
 30   an identifier starts with the query (three characters at least)
====  =====================================================================================

A label matches the query written without its spaces only as whole words ("saintdenis" finds
"Saint-Denis"; "2a" does not find "232 Action cœur de ville"). An alternative label
(``skos:altLabel``) scores one point less than a label. Ties go to the more
important type (territory, programme, measure, site, région, département, EPCI, commune, actor…:
:data:`TYPES` order), then to the larger population, then to the label in alphabetical order.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode, Store

from tid.graph.queries import load_query
from tid.namespaces import FOAF, IGEO, M8G, ORG, RDF, RDFS, SKOS, TID

if TYPE_CHECKING:
    from tid.endpoint.live import Release

log = logging.getLogger("tid.endpoint")

MAX_QUERY_LENGTH = 200
INDEX_QUERY = "search-index"


@dataclass(frozen=True)
class ThingType:
    """A kind of thing the search offers as a filter (``?type=key``), with its names."""

    key: str
    classes: tuple[NamedNode, ...]
    fr: str
    en: str
    fr_plural: str
    en_plural: str


# In order of importance (ranking ties) and of specificity (a thing of several classes takes the
# first type that has one of them: an EPCI is also a public organisation, it is an EPCI here).
TYPES: tuple[ThingType, ...] = (
    ThingType("territoire", (TID.TerritoireIndustrie,), "Territoire d'industrie", "Industry territory",
              "Territoires d'industrie", "Industry territories"),
    ThingType("programme", (TID.Programme,), "Programme", "Programme", "Programmes", "Programmes"),
    ThingType("mesure", (TID.Mesure,), "Mesure", "Measure", "Mesures", "Measures"),
    ThingType("site", (TID.SiteCleEnMain,), "Site clés en main", "Turnkey site", "Sites clés en main", "Turnkey sites"),
    ThingType("region", (IGEO.Region,), "Région", "Region", "Régions", "Regions"),
    ThingType("departement", (IGEO.Departement,), "Département", "Département", "Départements", "Départements"),
    ThingType("epci", (IGEO.Intercommunalite,), "EPCI", "EPCI (inter-municipal body)", "EPCI", "EPCIs"),
    ThingType("commune", (IGEO.Commune,), "Commune", "Municipality", "Communes", "Municipalities"),
    ThingType("acteur", (TID.Ministere, TID.Association, M8G.PublicOrganisation, ORG.FormalOrganization),
              "Acteur", "Actor", "Acteurs", "Actors"),
    ThingType("entreprise", (TID.EntrepriseSoutenue,), "Entreprise", "Company", "Entreprises", "Companies"),
    ThingType("soutien", (TID.Soutien,), "Soutien", "Support", "Soutiens", "Support granted"),
    ThingType("vague", (TID.VagueLabellisation,), "Vague de labellisation", "Labelling wave",
              "Vagues de labellisation", "Labelling waves"),
    ThingType("phase", (TID.PhaseProgramme,), "Phase", "Phase", "Phases", "Phases"),
    ThingType("personne", (FOAF.Person,), "Personne", "Person", "Personnes", "Persons"),
    ThingType("document", (TID.QuestionEcrite, TID.ReponseMinisterielle, TID.Document),
              "Document", "Document", "Documents", "Documents"),
    ThingType("evenement", (TID.Evenement,), "Événement", "Event", "Événements", "Events"),
    ThingType("chiffre", (TID.ChiffreAnnonce,), "Chiffre annoncé", "Announced figure", "Chiffres annoncés",
              "Announced figures"),
    ThingType("concept", (SKOS.Concept,), "Concept", "Concept", "Concepts", "Concepts"),
)
TYPES_BY_KEY = {t.key: t for t in TYPES}
RANK = {t.key: rank for rank, t in enumerate(TYPES)}
_TYPE_OF_CLASS: dict[str, tuple[int, str]] = {}
for _rank, _type in enumerate(TYPES):
    for _class in _type.classes:
        _TYPE_OF_CLASS.setdefault(_class.value, (_rank, _type.key))

# Identifier properties: the field name the results give, and whether a match is the thing's own
# identifier (100) or a code it shares with others (a postal code: 95).
CODE_FIELDS: dict[str, tuple[str, int]] = {
    IGEO.codeINSEE.value: ("code-insee", 100),
    TID.siren.value: ("siren", 100),
    TID.idTi.value: ("id-ti", 100),
    TID.codePostal.value: ("code-postal", 95),
}
LABEL_PROPERTIES = {RDFS.label.value: False, SKOS.prefLabel.value: False, SKOS.altLabel.value: True}

EXACT, PREFIX_WORDS, PREFIX, WORDS, WORD_PREFIX, SUBSTRING, ALL_WORDS, CODE_PREFIX = 100, 90, 80, 70, 60, 50, 40, 30
MIN_CODE_PREFIX = 3

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ĳ": "ij", "Ĳ": "ij"})
_WORD = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """The words of ``text``: accents dropped, ligatures spelt out, case folded; apostrophes,
    hyphens, dashes and punctuation separate words."""
    if text.isascii():  # most codes and many names: nothing to decompose
        return _WORD.findall(text.lower())
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(bare.casefold().translate(_LIGATURES))


def normalise(text: str) -> str:
    """``"L’Île-Saint-Denis"`` -> ``"l ile saint denis"``."""
    return " ".join(tokens(text))


def _whole_words(label: str, flat: str) -> bool:
    """Whether ``flat`` (a query without its spaces) is whole words of ``label`` written without
    the spaces between them: "saintdenis" in "saint denis", not "2a" in "232 action" (a match that
    begins inside one word and ends inside the next is no match)."""
    return re.search(r"(?:^| )" + " ?".join(map(re.escape, flat)) + r"(?= |$)", label) is not None


def compact(text: str) -> str:
    """``"TI-5216"`` -> ``"ti5216"``; ``"Saint Denis"`` -> ``"saintdenis"``."""
    return "".join(tokens(text))


@dataclass
class Entry:
    """One thing of the index."""

    iri: str
    type: str
    labels: list[tuple[str, str, bool]] = field(default_factory=list)  # (language, text, alternative?)
    codes: list[tuple[str, str]] = field(default_factory=list)  # (field, value)
    population: int | None = None
    phase: str | None = None
    vintages: tuple[str, ...] = ()  # the COG vintages that list a commune or EPCI ("2020", "2023", "2026")
    departement: str | None = None  # a commune's département code ("93")
    sort_label: str = ""

    def label(self, lang: str = "fr") -> str:
        """The label in ``lang``, else in French, else without language, else any; the IRI's last
        segment when the thing has none."""
        for wanted_alt in (False, True):
            for wanted_lang in (lang, "fr", "", "en", None):
                for language, text, alternative in self.labels:
                    if alternative == wanted_alt and (wanted_lang is None or language == wanted_lang):
                        return text
        return self.iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Hit:
    """A thing found, with its score and what matched (``field``: label, alt-label, code-insee,
    code-postal, siren, id-ti; ``value``: the label or code as the data has it)."""

    entry: Entry
    score: int
    field: str
    value: str


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # ranked, after the type filter
    facets: list[tuple[str, int]]  # (type key, count) over every match, before the type filter


class SearchIndex:
    """Labels and identifiers of :data:`TYPES` things, normalised for :meth:`search`."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_iri = {e.iri: e for e in entries}
        # (normalised label, compact label, entry, alternative?, original text)
        self._labels: list[tuple[str, str, Entry, bool, str]] = []
        codes: list[tuple[str, Entry, str, str]] = []
        normalised: dict[str, str] = {}
        for entry in entries:
            for _language, text, alternative in entry.labels:
                norm = normalised.get(text)
                if norm is None:
                    norm = normalised[text] = normalise(text)
                if norm:
                    self._labels.append((norm, norm.replace(" ", ""), entry, alternative, text))
            for field_name, value in entry.codes:
                key = value.lower() if value.isascii() and value.isalnum() else compact(value)
                if key:
                    codes.append((key, entry, field_name, value))
            display = entry.label()
            entry.sort_label = normalised.get(display) or normalise(display)
        codes.sort(key=lambda c: c[0])
        self._code_keys = [c[0] for c in codes]
        self._codes = codes

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def from_store(cls, store: Store) -> SearchIndex:
        """Run ``search-index.rq`` over the union of the store's graphs and join its rows."""
        classes: dict[str, tuple[int, str]] = {}
        labels: dict[str, list[tuple[str, str, bool]]] = {}
        codes: dict[str, list[tuple[str, str]]] = {}
        populations: dict[str, int] = {}
        phases: dict[str, str] = {}
        vintages: dict[str, set[str]] = {}
        type_iri, phase_iri, population_iri = RDF.type.value, TID.phase.value, TID.populationMunicipale.value
        vintage_iri, departement_iri = TID.millesime.value, TID.departement.value
        departements: dict[str, str] = {}
        for row in store.query(load_query(INDEX_QUERY).text):
            # by position (?thing ?property ?value): eight times faster than by name on 200k rows
            thing, prop, value = row[0].value, row[1].value, row[2]
            if prop == type_iri:
                found = _TYPE_OF_CLASS.get(value.value)
                if found and (thing not in classes or found[0] < classes[thing][0]):
                    classes[thing] = found
            elif prop in LABEL_PROPERTIES and isinstance(value, Literal):
                labels.setdefault(thing, []).append((value.language or "", value.value, LABEL_PROPERTIES[prop]))
            elif prop in CODE_FIELDS and isinstance(value, Literal):
                codes.setdefault(thing, []).append((CODE_FIELDS[prop][0], value.value))
            elif prop == population_iri and isinstance(value, Literal):
                try:
                    populations[thing] = max(populations.get(thing, 0), int(value.value))
                except ValueError:
                    pass
            elif prop == phase_iri and isinstance(value, NamedNode):
                phases[thing] = value.value
            elif prop == vintage_iri and isinstance(value, NamedNode):
                vintages.setdefault(thing, set()).add(value.value.rstrip("/").rsplit("/", 1)[-1])
            elif prop == departement_iri and isinstance(value, NamedNode):
                departements[thing] = value.value.rstrip("/").rsplit("/", 1)[-1]
        entries = []
        for thing, (_rank, key) in classes.items():
            # a label stated both as rdfs:label and skos:prefLabel counts once, as a label
            own = labels.get(thing, [])
            plain = {(lang, text) for lang, text, alt in own if not alt}
            kept = sorted({(lang, text, alt) for lang, text, alt in own if not alt or (lang, text) not in plain},
                          key=lambda item: (item[2], item[0] != "fr", item[0], item[1]))
            entries.append(Entry(thing, key, kept, sorted(set(codes.get(thing, []))), populations.get(thing),
                                 phases.get(thing), tuple(sorted(vintages.get(thing, ()))), departements.get(thing)))
        entries.sort(key=lambda e: e.iri)
        return cls(entries)

    # -- searching -----------------------------------------------------------------------------

    def search(self, query: str, types: frozenset[str] | None = None) -> Found:
        """Every thing whose label or identifier matches ``query``, ranked (module docstring);
        ``types`` keeps those of these type keys (the facets count them all)."""
        words = tokens(query)
        if not words:
            return Found([], [])
        norm, flat = " ".join(words), "".join(words)
        best: dict[str, Hit] = {}

        def offer(entry: Entry, score: int, field_name: str, value: str) -> None:
            current = best.get(entry.iri)
            if current is None or score > current.score:
                best[entry.iri] = Hit(entry, score, field_name, value)

        # identifiers: exact, then (from three characters) prefix
        position = bisect.bisect_left(self._code_keys, flat)
        while position < len(self._codes) and self._code_keys[position].startswith(flat):
            key, entry, field_name, value = self._codes[position]
            if key == flat:
                offer(entry, CODE_FIELDS_SCORE[field_name], field_name, value)
            elif len(flat) >= MIN_CODE_PREFIX:
                offer(entry, CODE_PREFIX, field_name, value)
            else:
                break
            position += 1

        spaced = f" {norm} "
        several = len(words) > 1
        for label, label_flat, entry, alternative, text in self._labels:
            if flat not in label_flat or (norm not in label and not _whole_words(label, flat)):
                if not several or not all(w in label for w in words):
                    continue
                score = ALL_WORDS
            elif label == norm or label_flat == flat:
                score = EXACT
            elif label.startswith(norm):
                score = PREFIX_WORDS if label.startswith(norm + " ") else PREFIX
            elif spaced in f" {label} ":
                score = WORDS
            elif f" {norm}" in f" {label}":
                score = WORD_PREFIX
            else:
                score = SUBSTRING
            if alternative:
                score -= 1
            offer(entry, score, "alt-label" if alternative else "label", text)

        counts = Counter(hit.entry.type for hit in best.values())
        facets = sorted(counts.items(), key=lambda item: RANK[item[0]])
        hits = [hit for hit in best.values() if types is None or hit.entry.type in types]
        hits.sort(key=lambda h: (-h.score, RANK[h.entry.type], -(h.entry.population or 0), h.entry.sort_label,
                                 h.entry.iri))
        return Found(hits, facets)

    def counts(self) -> dict[str, int]:
        """Number of things of each type key."""
        return dict(Counter(e.type for e in self.entries))


CODE_FIELDS_SCORE = {name: score for name, score in CODE_FIELDS.values()}


CACHE_KEY = "search-index"
WARM_UP_KEY = "search-index-warm-up"


def search_index(release: Release, wait: float = 120.0) -> SearchIndex:
    """The index of ``release``, built once and kept for the release's lifetime: by the
    background build of :func:`warm_up` (started here if no request has started it yet), which
    this waits for up to ``wait`` seconds, else here."""
    warm_up(release).wait(wait)
    return release.cached(CACHE_KEY, lambda: SearchIndex.from_store(release.store))


def warm_up(release: Release) -> threading.Event:
    """Start building the index of ``release`` in a background thread, once per release, so
    that the first search does not wait for it (seconds on the real data); the event is set when
    that build ends. The build runs outside ``Release.cached``'s lock, taken only to store its
    result, so that the release's other computations are not held up meanwhile."""

    def start() -> threading.Event:
        done = threading.Event()

        def build() -> None:
            try:
                index = SearchIndex.from_store(release.store)
                release.cached(CACHE_KEY, lambda: index)
            except Exception:  # noqa: BLE001 - search_index builds it again on demand, and fails visibly then
                log.exception("could not build the search index of %s in the background", release.path)
            finally:
                done.set()

        threading.Thread(target=build, name="search-index", daemon=True).start()
        return done

    return release.cached(WARM_UP_KEY, start)
