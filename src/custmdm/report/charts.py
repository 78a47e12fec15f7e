"""Plotly figures of the report and the notebook views.

Every figure is built from plain lists (never numpy arrays), so the figure JSON holds
readable, rounded numbers and nothing else.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from custmdm.report.analysis import threshold_weight
from custmdm.schema import CANONICAL_FIELDS

__all__ = [
    "cluster_graph",
    "cluster_sizes",
    "completeness_heatmap",
    "expected_vs_found_bar",
    "flags_bar",
    "model_levels",
    "overlap_heatmap",
    "overlap_only_bar",
    "systems_bar",
    "waterfall",
    "weight_histogram",
]

BLUE = "#2b6cb0"
ORANGE = "#dd6b20"
GREEN = "#2f855a"
RED = "#c53030"
GREY = "#a0aec0"
PALETTE = ["#dd6b20", "#2b6cb0", "#2f855a", "#805ad5", "#c53030", "#d69e2e", "#319795", "#718096"]
KAMADA_KAWAI_MAX_NODES = 24
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _layout(fig: go.Figure, *, height: int, title: str | None = None, **kwargs: Any) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font={"family": FONT, "size": 12},
        title={"text": title, "x": 0, "font": {"size": 14}} if title else None,
        **kwargs,
    )
    return fig


def _r(values: Any, digits: int = 4) -> list[Any]:
    return [
        None if v is None or (isinstance(v, float) and np.isnan(v)) else round(float(v), digits)
        for v in values
    ]


def _empty(title: str, message: str, height: int = 160) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, height=height, title=title)


def completeness_heatmap(profile: list[dict[str, Any]]) -> go.Figure:
    """Completeness and validity (%) per source and mapped field; blank where unmapped."""
    fields: list[str] = []
    for src in profile:
        for f in src["fields"]:
            if f["field"] not in fields:
                fields.append(f["field"])
    canonical = {f: k for k, f in enumerate(CANONICAL_FIELDS)}
    fields.sort(key=lambda f: (canonical.get(f, len(canonical)), f))
    sources = [s["source"] for s in profile]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=(
            "Completeness: share of records with a value, %",
            "Validity: share of values accepted, %",
        ),
    )
    for col, key in ((1, "completeness"), (2, "validity")):
        z, text = [], []
        for src in profile:
            by_field = {f["field"]: f for f in src["fields"]}
            row = [round(100 * by_field[f][key], 1) if f in by_field else None for f in fields]
            z.append(row)
            text.append(["" if v is None else f"{v:.0f}" for v in row])
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=fields,
                y=sources,
                text=text,
                texttemplate="%{text}",
                zmin=0,
                zmax=100,
                colorscale=[[0, "#fed7d7"], [0.7, "#fefcbf"], [1, "#c6f6d5"]],
                showscale=False,
                hovertemplate="%{y} · %{x}: %{z}%<extra>" + key + "</extra>",
                xgap=2,
                ygap=2,
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=90 + 34 * len(sources))


def flags_bar(profile: list[dict[str, Any]]) -> go.Figure:
    """Quality flags per source, stacked by field and reason."""
    kinds = sorted({k for s in profile for k in s["flags"]})
    title = "Quality flags per source (field: reason)"
    if not kinds:
        return _empty(title, "No quality flags: every mapped value was accepted as it was.")
    sources = [s["source"] for s in profile]
    fig = go.Figure(
        [go.Bar(name=k, x=sources, y=[s["flags"].get(k, 0) for s in profile]) for k in kinds]
    )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.2})
    return _layout(fig, height=340, title=title)


def overlap_heatmap(ov: dict[str, Any]) -> go.Figure:
    """Customers shared by each pair of sources (diagonal: customers each source knows)."""
    sources = ov["sources"]
    z = ov["shared"]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=sources,
            y=sources,
            text=[[f"{v:,}" for v in row] for row in z],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="%{y} and %{x}: %{z} shared customers<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed")
    side = 120 + 42 * len(sources)
    return _layout(fig, height=side, title="Customers shared by each pair of sources")


def overlap_only_bar(ov: dict[str, Any]) -> go.Figure:
    """Per source: customers no other system knows vs customers shared with another."""
    sources = ov["sources"]
    known = [ov["shared"][k][k] for k in range(len(sources))]
    only = [ov["only"][s] for s in sources]
    fig = go.Figure(
        [
            go.Bar(name="only in this system", x=sources, y=only, marker_color=ORANGE),
            go.Bar(
                name="also in another system",
                x=sources,
                y=[a - b for a, b in zip(known, only, strict=True)],
                marker_color=BLUE,
            ),
        ]
    )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.2})
    return _layout(fig, height=340, title="Customers of each source: unique to it or shared")


def systems_bar(ov: dict[str, Any]) -> go.Figure:
    """How many customers are known to 1, 2, … systems."""
    counts = ov["systems"]
    x = [str(k) for k in counts]
    fig = go.Figure(go.Bar(x=x, y=list(counts.values()), marker_color=BLUE))
    fig.update_xaxes(title="number of systems that know the customer", type="category")
    fig.update_yaxes(title="customers")
    return _layout(fig, height=300, title="Customers by number of systems")


def model_levels(model: dict[str, Any]) -> go.Figure:
    """m, u and match weight of every comparison level."""
    labels, m, u, w = [], [], [], []
    for comp in model["comparisons"]:
        name = comp["comparison"]["name"]
        for lv in comp["levels"]:
            labels.append(f"{name}: {lv['label']}")
            m.append(lv["m"])
            u.append(lv["u"])
            w.append(lv["weight"])
    fig = make_subplots(
        rows=1,
        cols=3,
        shared_yaxes=True,
        horizontal_spacing=0.02,
        subplot_titles=(
            "m: P(level | same customer)",
            "u: P(level | different customers)",
            "match weight log2(m/u)",
        ),
    )
    hover = "%{y}: %{x:.4g}<extra></extra>"
    fig.add_trace(
        go.Bar(y=labels, x=_r(m, 5), orientation="h", marker_color=GREEN, hovertemplate=hover), 1, 1
    )
    fig.add_trace(
        go.Bar(y=labels, x=_r(u, 6), orientation="h", marker_color=RED, hovertemplate=hover), 1, 2
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=_r(w, 3),
            orientation="h",
            marker_color=[GREEN if v >= 0 else RED for v in w],
            hovertemplate=hover,
        ),
        1,
        3,
    )
    fig.update_xaxes(range=[0, 1], row=1, col=1)
    fig.update_xaxes(range=[0, 1], row=1, col=2)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(showlegend=False, bargap=0.25)
    return _layout(fig, height=90 + 19 * len(labels))


def weight_histogram(weights: np.ndarray, threshold: float, bins: int = 60) -> go.Figure:
    """Match weights of candidate pairs, split at the threshold, with the threshold drawn."""
    title = "Match weight of candidate pairs"
    weights = np.asarray(weights, dtype=float)
    if weights.size == 0:
        return _empty(title, "No candidate pairs.")
    tw = threshold_weight(threshold)
    counts, edges = np.histogram(weights, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    width = float(edges[1] - edges[0]) if len(edges) > 1 else 1.0
    above = centres >= tw
    fig = go.Figure()
    for mask, name, colour in (
        (~above, "below threshold", GREY),
        (above, "linked (above threshold)", BLUE),
    ):
        fig.add_trace(
            go.Bar(
                x=_r(centres[mask], 3),
                y=counts[mask].tolist(),
                width=width,
                name=name,
                marker_color=colour,
                hovertemplate="weight ≈ %{x}: %{y} pairs<extra></extra>",
            )
        )
    fig.add_vline(
        x=round(tw, 3),
        line_dash="dash",
        line_color=RED,
        annotation_text=f"threshold p={threshold:g} (weight {tw:.2f})",
        annotation_position="top",
    )
    fig.update_xaxes(title="match weight (log2 odds)")
    fig.update_yaxes(title="pairs", type="log", dtick=1)
    fig.update_layout(bargap=0, legend={"orientation": "h", "y": -0.25})
    return _layout(fig, height=360, title=title)


def expected_vs_found_bar(evf: dict[str, float]) -> go.Figure:
    """Matching pairs the model expects vs the pairs the resolution linked."""
    labels = {
        "expected_all": "expected in all data (prior × pairs)",
        "expected_candidates": "expected among candidates (Σ p)",
        "linked": "linked (p ≥ threshold)",
        "implied": "same-customer pairs after clustering",
    }
    keys = list(labels)
    fig = go.Figure(
        go.Bar(
            y=[labels[k] for k in keys],
            x=_r([evf[k] for k in keys], 1),
            orientation="h",
            marker_color=[GREY, GREY, BLUE, GREEN],
            text=[f"{evf[k]:,.0f}" for k in keys],
            textposition="auto",
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    return _layout(fig, height=240, title="Expected vs found matching pairs")


def cluster_sizes(sizes: pd.Series) -> go.Figure:
    """How many customers have 1, 2, … source records."""
    counts = sizes.value_counts().sort_index()
    fig = go.Figure(
        go.Bar(
            x=[str(k) for k in counts.index],
            y=counts.tolist(),
            marker_color=BLUE,
            hovertemplate="%{y} customers with %{x} records<extra></extra>",
        )
    )
    fig.update_xaxes(title="records per customer", type="category")
    fig.update_yaxes(title="customers", type="log", dtick=1)
    return _layout(fig, height=300, title="Cluster size distribution")


def waterfall(terms: pd.DataFrame, title: str, threshold: float | None = None) -> go.Figure:
    """Weight waterfall: prior, one bar per comparison, the total match weight.

    Comparisons that were null for the pair (a value missing on either side) add nothing
    and are left out of the chart.
    """
    terms = terms[terms["level"] != "null"]
    x = [
        t if not lv else f"{t}: {lv}"
        for t, lv in zip(terms["comparison"], terms["level"], strict=True)
    ]
    y = _r(terms["weight"], 3)
    total = float(terms["weight"].sum())
    fig = go.Figure(
        go.Waterfall(
            x=[*x, "match weight"],
            y=[*y, round(total, 3)],
            measure=["relative"] * len(y) + ["total"],
            increasing={"marker": {"color": GREEN}},
            decreasing={"marker": {"color": RED}},
            totals={"marker": {"color": BLUE}},
            connector={"line": {"color": GREY, "width": 1}},
            hovertemplate="%{x}: %{y:+.2f}<extra></extra>",
        )
    )
    if threshold is not None:
        fig.add_hline(
            y=round(threshold_weight(threshold), 3),
            line_dash="dash",
            line_color=RED,
            annotation_text="threshold",
            annotation_position="top left",
        )
    fig.update_yaxes(title="match weight")
    fig.update_xaxes(tickangle=-35, automargin=True)
    return _layout(fig, height=360, title=title)


def cluster_graph(
    nodes: list[str],
    edges: pd.DataFrame,
    threshold: float,
    *,
    labels: dict[str, str] | None = None,
    sources: list[str] | None = None,
    title: str = "",
) -> go.Figure:
    """Records of one cluster as a graph; edges are candidate pairs (solid when linked).

    ``edges`` has columns ``left``, ``right`` (node names), ``match_weight`` and
    ``match_probability``. Nodes are coloured by source, in the order of ``sources``
    (all sources of the resolution, so a source keeps its colour across graphs).
    """
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    for row in edges.to_dict("records"):
        graph.add_edge(
            row["left"],
            row["right"],
            weight=float(row["match_weight"]),
            p=float(row["match_probability"]),
        )
    # Kamada-Kawai spreads chains and stars more evenly than a spring layout, but its
    # cost grows fast with the number of nodes; big clusters get the spring layout
    if len(nodes) <= 2:
        pos = nx.circular_layout(graph)
    elif len(nodes) <= KAMADA_KAWAI_MAX_NODES:
        pos = nx.kamada_kawai_layout(graph, weight=None)
    else:
        pos = nx.spring_layout(graph, weight=None, seed=7)
    fig = go.Figure()
    for linked, colour, dash, name in (
        (True, BLUE, "solid", "linked"),
        (False, GREY, "dot", "below threshold"),
    ):
        xs: list[float | None] = []
        ys: list[float | None] = []
        mx, my, mt = [], [], []
        for a, b, d in graph.edges(data=True):
            if (d["p"] >= threshold) != linked:
                continue
            xs += [float(pos[a][0]), float(pos[b][0]), None]
            ys += [float(pos[a][1]), float(pos[b][1]), None]
            mx.append(round(float(pos[a][0] + pos[b][0]) / 2, 4))
            my.append(round(float(pos[a][1] + pos[b][1]) / 2, 4))
            mt.append(f"{d['weight']:.1f}")
        if not mx:
            continue
        fig.add_trace(
            go.Scatter(
                x=_r(xs),
                y=_r(ys),
                mode="lines",
                line={"color": colour, "dash": dash, "width": 2},
                hoverinfo="skip",
                name=name,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=mx,
                y=my,
                mode="text",
                text=mt,
                textfont={"size": 10, "color": colour},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    labels = labels or {}
    by_source: dict[str, list[str]] = {}
    for n in nodes:
        by_source.setdefault(n.split(":", 1)[0], []).append(n)
    order = {s: k for k, s in enumerate(sources or sorted(by_source))}
    for source, members in sorted(by_source.items()):
        k = order.get(source, len(order))
        fig.add_trace(
            go.Scatter(
                x=_r([pos[n][0] for n in members]),
                y=_r([pos[n][1] for n in members]),
                mode="markers+text",
                text=[n.split(":", 1)[1] for n in members],
                textposition="top center",
                textfont={"size": 9},
                hovertext=[f"{n}<br>{labels.get(n, '')}" for n in members],
                hoverinfo="text",
                marker={
                    "size": 13,
                    "color": PALETTE[k % len(PALETTE)],
                    "line": {"color": "white", "width": 1},
                },
                name=source,
            )
        )
    xs_all = [float(pos[n][0]) for n in nodes]
    ys_all = [float(pos[n][1]) for n in nodes]
    pad = 0.35
    fig.update_xaxes(visible=False, range=[min(xs_all) - pad, max(xs_all) + pad])
    fig.update_yaxes(visible=False, range=[min(ys_all) - 0.2, max(ys_all) + 0.25])
    fig.update_layout(legend={"orientation": "h", "y": -0.05})
    return _layout(fig, height=420, title=title or None)
