"""What a query is before it runs: its form, whether it is an update, its dataset clauses and
its ``SERVICE`` calls, read by a small SPARQL lexer that skips strings, comments and IRIs.

pyoxigraph parses and executes in one call and does not expose the parsed algebra, so the
endpoint reads the query text itself. The lexer is deliberately conservative where safety is at
stake, because pyoxigraph *does* follow ``SERVICE`` (its HTTP client is compiled in):

* its keywords need no word boundary (``?s ?p trueSERVICE <x> {…}`` and ``SERVICE:e{…}`` are
  both service calls to it), so *any* word that contains ``service`` outside a string, a
  comment, an IRI, a variable, a blank-node label, a language tag or the local part of a
  prefixed name counts as a service call;
* ``\\uXXXX`` escapes are resolved by pyoxigraph inside IRIs and strings; the lexer reads both
  the raw text and the text with every escape resolved, and reports what either reading finds;
* a service call whose endpoint is not a plain IRI (a variable, an unknown prefix, a relative
  IRI without ``BASE``, a keyword glued to something else) has no endpoint to check: it is
  reported with ``endpoint=None`` and refused by the caller.

Over-refusal is possible (a prefix named ``service:``); under-refusal must not be: the tests
run a battery of evasions against pyoxigraph with a listening socket to prove it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_OPERATIONS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

# The deepest nesting a query may have (``QueryShape.depth``): the engine's parser is recursive,
# and a few thousand levels (4.8 kB of "{") overflow a query process's stack; no real query comes
# near this. The endpoint refuses deeper queries before they reach the engine.
MAX_NESTING = 256

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_PN_CHARS_BASE = (
    "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_NAME_CHARS = _PN_CHARS_BASE + "_0-9\u00B7\u0300-\u036F\u203F-\u2040"
_VAR = re.compile(f"[?$][{_NAME_CHARS}]*")
_BNODE = re.compile(rf"_:(?:[{_NAME_CHARS}.-]|\\.)*")
_LANGTAG = re.compile(r"@[A-Za-z0-9-]*")
# A word: keywords, prefixed names, numbers. Generous on purpose (dots, colons, escapes, %hh).
_WORD = re.compile(rf"(?:[{_NAME_CHARS}:.%-]|\\.)+")
_WHITESPACE = frozenset(" \t\r\n")


@dataclass(frozen=True)
class Token:
    kind: str  # "iri", "string", "var", "bnode", "langtag", "word", "punct"
    text: str
    position: int


@dataclass(frozen=True)
class ServiceCall:
    """One ``SERVICE`` the query makes; ``endpoint`` is ``None`` when it cannot be known."""

    written: str
    endpoint: str | None


@dataclass(frozen=True)
class QueryShape:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, an update operation, or None
    is_update: bool
    has_dataset_clause: bool  # FROM or FROM NAMED
    services: tuple[ServiceCall, ...] = field(default=())
    default_graphs: tuple[str, ...] = field(default=())
    """The graphs of the ``FROM`` clauses (not ``FROM NAMED``), resolved when they can be, else as
    written; each once."""
    named_graphs: tuple[str, ...] = field(default=())
    """The graphs of the ``FROM NAMED`` clauses, the same way."""
    depth: int = 0
    """The deepest nesting of ``{``, ``(`` and ``[`` outside strings, IRIs and comments (the
    engine's parser is recursive: thousands of levels overflow its stack)."""
    bounded: bool = False
    """Whether the query is a lookup whose work is bounded by the data of one named subject
    (:func:`_bounded`): it cannot run away, so it may be evaluated without the killable pool."""
    limited: bool = False
    """Whether the query has a ``LIMIT`` (outside strings, IRIs and comments)."""


def unescape_codepoints(text: str) -> str:
    """Resolve ``\\uXXXX`` and ``\\UXXXXXXXX`` everywhere (SPARQL 1.1 §19.2)."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _CODEPOINT.sub(replace, text)


def tokens(text: str) -> list[Token]:
    """Split a query into tokens; strings, IRIs and comments are single tokens or skipped.

    Unterminated strings run to the end of the text (pyoxigraph rejects such a query anyway).
    """
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _WHITESPACE:
            i += 1
        elif c == "#":
            end = min((p for p in (text.find("\n", i), text.find("\r", i)) if p >= 0), default=n)
            i = end
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
            out.append(Token("string", text[i:j], i))
            i = j
        elif c == "<" and (m := _IRIREF.match(text, i)):
            out.append(Token("iri", m.group(0), i))
            i = m.end()
        elif c in "?$":
            m = _VAR.match(text, i)
            assert m
            out.append(Token("var", m.group(0), i))
            i = max(m.end(), i + 1)
        elif text.startswith("_:", i):
            m = _BNODE.match(text, i)
            assert m
            label = m.group(0).rstrip(".")
            out.append(Token("bnode", label, i))
            i += max(len(label), 2)
        elif c == "@":
            m = _LANGTAG.match(text, i)
            assert m
            out.append(Token("langtag", m.group(0), i))
            i = max(m.end(), i + 1)
        elif m := _WORD.match(text, i):
            word = m.group(0)
            # A word neither starts nor ends with a dot: such a dot ends a triple (``?o.``,
            # ``ex:a.``); a prefixed name keeps its inner dots (``ex:a.b``).
            if word.startswith("."):
                out.append(Token("punct", ".", i))
                i += 1
                continue
            stripped = word.rstrip(".")
            out.append(Token("word", stripped, i))
            i += len(stripped)
        else:
            out.append(Token("punct", c, i))
            i += 1
    return out


def _prefix_part(word: str) -> str:
    return word.split(":", 1)[0] if ":" in word else word


def _read(text: str) -> QueryShape:
    toks = tokens(text)
    prefixes: dict[str, str] = {}
    base: str | None = None
    form: str | None = None
    has_dataset = False
    services: list[ServiceCall] = []

    def resolve_iri(raw: str) -> str | None:
        iri = raw[1:-1]
        if urlsplit(iri).scheme:
            return iri
        return urljoin(base, iri) if base else None

    # Prologue: BASE <iri> and PREFIX p: <iri>, then the first keyword is the form.
    k = 0
    while k < len(toks):
        tok = toks[k]
        upper = tok.text.upper()
        if tok.kind == "word" and upper == "BASE" and k + 1 < len(toks) and toks[k + 1].kind == "iri":
            base = resolve_iri(toks[k + 1].text) or base
            k += 2
        elif (tok.kind == "word" and upper == "PREFIX" and k + 2 < len(toks)
              and toks[k + 1].kind == "word" and toks[k + 1].text.endswith(":") and toks[k + 2].kind == "iri"):
            resolved = resolve_iri(toks[k + 2].text)
            if resolved is not None:
                prefixes[toks[k + 1].text[:-1]] = resolved
            k += 3
        else:
            if tok.kind == "word" and (upper in QUERY_FORMS or upper in UPDATE_OPERATIONS):
                form = upper
            break

    dataset: dict[bool, list[str]] = {False: [], True: []}  # FROM / FROM NAMED
    for index, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        if tok.text.upper() == "FROM":
            has_dataset = True
            named, target = _from_target(toks, index, prefixes, resolve_iri)
            if target is not None and target not in dataset[named]:
                dataset[named].append(target)
        if "service" not in _prefix_part(tok.text).lower():
            continue
        services.append(_service_call(toks, index, prefixes, resolve_iri))
    return QueryShape(form, form in UPDATE_OPERATIONS, has_dataset, tuple(services), tuple(dataset[False]),
                      tuple(dataset[True]), _depth(toks), _bounded(toks[k:]) and not services and not has_dataset,
                      any(tok.kind == "word" and tok.text.upper() == "LIMIT" for tok in toks))


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")


def _bounded(toks: list[Token]) -> bool:
    """Whether ``toks`` (a query from its form on) is ``SELECT [DISTINCT|REDUCED] ?v… | *`` or
    ``ASK``, ``[WHERE] { S P O [.] }`` and at most a ``LIMIT`` and an ``OFFSET``: one triple
    pattern whose subject S is an IRI, P an IRI, ``a`` or a variable (no path), O an IRI, a
    literal or a variable; nothing else (no FILTER, OPTIONAL, UNION, GRAPH, subquery, aggregate,
    ORDER BY, blank node, collection or second pattern).

    Such a query is evaluated as one scan of the store's subject index over S: its work and its
    rows are bounded by the triples of S (each row is one step of the scan; DISTINCT and REDUCED
    keep a set of what they return, which the row limit bounds), whatever the data, so it cannot
    run away. Anything this reading does not recognise exactly is not bounded (the pool runs it)."""
    n = len(toks)

    def word(i: int, *names: str) -> bool:
        return i < n and toks[i].kind == "word" and toks[i].text.upper() in names

    def punct(i: int, text: str) -> bool:
        return i < n and toks[i].kind == "punct" and toks[i].text == text

    def constant(i: int) -> bool:  # an IRI or a prefixed name
        return i < n and (toks[i].kind == "iri" or (toks[i].kind == "word" and ":" in toks[i].text
                                                     and "service" not in toks[i].text.lower()))

    def variable(i: int) -> bool:
        return i < n and toks[i].kind == "var" and len(toks[i].text) > 1

    i = 0
    if word(0, "SELECT"):
        i = 2 if word(1, "DISTINCT", "REDUCED") else 1
        if punct(i, "*"):
            i += 1
        else:
            first = i
            while variable(i):
                i += 1
            if i == first:
                return False
    elif word(0, "ASK"):
        i = 1
    else:
        return False
    i += word(i, "WHERE")
    if not punct(i, "{") or not constant(i + 1):
        return False
    i += 2
    if not (constant(i) or variable(i) or (i < n and toks[i].kind == "word" and toks[i].text == "a")):
        return False
    i += 1
    if constant(i) or variable(i) or word(i, "TRUE", "FALSE") or (i < n and toks[i].kind == "word"
                                                                  and _NUMBER.fullmatch(toks[i].text)):
        i += 1
    elif i < n and toks[i].kind == "string":
        i += 1
        if i < n and toks[i].kind == "langtag":
            i += 1
        elif punct(i, "^") and punct(i + 1, "^") and constant(i + 2):
            i += 3
    else:
        return False
    i += punct(i, ".")
    if not punct(i, "}"):
        return False
    i += 1
    seen: set[str] = set()
    while i < n:
        if not word(i, "LIMIT", "OFFSET") or toks[i].text.upper() in seen or not (
                i + 1 < n and toks[i + 1].kind == "word" and _INTEGER.fullmatch(toks[i + 1].text)):
            return False
        seen.add(toks[i].text.upper())
        i += 2
    return True


def _depth(toks: list[Token]) -> int:
    deepest = level = 0
    for tok in toks:
        if tok.kind != "punct":
            continue
        if tok.text in "{([":
            level += 1
            deepest = max(deepest, level)
        elif tok.text in "})]":
            level = max(0, level - 1)
    return deepest


def _from_target(toks: list[Token], index: int, prefixes: dict[str, str], resolve_iri) -> tuple[bool, str | None]:
    """(whether it is ``FROM NAMED``, the graph) of the ``FROM`` clause at ``index``: its IRI when
    it can be resolved, else the text as written (which is not an absolute IRI)."""
    k = index + 1
    named = k < len(toks) and toks[k].kind == "word" and toks[k].text.upper() == "NAMED"
    k += named
    if k >= len(toks):
        return named, None
    target = toks[k]
    if target.kind == "iri":
        return named, resolve_iri(target.text) or target.text
    if target.kind == "word" and ":" in target.text:
        prefix, local = target.text.split(":", 1)
        if prefix in prefixes:
            return named, prefixes[prefix] + local
    return named, target.text


def _service_call(toks: list[Token], index: int, prefixes: dict[str, str], resolve_iri) -> ServiceCall:
    tok = toks[index]
    if tok.text.upper() != "SERVICE":
        return ServiceCall(tok.text, None)
    k = index + 1
    if k < len(toks) and toks[k].kind == "word" and toks[k].text.upper() == "SILENT":
        k += 1
    if k >= len(toks):
        return ServiceCall(tok.text, None)
    target = toks[k]
    written = f"{tok.text} {target.text}"
    if target.kind == "iri":
        return ServiceCall(written, resolve_iri(target.text))
    if target.kind == "word" and ":" in target.text and "\\" not in target.text and "%" not in target.text:
        prefix, local = target.text.split(":", 1)
        if prefix in prefixes:
            return ServiceCall(written, prefixes[prefix] + local)
    return ServiceCall(written, None)


def analyse(query: str) -> QueryShape:
    """The shape of ``query``, merging the raw reading and the reading with escapes resolved."""
    raw = _read(query)
    unescaped_text = unescape_codepoints(query)
    if unescaped_text == query:
        return raw
    unescaped = _read(unescaped_text)
    services = tuple(dict.fromkeys(raw.services + unescaped.services))
    return QueryShape(
        form=raw.form or unescaped.form,
        is_update=raw.is_update or unescaped.is_update,
        has_dataset_clause=raw.has_dataset_clause or unescaped.has_dataset_clause,
        services=services,
        default_graphs=max(raw.default_graphs, unescaped.default_graphs, key=len),
        named_graphs=max(raw.named_graphs, unescaped.named_graphs, key=len),
        depth=max(raw.depth, unescaped.depth),
        bounded=raw.bounded and unescaped.bounded,
        limited=raw.limited or unescaped.limited,
    )


def host_allowed(endpoint: str, allowlist: frozenset[str]) -> bool:
    """``endpoint`` is an http(s) IRI whose host (or host:port) is on the allow-list."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return False
    host = parts.hostname.lower().rstrip(".")
    port = port or (443 if parts.scheme == "https" else 80)
    return host in allowlist or f"{host}:{port}" in allowlist
