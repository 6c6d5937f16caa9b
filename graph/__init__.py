"""The graph: namespaces, sources, build, store, provenance, derivations, validation, export, queries."""
