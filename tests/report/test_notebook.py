"""Notebook views: explanation waterfall and cluster graph."""

from __future__ import annotations

import pytest

from custmdm.exceptions import CustmdmError
from custmdm.report import notebook


def _linked_pair(resolved):
    pairs = resolved.result.pairs
    row = pairs[pairs["match_probability"] >= 0.5].iloc[0]
    return (row["left_source"], row["left_record_id"]), (
        row["right_source"],
        row["right_record_id"],
    )


def test_explain_shows_a_waterfall_that_adds_up(resolved):
    left, right = _linked_pair(resolved)
    explanation = resolved.result.explain(left, right)
    terms = notebook.explanation_terms(explanation)
    assert terms["weight"].sum() == pytest.approx(explanation.match_weight)
    fig = notebook.explanation_figure(explanation)
    assert fig.data[0].type == "waterfall"
    assert fig.data[0].y[-1] == pytest.approx(explanation.match_weight, abs=1e-2)
    html = explanation._repr_html_()
    assert 'class="plotly-graph-div"' in html
    assert "<table" in html


def test_plotly_js_goes_into_the_first_notebook_chart_only(resolved, monkeypatch):
    monkeypatch.setitem(notebook._state, "plotlyjs_sent", False)
    left, right = _linked_pair(resolved)
    explanation = resolved.result.explain(left, right)
    first, second = explanation._repr_html_(), explanation._repr_html_()
    assert "plotly.js v" in first
    assert "plotly.js v" not in second


def test_cluster_is_a_graph_of_its_records(resolved):
    golden = resolved.result.golden
    cid = golden.sort_values(["n_records", "customer_id"], ascending=[False, True])[
        "customer_id"
    ].iloc[0]
    view = resolved.result.cluster(cid)
    members = resolved.result.crosswalk.query("customer_id == @cid")
    assert view.graph.number_of_nodes() == len(members)
    assert len(view.records) == len(members)
    # the linked edges alone connect the cluster
    import networkx as nx

    linked = nx.Graph()
    linked.add_nodes_from(view.graph.nodes)
    linked.add_edges_from((a, b) for a, b, d in view.graph.edges(data=True) if d["p"] >= 0.5)
    assert nx.is_connected(linked)
    html = view._repr_html_()
    assert 'class="plotly-graph-div"' in html


def test_cluster_of_an_unknown_customer_says_so(resolved):
    with pytest.raises(CustmdmError, match="not in this result"):
        resolved.result.cluster("C-NOPE")
