"""The derivations run in waves (``graph/derive.py``): each after the derivations it reads, the
others side by side. The waves must give the graph that the derivations give one after the other."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Quad, Store

from tid.errors import QueryError
from tid.graph import derive
from tid.graph.queries import load_query
from tid.graph.store import DataDir, ReleaseWriter, merged
from tid.namespaces import Minter


def test_every_derivation_runs_once_after_what_it_reads() -> None:
    waves = derive.waves()
    names = [name for wave in waves for name in wave]
    assert sorted(names) == derive.derivation_names()
    done: set[str] = set()
    for wave in waves:
        for name in wave:
            assert set(load_query(name).reads) <= done, name
        done |= set(wave)
    assert len(waves) < len(names)  # some run side by side


def test_a_read_of_no_derivation_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = derive.load_query

    def misread(name: str):
        query = real(name)
        if name == "derive-territory-regions":
            return replace(query, reads=("derive-nothing",))
        return query

    monkeypatch.setattr(derive, "load_query", misread)
    with pytest.raises(QueryError, match="derive-nothing"):
        derive.waves()


def _source_store(cut_data_dir: DataDir) -> tuple[Store, Minter]:
    """The cut release's source graphs and their merge, without anything derived from them."""
    manifest = cut_data_dir.current_manifest()
    assert manifest is not None
    minter = Minter(manifest["base"])
    release = Store.read_only(str(cut_data_dir.current_release() / "store"))
    sources = [source["graph"] for source in manifest["sources"]]
    store = Store()
    store.bulk_extend(merged(q for q in release.quads_for_pattern(None, None, None, None)
                             if not isinstance(q.graph_name, DefaultGraph) and q.graph_name.value in sources))
    return store, minter


def test_the_waves_give_the_graph_of_one_after_the_other(cut_data_dir: DataDir, tmp_path: Path) -> None:
    store, minter = _source_store(cut_data_dir)
    expected = Store()
    expected.bulk_extend(store.quads_for_pattern(None, None, None, None))
    graph = minter.graph("derivations")
    for name in derive.derivation_names():  # one after the other, each seeing all the ones before
        triples = list(expected.query(load_query(name).text))
        expected.bulk_extend(merged(Quad(t.subject, t.predicate, t.object, graph) for t in triples))

    derive.run(ReleaseWriter(store, tmp_path / "dump.nq"), minter, [], "0" * 64)
    derived = set(store.quads_for_pattern(None, None, None, graph))
    assert derived == set(expected.quads_for_pattern(None, None, None, graph))
    assert len(derived) > 1000
