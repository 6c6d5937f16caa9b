"""What every HTML page of the site shares: the language, the frame, the assets, the headers.

* Language: French first; ``?lang=en`` switches to English (a link in every page's header keeps
  the rest of the query string). :func:`page_language` reads it; templates get ``lang`` and
  ``tr(fr, en)``, which picks the text of the page's language, and ``other_language_url``.
* Frame: ``templates/layout.html`` (landmarks ``header``/``nav``/``main``/``footer``, ``lang``
  attributes, a skip link, the search box, the language switch). A page template extends it and
  fills ``title`` and ``content`` (and ``head``, ``scripts`` when it needs them).
* Assets: every file of ``endpoint/static`` is served at ``/assets/<file>``; :func:`asset_url`
  links it with ``?v=<hash of its bytes>``, and such a versioned URL is cached for a year
  (``immutable``): a changed file gets a new URL. Nothing is ever loaded from another host.
* Headers: :func:`render_page` sends ``text/html; charset=utf-8`` and the release; the
  application adds to every HTML answer the Content-Security-Policy of
  :func:`content_security_policy` (scripts, styles, fonts and data from this site only; images
  also from the map's tile server, :data:`settings` ``MAP_TILE_URL``); the ETag and cache headers
  come from :func:`tid.endpoint.http.negotiated`, which every page goes through.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from markupsafe import Markup
from werkzeug.routing import BuildError

from tid.endpoint.live import current_release

bp = Blueprint("site", __name__)

LANGUAGES = ("fr", "en")
STATIC = Path(__file__).resolve().parent / "static"
IMMUTABLE = 365 * 24 * 3600
UNVERSIONED = 3600


@cache
def public_files() -> frozenset[str]:
    """Every file under ``endpoint/static``, as a relative POSIX path: the only files served."""
    return frozenset(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file())


@cache
def asset_version(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]


def asset_url(name: str) -> str:
    if name not in public_files():
        raise KeyError(f"no asset {name!r} in endpoint/static")
    return url_for("site.asset", filename=name, v=asset_version(name))


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    if filename not in public_files():
        abort(404)
    versioned = request.args.get("v") == asset_version(filename)
    response = send_from_directory(STATIC, filename, max_age=IMMUTABLE if versioned else UNVERSIONED)
    if versioned:
        response.headers["Cache-Control"] = f"public, max-age={IMMUTABLE}, immutable"
    if filename.endswith(("LICENSE", "VERSION", ".md")):
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response


def json_for_script(data: Any, *, indent: int | None = None) -> Markup:
    """JSON safe inside ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` written as
    ``\\u`` escapes, so that no label can close the element or open a comment (compact unless
    ``indent`` is given)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def page_language() -> str:
    """``fr`` unless ``?lang=en`` (any other value is French too: the page never fails on it)."""
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else "fr"


def url_in_language(lang: str) -> str:
    """This page's URL in ``lang`` (French drops the parameter), the other parameters kept; for
    an address no route answers (an error page), the path as requested."""
    args = request.args.to_dict(flat=False)
    args.pop("lang", None)
    if lang != "fr":
        args["lang"] = [lang]
    if request.endpoint is not None:
        try:
            return url_for(request.endpoint, **(request.view_args or {}), **args)
        except BuildError:
            pass
    query = urlencode(args, doseq=True)
    return quote(request.path) + (f"?{query}" if query else "")


def content_security_policy(*, inline_styles: bool = False) -> str:
    """Scripts, styles, fonts and fetches from this site only; images also from the tile server
    (``https://{s}.tile.example.org/...`` becomes the source ``https://*.tile.example.org``);
    ``inline_styles``: styles written in the page too (the query page's Yasgui writes one)."""
    parts = urlsplit(current_app.config.get("MAP_TILE_URL") or "")
    tiles = f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}" if parts.scheme and parts.netloc else ""
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (f"default-src 'none'; script-src 'self'; style-src {styles}; font-src 'self'; connect-src 'self'; "
            f"img-src 'self' data:{tiles}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def render_page(template: str, *, status: int = 200, **context: Any) -> Response:
    """``template`` (which extends ``layout.html``) in the request's language, with its headers.
    A page answered 200 goes through :func:`tid.endpoint.http.negotiated`, which makes it
    conditional (ETag, 304) and cacheable; an error page is drawn as it is."""
    lang = page_language()

    def tr(fr: str, en: str) -> str:
        return fr if lang == "fr" else en

    body = render_template(template, lang=lang, tr=tr, other_language_url=url_in_language(
        "en" if lang == "fr" else "fr"), asset_url=asset_url, **context)
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.headers["X-TID-Release"] = current_release().id
    return response
