"""The words a page shows for the terms it reuses from other vocabularies (the ontology names
only its own), in French and English. A term in neither gets its prefixed name."""

from __future__ import annotations

from tid.namespaces import PREFIXES

REUSED_TERMS: dict[str, tuple[str, str]] = {
    PREFIXES["rdf"] + "type": ("type", "type"),
    PREFIXES["rdfs"] + "label": ("nom", "name"),
    PREFIXES["rdfs"] + "comment": ("commentaire", "comment"),
    PREFIXES["rdfs"] + "seeAlso": ("voir aussi", "see also"),
    PREFIXES["skos"] + "altLabel": ("autre nom", "other name"),
    PREFIXES["skos"] + "prefLabel": ("nom", "name"),
    PREFIXES["skos"] + "inScheme": ("dans le référentiel", "in scheme"),
    PREFIXES["skos"] + "Concept": ("concept", "concept"),
    PREFIXES["org"] + "member": ("membre", "member"),
    PREFIXES["org"] + "organization": ("organisation", "organisation"),
    PREFIXES["org"] + "memberDuring": ("membre pendant", "member during"),
    PREFIXES["org"] + "role": ("rôle", "role"),
    PREFIXES["igeo"] + "codeINSEE": ("code INSEE", "INSEE code"),
    PREFIXES["igeo"] + "chefLieu": ("chef-lieu", "chief town"),
    PREFIXES["igeo"] + "Commune": ("commune", "municipality (commune)"),
    PREFIXES["igeo"] + "Departement": ("département", "département"),
    PREFIXES["igeo"] + "Region": ("région", "region"),
    PREFIXES["igeo"] + "Intercommunalite": ("intercommunalité (EPCI)", "inter-municipal body (EPCI)"),
    PREFIXES["m8g"] + "PublicOrganisation": ("organisation publique", "public organisation"),
    PREFIXES["m8g"] + "hasCompetentAuthority": ("autorité compétente", "competent authority"),
    PREFIXES["dct"] + "source": ("source", "source"),
    PREFIXES["dct"] + "title": ("titre", "title"),
    PREFIXES["dct"] + "description": ("description", "description"),
    PREFIXES["dct"] + "identifier": ("identifiant", "identifier"),
    PREFIXES["dct"] + "isPartOf": ("fait partie de", "is part of"),
    PREFIXES["dct"] + "issued": ("publié le", "issued"),
    PREFIXES["dct"] + "publisher": ("éditeur", "publisher"),
    PREFIXES["dct"] + "license": ("licence", "licence"),
    PREFIXES["geo"] + "hasGeometry": ("géométrie", "geometry"),
    PREFIXES["geo"] + "asWKT": ("géométrie (WKT)", "geometry (WKT)"),
    PREFIXES["time"] + "hasBeginning": ("début", "beginning"),
    PREFIXES["time"] + "hasEnd": ("fin", "end"),
    PREFIXES["time"] + "inXSDDate": ("date", "date"),
    PREFIXES["foaf"] + "name": ("nom", "name"),
    PREFIXES["sh"] + "focusNode": ("nœud évalué (validation)", "focus node (validation)"),
    PREFIXES["sh"] + "value": ("valeur en cause (validation)", "value (validation)"),
    PREFIXES["prov"] + "wasDerivedFrom": ("dérivé de", "derived from"),
}
