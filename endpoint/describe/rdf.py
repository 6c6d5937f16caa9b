"""The triples of the RDF documents about a resource: its own triples and the names of what they
link to, the incoming links of the page, counts as ``void:Linkset``, sources, Hydra paging."""

from __future__ import annotations

from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from tid.endpoint.describe.model import HYDRA, RDF_TYPE, RDFS_LABEL, TID, Description, Node
from tid.namespaces import PREFIXES


def graph_of(description: Description, doc_iri: str, page_iri: str | None,
             page_link: Any = None) -> list[Triple]:
    """The triples of the document ``doc_iri`` about the description's resource.

    ``page_iri`` is the IRI of the page shown (``doc?page=N``) when the resource is paged;
    ``page_link(n)`` gives the IRI of page ``n``.
    """
    P = PREFIXES
    this = NamedNode(description.iri)
    doc = NamedNode(doc_iri)
    out: list[Triple] = []
    seen: set[Triple] = set()

    def add(s: NamedNode | BlankNode, p: str | NamedNode, o: Node) -> None:
        triple = Triple(s, p if isinstance(p, NamedNode) else NamedNode(p), o)
        if triple not in seen:
            seen.add(triple)
            out.append(triple)

    add(doc, RDF_TYPE, NamedNode(P["foaf"] + "Document"))
    add(doc, P["foaf"] + "primaryTopic", this)
    for statement in description.statements:
        add(this, statement.predicate, statement.value)
        for lp in statement.label_predicates or {RDFS_LABEL}:
            for lang, text in statement.labels.items():
                add(statement.value, lp, Literal(text, language=lang) if lang else Literal(text))  # type: ignore[arg-type]
        for bp, bo in statement.nested:
            add(statement.value, bp, bo)  # type: ignore[arg-type]
    for item in description.incoming:
        add(item.subject, item.predicate, this)
        for lp in item.label_predicates or {RDFS_LABEL}:
            for lang, text in item.labels.items():
                add(item.subject, lp, Literal(text, language=lang) if lang else Literal(text))
    # The other side of each membership of the page (the side that links to the resource is an
    # incoming link, paged with them).
    for membership in description.memberships:
        if membership.direction == "members":
            add(membership.membership, P["org"] + "member", membership.other)
        elif membership.organised:
            add(membership.membership, P["org"] + "organization", membership.other)
        else:  # a membership of a programme with no convention: its programme is no org:organization
            continue
        if membership.label:
            add(membership.other, RDFS_LABEL, Literal(membership.label, language="fr"))
    # At a date, a territory's or an EPCI's communes in the other programmes: each membership of
    # the list in force then, as the store states it, and that list (its names, its date).
    xsd_date = NamedNode(P["xsd"] + "date")
    for programme in description.programmes:
        listed = programme.listed
        if listed is None:
            continue
        list_node = NamedNode(listed.iri)
        add(list_node, TID + "phase", NamedNode(listed.phase))
        if listed.reference:
            add(list_node, TID + "dateReference", Literal(listed.reference.isoformat(), datatype=xsd_date))
        for lang, text in listed.labels.items():
            add(list_node, RDFS_LABEL, Literal(text, language=lang) if lang else Literal(text))
        for commune, held in programme.communes:
            for m in held:
                node = NamedNode(m.adhesion)
                add(node, RDF_TYPE, NamedNode(TID + "Adhesion"))
                add(node, P["org"] + "member", commune.other)
                add(node, TID + "phase", NamedNode(listed.phase))
                add(node, TID + "attesteePar", list_node)
                if m.convention:
                    add(node, P["org"] + "organization", NamedNode(m.convention))
                if m.debut:
                    add(node, TID + "dateDebut", Literal(m.debut.isoformat(), datatype=xsd_date))
                if m.fin:
                    add(node, TID + "dateFin", Literal(m.fin.isoformat(), datatype=xsd_date))
            if commune.label:
                add(commune.other, RDFS_LABEL, Literal(commune.label, language="fr"))
    # Incoming links counted per property: one void:Linkset each.
    for number, (predicate, count) in enumerate(sorted(description.incoming_counts.items()), start=1):
        linkset = BlankNode(f"incoming{number}")  # stable: the same bytes for the same ETag
        add(doc, P["void"] + "subset", linkset)
        add(linkset, RDF_TYPE, NamedNode(P["void"] + "Linkset"))
        add(linkset, P["void"] + "objectsTarget", this)
        add(linkset, P["void"] + "linkPredicate", NamedNode(predicate))
        add(linkset, P["void"] + "triples", Literal(str(count), datatype=NamedNode(P["xsd"] + "integer")))
    # Where the facts come from.
    for source in description.sources:
        graph = NamedNode(source.graph)
        add(doc, P["prov"] + "wasDerivedFrom", graph)
        if source.dataset:
            add(graph, P["dct"] + "source", NamedNode(source.dataset))
            if source.title:
                add(NamedNode(source.dataset), P["dct"] + "title", Literal(source.title, language="fr"))
        if source.licence:
            add(graph, P["dct"] + "license", NamedNode(source.licence))
        if source.distribution:
            dist = NamedNode(source.distribution)
            add(graph, P["prov"] + "wasDerivedFrom", dist)
            add(dist, RDF_TYPE, NamedNode(P["dcat"] + "Distribution"))
            if source.download:
                add(dist, P["dcat"] + "downloadURL", NamedNode(source.download))
            if source.file:
                add(dist, TID + "cheminMiroir", Literal(source.file))
        if source.temporal:
            add(graph, P["dct"] + "temporal", Literal(source.temporal, datatype=NamedNode(P["xsd"] + "date")))
    # Paging (Hydra): the document is the collection of the resource's links; this is one view.
    pager = description.page
    if pager.paged and page_iri is not None and page_link is not None:
        view = NamedNode(page_iri)
        add(doc, RDF_TYPE, NamedNode(HYDRA + "Collection"))
        add(doc, HYDRA + "totalItems", Literal(str(description.incoming_total + description.memberships_total),
                                               datatype=NamedNode(P["xsd"] + "integer")))
        add(doc, HYDRA + "view", view)
        add(view, RDF_TYPE, NamedNode(HYDRA + "PartialCollectionView"))
        add(view, HYDRA + "first", NamedNode(page_link(1)))
        add(view, HYDRA + "last", NamedNode(page_link(pager.last)))
        if pager.number > 1:
            add(view, HYDRA + "previous", NamedNode(page_link(pager.number - 1)))
        if pager.number < pager.last:
            add(view, HYDRA + "next", NamedNode(page_link(pager.number + 1)))
    return out


def prefixes(base: str) -> dict[str, str]:
    """The prefixes of the Turtle and RDF/XML documents (none for the data: a local name with a
    ``/`` would be escaped, and the full IRI reads better)."""
    return {**{k: v for k, v in PREFIXES.items() if k in (
        "rdf", "rdfs", "xsd", "owl", "skos", "dct", "dcat", "prov", "foaf", "org", "igeo", "tid", "geo",
        "time", "void", "m8g", "cpsv", "schema", "spdx")}, "hydra": HYDRA}
