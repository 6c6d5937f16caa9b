"""The catalogue's sentences, in French and English: a source dataset's description, a dump's
title and description, the rights notes of the whole graph."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tid.graph.catalog.entries import SourceEntry
from tid.graph.catalog.tables import tables
from tid.graph.sources import SourceSpec
from tid.namespaces import LICENCE_OUVERTE_2


def rights_notes(entries: Sequence[SourceEntry]) -> str:
    """For the whole graph: the sources under another licence than Licence Ouverte 2.0."""
    licences = tables().licences
    others = [f"{e.spec.id} ({licences[e.spec.licence].title_en if e.spec.licence in licences else e.spec.licence})"
              for e in entries if e.spec.licence != LICENCE_OUVERTE_2]
    if not others:
        return ""
    return ("Published under Licence Ouverte 2.0; it includes data whose source is under another licence, "
            "to be credited as such: " + ", ".join(others) + ".")


def qualifiers(spec: SourceSpec) -> tuple[str, str]:
    if spec.phase:
        return f" (phase {spec.phase})", f", phase {spec.phase}"
    if spec.reference_date:
        return f" (au {spec.reference_date.isoformat()})", f", as of {spec.reference_date.isoformat()}"
    return "", ""


def source_description(entry: SourceEntry, qualifier_fr: str, qualifier_en: str) -> tuple[str, str]:
    spec = entry.spec
    licence = tables().licences.get(spec.licence)
    licence_fr, licence_en = (licence.title_fr, licence.title_en) if licence else (spec.licence, spec.licence)
    origin_fr = f"du fichier {spec.url}" if spec.url else "d'un fichier tenu par le projet"
    origin_en = f"the file {spec.url}" if spec.url else "a file kept by the project"
    fr = (f"{spec.title}{qualifier_fr}, publié par {spec.publisher}, en données liées : le graphe nommé "
          f"<{entry.graph.value}> du graphe de connaissances Territoires d'industrie, construit à partir "
          f"{origin_fr} (SHA-256 {entry.sha256}) par le chargeur « {spec.loader} » : {entry.rows_read} lignes "
          f"ou objets lus, {entry.triples} triplets. Licence de la source : {licence_fr}.")
    en = (f"{spec.title}{qualifier_en}, published by {spec.publisher}, as linked data: the named graph "
          f"<{entry.graph.value}> of the Territoires d'industrie knowledge graph, built from {origin_en} "
          f"(SHA-256 {entry.sha256}) by the loader \"{spec.loader}\": {entry.rows_read} rows or objects read, "
          f"{entry.triples} triples. Licence of the source: {licence_en}.")
    if spec.partial:
        fr += " Liste partielle, transcrite à la main depuis des pages publiques citées ligne par ligne."
        en += " Partial list, transcribed by hand from public pages, each row citing its page."
    if spec.licence_note:
        en += f" Licence note: {spec.licence_note}."
    if spec.fetch_note:
        en += f" Note: {spec.fetch_note}."
    return fr, en


def dump_texts(dump: dict[str, Any], release: str) -> tuple[tuple[str, str], tuple[str, str]]:
    name = dump["file"]
    label = tables().file_types.get(dump["media_type"], dump["media_type"]).replace("RDF_", "").replace("_", "-")
    gz_fr, gz_en = (", gzip", ", gzip") if name.endswith(".gz") else ("", "")
    if name.startswith("void."):
        return ((f"Description VoID du graphe ({label})",
                 f"Statistiques de la version {release} (triplets, classes, propriétés, graphes nommés), vocabulaire VoID."),
                (f"VoID description of the graph ({label})",
                 f"Statistics of release {release} (triples, classes, properties, named graphs), VoID vocabulary."))
    if dump["media_type"] in ("application/n-quads", "application/trig"):
        return ((f"Graphe entier avec ses graphes nommés ({label}{gz_fr})",
                 f"Tous les graphes nommés de la version {release} (sources, ontologie, dérivations, provenance, "
                 "rapport de validation), chaque triplet dans son graphe."),
                (f"Whole graph with its named graphs ({label}{gz_en})",
                 f"Every named graph of release {release} (sources, ontology, derivations, provenance, validation "
                 "report), each triple in its graph."))
    return ((f"Graphe entier, union des graphes nommés ({label}{gz_fr})",
             f"L'union des graphes nommés de la version {release}, pour les outils qui ignorent les graphes nommés."),
            (f"Whole graph, union of the named graphs ({label}{gz_en})",
             f"The union of the named graphs of release {release}, for tools that ignore named graphs."))
