"""The incoming links of a description: a membership's link to the resource is built from the
memberships (its dates, its member's name, its own name when it has one), and a link by
``org:organization`` or ``org:member`` from something that is no membership (one side only) is
an ordinary incoming link, with its graph, name and dates. A small store, no release."""

from __future__ import annotations

from datetime import date

from pyoxigraph import Literal, NamedNode, Quad, Store

from tid.endpoint.describe import describe, read_terms
from tid.endpoint.describe.read import snapshot
from tid.graph.store import merged
from tid.namespaces import ORG, RDFS, TID, XSD

BASE = "https://example.org/ti/"
TERRITORY = NamedNode(BASE + "id/territoire/2023-2027/ti-0001")
NAMED = NamedNode(BASE + "id/adhesion/2023-2027/ti-0001/00001")  # a membership with a name of its own
PLAIN = NamedNode(BASE + "id/adhesion/2023-2027/ti-0001/00002")
HALF = NamedNode(BASE + "id/adhesion/2023-2027/ti-0001/half")  # org:organization, no org:member
SITE = NamedNode(BASE + "id/site/un-site")
COMMUNES = (NamedNode(BASE + "id/commune/00001"), NamedNode(BASE + "id/commune/00002"))
G1, G2 = NamedNode(BASE + "graph/one"), NamedNode(BASE + "graph/two")


def day(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


def store() -> Store:
    triples = [
        (TERRITORY, RDFS.label, Literal("Territoire", language="fr"), G1),
        (COMMUNES[0], RDFS.label, Literal("Commune Un", language="fr"), G1),
        (COMMUNES[0], TID.populationMunicipale, Literal("100", datatype=XSD.integer), G1),
        (COMMUNES[1], RDFS.label, Literal("Commune Deux", language="fr"), G1),
        (NAMED, RDFS.label, Literal("Adhésion nommée", language="fr"), G2),
        (HALF, RDFS.label, Literal("Demi", language="fr"), G1),
        (HALF, ORG.organization, TERRITORY, G1),
        (HALF, TID.dateDebut, day("2020-01-01"), G1),
        (HALF, TID.dateFin, day("2020-12-31"), G1),
        (SITE, TID.territoire, TERRITORY, G2),
        (SITE, RDFS.label, Literal("Un site", language="fr"), G2),
    ]
    for membership, commune in ((NAMED, COMMUNES[0]), (PLAIN, COMMUNES[1])):
        for graph in (G1, G2):  # stated by two sources
            triples += [(membership, ORG.organization, TERRITORY, graph), (membership, ORG.member, commune, graph)]
        triples += [(membership, TID.dateDebut, day("2023-07-01"), G2), (membership, TID.dateFin, day("2027-12-31"), G2)]
    result = Store()
    result.extend(merged(Quad(*t) for t in triples))
    return result


def test_membership_links_come_from_the_memberships_and_the_others_from_the_store() -> None:
    data = store()
    snap = snapshot(data, read_terms(data), TERRITORY.value, base=BASE)
    assert [(m.other, m.label, m.population) for m in snap.memberships] == [
        (COMMUNES[1], "Commune Deux", None), (COMMUNES[0], "Commune Un", 100)]
    links = {(i.predicate, i.subject): i for i in snap.incoming}
    assert set(links) == {(ORG.organization.value, NAMED), (ORG.organization.value, PLAIN),
                          (ORG.organization.value, HALF), (TID.territoire.value, SITE)}
    named = links[ORG.organization.value, NAMED]
    assert (named.labels, named.via_label, named.debut, named.fin) == (
        {"fr": "Adhésion nommée"}, "Commune Un", date(2023, 7, 1), date(2027, 12, 31))
    plain = links[ORG.organization.value, PLAIN]
    assert (plain.labels, plain.via_label, plain.debut) == ({}, "Commune Deux", date(2023, 7, 1))
    half = links[ORG.organization.value, HALF]
    assert (half.graphs, half.labels, half.debut, half.fin) == (
        [G1.value], {"fr": "Demi"}, date(2020, 1, 1), date(2020, 12, 31))
    site = links[TID.territoire.value, SITE]
    assert (site.graphs, site.labels) == ([G2.value], {"fr": "Un site"})
    assert [i.subject for i in snap.incoming] == [NAMED, PLAIN, HALF, SITE]  # by property, then subject


def test_dated_links_follow_the_date_asked() -> None:
    data = store()
    at_2024 = describe(data, read_terms(data), TERRITORY.value, "territoire/2023-2027/ti-0001", base=BASE,
                       at=date(2024, 1, 1))
    assert at_2024 is not None
    assert {i.subject for i in at_2024.incoming} == {NAMED, PLAIN, SITE}
    assert at_2024.member_counts == {"commune": 2}
    at_2020 = describe(data, read_terms(data), TERRITORY.value, "territoire/2023-2027/ti-0001", base=BASE,
                       at=date(2020, 6, 1))
    assert at_2020 is not None
    assert {i.subject for i in at_2020.incoming} == {HALF, SITE}
    assert at_2020.memberships_total == 0
