"""How to cite the dataset or one of its things: the "cite this" block of the pages and
``/cite/{path}``, the same citation in the Citation File Format (CFF 1.2.0), the format of the
repository's own ``CITATION.cff``, which reference managers and GitHub read.

A citation names the title, the publisher, the release (``version``), its date and the IRI. For
a dataset or the catalogue it is read from the release's catalogue (title, publisher, version,
last update, licence, description, keywords); for any other thing, the thing (its name, its IRI)
is cited as part of the whole graph, of that release. The CFF document is written in YAML's JSON
form (JSON is YAML 1.2, which CFF readers parse), by ``json``: no text is assembled by hand. It
is served as ``application/yaml`` (RFC 9512; ``application/json`` to a client that asks for
JSON) with the file name ``CITATION.cff``; a thing the
graph does not have is a 404, a path that cannot be a thing's too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request

from tid.endpoint import catalog_page, conneg
from tid.endpoint.catalog_route import load_catalogue
from tid.endpoint.describe import exists
from tid.endpoint.html import page_language
from tid.endpoint.http import negotiated
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem
from tid.endpoint.search_index import search_index
from tid.endpoint.urls import SAFE_PATH
from tid.graph.catalog import PROJECT_NAME, whole_dataset
from tid.namespaces import ETALAB_2_SPDX, LICENCE_OUVERTE_2, MIT, Minter

bp = Blueprint("citation", __name__)

CFF = conneg.Format("cff", "application/yaml", conneg.PAGE, ("yaml",), ("text/yaml", "application/x-yaml"))
SPDX_IDS = {LICENCE_OUVERTE_2: "etalab-2.0", ETALAB_2_SPDX: "etalab-2.0", MIT: "MIT"}
"""The licences of the catalogue by SPDX identifier, as CFF's ``license`` names them."""
MAX_PATH = 300


@dataclass(frozen=True)
class Citation:
    title: str
    publisher: str
    version: str | None
    date: str | None
    iri: str
    dataset_title: str | None = None
    """The whole graph's title, when the thing cited is part of it."""
    description: str | None = None
    licence: str | None = None
    keywords: tuple[str, ...] = ()
    is_dataset: bool = False

    def text(self, lang: str) -> str:
        """The citation in words: Publisher (year). Title [dataset], version V, date. IRI"""
        year = f" ({self.date[:4]})" if self.date else ""
        kind = " [jeu de données]" if lang == "fr" else " [dataset]"
        part = (f", dans « {self.dataset_title} »" if lang == "fr" else f", in “{self.dataset_title}”") \
            if self.dataset_title else ""
        version = (f", version {self.version}" if self.version else "")
        date = f", {self.date[:10]}" if self.date else ""
        return f"{self.publisher}{year}. {self.title}{kind if self.is_dataset else ''}{part}{version}{date}. {self.iri}"

    def cff(self) -> dict[str, Any]:
        """The CFF 1.2.0 document (``type: dataset``)."""
        title = f"{self.title} — {self.dataset_title}" if self.dataset_title else self.title
        document: dict[str, Any] = {
            "cff-version": "1.2.0",
            "message": "Si vous utilisez ces données, citez-les ainsi. / If you use these data, please cite them "
                       "as below.",
            "type": "dataset",
            "title": title,
            "authors": [{"name": self.publisher}],
            "url": self.iri,
            "identifiers": [{"type": "url", "value": self.iri, "description": "IRI"}],
        }
        if self.version:
            document["version"] = self.version
        if self.date:
            document["date-released"] = self.date[:10]
        if self.licence in SPDX_IDS:
            document["license"] = SPDX_IDS[self.licence]
        if self.description:
            document["abstract"] = self.description
        if self.keywords:
            document["keywords"] = list(self.keywords)
        return document


def citation_of(iri: str, label: str | None, lang: str) -> Citation | None:
    """The citation of ``iri`` (named ``label``) in the current release; None when the release has
    no catalogue to read the publisher and the release from."""
    release = current_release()
    catalogue = load_catalogue(release)
    own = catalog_page.summary(catalogue, iri, lang)
    if own is not None and own.title:
        return Citation(title=own.title[0], publisher=own.publisher or PROJECT_NAME, version=own.version,
                        date=own.modified or own.issued, iri=iri, description=own.description[0] if own.description else None,
                        licence=own.licence_iri, keywords=tuple(own.keywords), is_dataset=True)
    whole = catalog_page.summary(catalogue, whole_dataset(Minter(release.base)).value, lang)
    if whole is None or whole.title is None:
        return None
    return Citation(title=label or iri, publisher=whole.publisher or PROJECT_NAME, version=whole.version,
                    date=whole.modified or whole.issued, iri=iri, dataset_title=whole.title[0],
                    licence=whole.licence_iri)


@bp.get("/cite/<path:path>")
def cite(path: str) -> Response:
    """The citation of ``{base}id/{path}`` as a ``CITATION.cff`` document."""
    release = current_release()
    iri = release.base + "id/" + path
    if len(path) > MAX_PATH or not SAFE_PATH.fullmatch(path) or not exists(release.store, iri):
        raise Problem("not-found", f"No resource of this dataset is described at /doc/{path}, so there is nothing "
                      f"to cite. / Aucune ressource de ce jeu de données n'est décrite en /doc/{path} : rien à citer.")
    lang = page_language()
    label = _label(iri, lang)

    def draw(fmt: conneg.Format) -> Response:
        found = citation_of(iri, label, lang)
        if found is None:
            raise Problem("not-found", f"Release {release.id} has no catalogue to cite it from. / La version "
                          f"{release.id} n'a pas de catalogue d'où la citer.")
        body = json.dumps(found.cff(), ensure_ascii=False, indent=2) + "\n"
        response = Response(body, content_type=fmt.content_type)
        response.headers["Content-Disposition"] = 'inline; filename="CITATION.cff"'
        return response

    return negotiated((CFF, conneg.JSON), draw, tag=[release.id, "cite", path, lang, request.args.get("lang")])


def _label(iri: str, lang: str) -> str | None:
    """The thing's name in ``lang`` (else French) from the release's search index; None for a
    thing it does not list (a membership): then the IRI is its title."""
    entry = search_index(current_release()).by_iri.get(iri)
    return entry.label(lang) if entry is not None else None
