"""Notebook views of a resolution: readable tables, weight waterfalls, cluster graphs.

Jupyter calls ``_repr_html_`` on the last value of a cell. Results, explanations and
clusters render through the functions here. Plotly's JavaScript goes inline into the
first chart a Python process renders (so notebooks work offline); later charts reuse it.

Examples
--------
>>> result = resolve("config.yaml")  # doctest: +SKIP
>>> result  # doctest: +SKIP
>>> result.explain(("billing", "ACC1"), ("webshop", "100001"))  # doctest: +SKIP
>>> result.cluster("C5E54001D7313F0C")  # doctest: +SKIP
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from custmdm.exceptions import CustmdmError
from custmdm.report import charts
from custmdm.report.analysis import pair_key

if TYPE_CHECKING:
    from custmdm.pipeline import Explanation, ResolutionResult

__all__ = ["ClusterView", "cluster_view", "explanation_html", "figure_html", "result_html"]

_state = {"plotlyjs_sent": False}

#: Golden-record columns shown in a result's table, when present.
_GOLDEN_COLUMNS = (
    "customer_id",
    "n_records",
    "sources",
    "full_name",
    "birth_date",
    "phones",
    "emails",
    "address",
)


def figure_html(fig: go.Figure) -> str:
    """A figure as an HTML fragment; plotly.js is inlined the first time only."""
    first = not _state["plotlyjs_sent"]
    _state["plotlyjs_sent"] = True
    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=first,
        include_mathjax=False,
        config={"displaylogo": False, "responsive": True},
        default_width="100%",
    )


def _frame_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, na_rep="", border=0, classes="dataframe", escape=True)


def result_html(result: ResolutionResult, rows: int = 10) -> str:
    """Counts of a resolution and the golden records with the most source records."""
    c = result.report["counts"]
    summary = pd.DataFrame(
        [
            ("source records", f"{c['records']:,}"),
            ("sources", ", ".join(f"{k} ({v:,})" for k, v in c["records_per_source"].items())),
            ("customers", f"{c['customers']:,}"),
            ("candidate pairs", f"{c['candidate_pairs']:,}"),
            ("linked pairs", f"{c['linked_pairs']:,}"),
            ("largest cluster", f"{c['largest_cluster']:,} records"),
            ("quality flags", f"{len(result.quality):,}"),
            ("threshold", f"{result.report['threshold']:g}"),
        ],
        columns=["", "value"],
    )
    golden = result.golden
    cols = [col for col in _GOLDEN_COLUMNS if col in golden]
    top = golden.sort_values(["n_records", "customer_id"], ascending=[False, True]).head(rows)
    return (
        "<div><b>ResolutionResult</b>"
        + _frame_html(summary)
        + f"<p>Golden records with the most source records ({rows} of {len(golden):,}):</p>"
        + _frame_html(top[cols])
        + "<p><code>.crosswalk .golden .lineage .pairs .quality .model .report</code>; "
        "<code>.explain(a, b)</code>, <code>.cluster(customer_id)</code>, "
        "<code>.write(dir)</code> (writes report.html too)</p></div>"
    )


def explanation_terms(explanation: Explanation) -> pd.DataFrame:
    """The waterfall rows of an explanation: prior and one row per comparison."""
    frame = explanation.to_frame()
    return pd.DataFrame(
        {
            "comparison": frame["comparison"],
            "level": frame["level"],
            "weight": frame["weight"] + frame["tf_adjustment"],
        }
    )


def explanation_figure(explanation: Explanation, threshold: float | None = None) -> go.Figure:
    """A waterfall chart of one pair's match weight."""
    left = pair_key(*explanation.left)
    right = pair_key(*explanation.right)
    title = (
        f"{left} ↔ {right}: weight {explanation.match_weight:.2f}, "
        f"p = {explanation.match_probability:.3f}"
    )
    return charts.waterfall(explanation_terms(explanation), title, threshold)


def explanation_html(explanation: Explanation) -> str:
    """The waterfall chart and the table of terms of one pair."""
    return (
        "<div>"
        + figure_html(explanation_figure(explanation))
        + _frame_html(explanation.to_frame().round(3))
        + "</div>"
    )


@dataclass
class ClusterView:
    """One customer's records and the candidate pairs among them, as a graph.

    Attributes
    ----------
    customer_id : str
    records : pandas.DataFrame
        The prepared rows of the cluster's records (normalised values beside raw ones).
    edges : pandas.DataFrame
        Candidate pairs inside the cluster: ``left``, ``right`` (``source:record_id``),
        ``match_weight``, ``match_probability``.
    graph : networkx.Graph
        Records as nodes, candidate pairs as edges with ``weight`` and ``p``.
    threshold : float
    sources : list of str
        Every source of the resolution (fixes the colour of each source).
    """

    customer_id: str
    records: pd.DataFrame
    edges: pd.DataFrame
    graph: nx.Graph
    threshold: float
    sources: list[str]

    def figure(self) -> go.Figure:
        """The graph as a plotly figure (linked edges solid, others dotted)."""
        labels = {}
        for row in self.records.itertuples(index=False):
            key = pair_key(str(row.source), str(row.record_id))
            values = [
                str(getattr(row, col))
                for col in ("raw_full_name", "birth_date", "phone", "email")
                if getattr(row, col, None) is not None and str(getattr(row, col)) != "nan"
            ]
            labels[key] = html.escape(" · ".join(values))
        return charts.cluster_graph(
            list(self.graph.nodes),
            self.edges,
            self.threshold,
            labels=labels,
            sources=self.sources,
            title=f"Cluster {self.customer_id}: {self.graph.number_of_nodes()} records",
        )

    def _repr_html_(self) -> str:
        return "<div>" + figure_html(self.figure()) + "</div>"


def cluster_view(result: ResolutionResult, customer_id: str) -> ClusterView:
    """The records of one customer and the candidate pairs among them."""
    cw = result.crosswalk
    members = cw[cw["customer_id"] == customer_id]
    if members.empty:
        msg = f"customer {customer_id!r} is not in this result; see result.golden['customer_id']"
        raise CustmdmError(msg)
    nodes = [pair_key(s, r) for s, r in zip(members["source"], members["record_id"], strict=True)]
    node_set = set(nodes)
    p = result.pairs
    left = p["left_source"].astype(str) + ":" + p["left_record_id"].astype(str)
    right = p["right_source"].astype(str) + ":" + p["right_record_id"].astype(str)
    inside = left.isin(node_set) & right.isin(node_set)
    edges = pd.DataFrame(
        {
            "left": left[inside].to_numpy(),
            "right": right[inside].to_numpy(),
            "match_weight": p.loc[inside, "match_weight"].to_numpy(),
            "match_probability": p.loc[inside, "match_probability"].to_numpy(),
        }
    )
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    for row in edges.itertuples(index=False):
        graph.add_edge(row.left, row.right, weight=row.match_weight, p=row.match_probability)
    table = result.prepared.table
    keys = table["source"].astype(str) + ":" + table["record_id"].astype(str)
    records = table[keys.isin(node_set)].reset_index(drop=True)
    return ClusterView(
        customer_id=customer_id,
        records=records,
        edges=edges,
        graph=graph,
        threshold=float(result.report["threshold"]),
        sources=sorted({str(s) for s in cw["source"].unique()}),
    )
