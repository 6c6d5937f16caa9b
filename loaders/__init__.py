"""Loaders: one module per kind of source file, all with the signature of ``base``.

``LOADERS`` maps the ``loader`` name used in ``sources.toml`` to its module.
"""

from __future__ import annotations

from types import ModuleType

from tid.loaders import (
    anct_crossing,
    cog_communes,
    cog_departements,
    cog_epci,
    cog_regions,
    commune_aliases,
    commune_points,
    commune_successors,
    curated_turtle,
    fonds_acceleration,
    programme_lists,
    site_aliases,
    sites_cles_en_main,
    ti_communes_2020,
    ti_communes_geojson,
    ti_groupements,
)

LOADERS: dict[str, ModuleType] = {
    module.__name__.rsplit(".", 1)[1]: module
    for module in (
        cog_regions,
        cog_departements,
        cog_communes,
        cog_epci,
        commune_successors,
        commune_aliases,
        commune_points,
        site_aliases,
        ti_groupements,
        ti_communes_2020,
        ti_communes_geojson,
        programme_lists,
        anct_crossing,
        sites_cles_en_main,
        fonds_acceleration,
        curated_turtle,
    )
}
