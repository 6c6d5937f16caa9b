"""The SPARQL endpoint: a Flask app factory over the built store (read-only)."""
