"""``report.html``: one self-contained data-quality and match-review report.

The report is built from the files a resolution writes (``crosswalk.csv``,
``golden.csv``, ``lineage.csv``, ``pairs.parquet``, ``quality.csv``,
``report.json``), so the same report comes out of ``custmdm resolve`` and of
``custmdm report DIR``. Plotly's JavaScript is inlined once; the file opens
offline and fetches nothing. Every personal value is masked
(:mod:`custmdm.report.mask`).

Examples
--------
>>> from custmdm.report.html import write_report
>>> write_report("out/")  # doctest: +SKIP
PosixPath('out/report.html')
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from custmdm.exceptions import CustmdmError
from custmdm.report import analysis, charts
from custmdm.report.mask import PERSONAL_FIELDS, mask_text, mask_value
from custmdm.report.profile import Review, report_extras, review_keys

if TYPE_CHECKING:
    from custmdm.pipeline import ResolutionResult

__all__ = ["REPORT_FILE", "ReportData", "build_report", "write_report"]

REPORT_FILE = "report.html"

_REQUIRED = ("crosswalk.csv", "golden.csv", "lineage.csv", "quality.csv", "report.json")


@dataclass
class ReportData:
    """The output tables a report is drawn from."""

    crosswalk: pd.DataFrame
    golden: pd.DataFrame
    lineage: pd.DataFrame
    pairs: pd.DataFrame
    quality: pd.DataFrame
    report: dict[str, Any]
    #: :func:`review_keys` of these tables, when already computed (a result computes it
    #: once for the profile's review records and the cluster section)
    review: Review | None = field(default=None, repr=False)

    @classmethod
    def from_dir(cls, path: str | Path) -> ReportData:
        """Read the outputs of ``custmdm resolve`` from a folder."""
        folder = Path(path)
        missing = [name for name in _REQUIRED if not (folder / name).is_file()]
        if missing:
            msg = (
                f"{folder} is not a custmdm output folder: missing {', '.join(missing)}; "
                "run 'custmdm resolve CONFIG --out DIR' first"
            )
            raise CustmdmError(msg)

        def csv(name: str) -> pd.DataFrame:
            return pd.read_csv(folder / name, dtype=str, keep_default_na=False).replace("", None)

        pairs_path = folder / "pairs.parquet"
        pairs = pd.read_parquet(pairs_path) if pairs_path.is_file() else _no_pairs()
        for col in ("left_source", "left_record_id", "right_source", "right_record_id"):
            pairs[col] = pairs[col].astype(str)
        return cls(
            crosswalk=csv("crosswalk.csv"),
            golden=csv("golden.csv"),
            lineage=csv("lineage.csv"),
            pairs=pairs,
            quality=csv("quality.csv"),
            report=json.loads((folder / "report.json").read_text(encoding="utf-8")),
        )

    @classmethod
    def from_result(cls, result: ResolutionResult) -> ReportData:
        """Take the tables of an in-memory result (adding the masked source profile)."""
        report = dict(result.report)

        def text(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.astype(object).where(frame.notna(), None)

        pairs = result.pairs.copy()
        for col in ("left_source", "left_record_id", "right_source", "right_record_id"):
            pairs[col] = pairs[col].astype(str)
        crosswalk = result.crosswalk.astype(str)
        review = review_keys(crosswalk, pairs, float(report["threshold"]))
        if "sources" not in report or "review_records" not in report:
            report.update(report_extras(result, review))
        return cls(
            crosswalk=crosswalk,
            golden=text(result.golden),
            lineage=text(result.lineage),
            pairs=pairs,
            quality=result.quality.astype(str),
            report=report,
            review=review,
        )


def _no_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "left_source": pd.Series(dtype=object),
            "left_record_id": pd.Series(dtype=object),
            "right_source": pd.Series(dtype=object),
            "right_record_id": pd.Series(dtype=object),
            "match_weight": pd.Series(dtype=float),
            "match_probability": pd.Series(dtype=float),
        }
    )


# -- HTML helpers ----------------------------------------------------------------------


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: Iterable[str], rows: Iterable[Iterable[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


class _Figures:
    """Turns figures into divs; plotly.js goes inline into the first one only."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig: go.Figure) -> str:
        self.count += 1
        div = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=self.count == 1,
            include_mathjax=False,
            div_id=f"chart-{self.count}",
            config={"displaylogo": False, "responsive": True},
            default_width="100%",
        )
        return f'<div class="chart">{div}</div>'


_CSS = """
:root{--ink:#1a202c;--muted:#4a5568;--line:#e2e8f0;--bg:#f7fafc;--accent:#2b6cb0}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#1a365d;color:#fff;padding:18px 28px 12px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#cbd5e0}
nav{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid var(--line);padding:8px 28px}
nav a{margin-right:18px;color:var(--accent);text-decoration:none;font-weight:600}
main{padding:0 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}
h2{margin:0 0 8px;font-size:19px}
h3{margin:18px 0 6px;font-size:15px}
p.note{color:var(--muted);margin:4px 0 10px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(135px,1fr));gap:10px;margin-top:14px}
.kpi{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.kpi b{display:block;font-size:22px}
.kpi span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td{font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.warn{background:#fffaf0;border-left:4px solid #dd6b20;padding:6px 10px;margin:6px 0}
.chart{min-height:120px}
.tag{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600}
.above{background:#c6f6d5;color:#22543d}.below{background:#fed7d7;color:#742a2a}
footer{color:var(--muted);padding:0 28px 30px}
"""


# charts are drawn while the page is parsed, before a grid knows all its items; size
# them again once everything is laid out
_RESIZE = (
    "<script>window.addEventListener('load',function(){if(window.Plotly){"
    "document.querySelectorAll('.plotly-graph-div').forEach(function(d){"
    "window.Plotly.Plots.resize(d);});}});</script>"
)


# -- sections --------------------------------------------------------------------------


def _overview(data: ReportData) -> str:
    c = data.report["counts"]
    model = data.report["model"]
    kpis = [
        (f"{c['records']:,}", "source records"),
        (f"{len(c['records_per_source'])}", "sources"),
        (f"{c['customers']:,}", "customers (golden records)"),
        (f"{c['candidate_pairs']:,}", "candidate pairs compared"),
        (f"{c['linked_pairs']:,}", "pairs linked"),
        (f"{data.report.get('exclusive_joins', 0):,}", "clusters joined as exclusive partners"),
        (f"{data.report['threshold']:g}", "match probability threshold"),
        (f"{c['largest_cluster']}", "records in the largest cluster"),
        (f"{sum(c.get('quality_flags', {}).values()):,}", "quality flags"),
    ]
    cards = "".join(f'<div class="kpi"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in kpis)
    warnings = [*model["diagnostics"].get("warnings", [])]
    warnings += [
        f"generic {g['key']} value {g['value']} shared by {g['records']} records is never used "
        "as a blocking key"
        for g in data.report.get("generic_values", [])
    ]
    warnings += [
        f"an over-merged cluster of {s['size']} records was split into {s['pieces']} pieces"
        for s in data.report.get("clusters_split", [])
    ]
    warn = "".join(f'<div class="warn">{_e(w)}</div>' for w in warnings)
    return f'<div class="kpis">{cards}</div>{warn}'


def _sources(data: ReportData, fig: _Figures) -> str:
    profile = data.report.get("sources")
    parts = ['<section id="sources"><h2>Sources</h2>']
    if not profile:
        parts.append(
            '<p class="note">This output folder has no per-source profile in report.json '
            "(it was written before reports existed); run 'custmdm resolve' again for "
            "completeness and validity. Records and quality flags per source:</p>"
        )
        q = data.quality
        counts = q.groupby(["source", "field", "reason"]).size().reset_index(name="records")
        parts.append(
            _table(
                ["source", "records"],
                data.report["counts"]["records_per_source"].items(),
            )
        )
        parts.append(
            _table(["source", "field", "reason", "records"], counts.itertuples(index=False))
        )
        parts.append("</section>")
        return "".join(parts)
    parts.append(
        '<p class="note">How clean each departmental table is: the share of records that have '
        "each mapped field, the share of those values the normalisers accepted, and the "
        "flags they raised. Examples show the first records of each source, masked.</p>"
    )
    parts.append(fig(charts.completeness_heatmap(profile)))
    parts.append(fig(charts.flags_bar(profile)))
    parts.append('<div class="grid">')
    for src in profile:
        parts.append(f'<div class="card"><h3>{_e(src["source"])} · {src["records"]:,} records</h3>')
        parts.append(
            _table(
                ["field", "filled", "completeness", "valid", "validity", "flags"],
                (
                    [
                        f["field"],
                        f"{f['filled']:,}",
                        _pct(f["completeness"]),
                        f"{f['valid']:,}",
                        _pct(f["validity"]),
                        f["flags"],
                    ]
                    for f in src["fields"]
                ),
            )
        )
        if src["flags"]:
            flag_rows: list[tuple[str, int]] = sorted(
                src["flags"].items(), key=lambda kv: (-kv[1], kv[0])
            )
            parts.append(_table(["quality flag (field: reason)", "records"], flag_rows))
        if src["examples"]:
            cols = list(src["examples"][0])
            parts.append(
                '<p class="note">Masked examples</p>'
                + _table(cols, ([ex.get(c, "") for c in cols] for ex in src["examples"]))
            )
        parts.append("</div>")
    parts.append("</div></section>")
    return "".join(parts)


def _overlap(data: ReportData, fig: _Figures) -> str:
    ov = analysis.overlap(data.crosswalk)
    n = max(ov["customers"], 1)
    one = ov["systems"].get(1, 0)
    rows = sorted(ov["pairs"], key=lambda r: (-r["shared"], r["source_a"], r["source_b"]))
    return (
        '<section id="overlap"><h2>Cross-department overlap</h2>'
        '<p class="note">Does another department already serve this client? '
        f"{ov['customers'] - one:,} of {ov['customers']:,} customers ({_pct((ov['customers'] - one) / n)}) "
        f"are known to more than one system; {one:,} ({_pct(one / n)}) appear in only one.</p>"
        + '<div class="grid">'
        + fig(charts.overlap_heatmap(ov))
        + fig(charts.overlap_only_bar(ov))
        + "</div>"
        + fig(charts.systems_bar(ov))
        + "<h3>Pairs of sources</h3>"
        + _table(
            ["source", "source", "shared customers", "share of the smaller source"],
            (
                [r["source_a"], r["source_b"], f"{r['shared']:,}", _pct(r["share_of_smaller"])]
                for r in rows
            ),
        )
        + "</section>"
    )


def _model(data: ReportData, fig: _Figures) -> str:
    model = data.report["model"]
    threshold = float(data.report["threshold"])
    evf = analysis.expected_vs_found(data.pairs, data.crosswalk, data.report)
    diag = model["diagnostics"]
    prior = float(model["prior_match_probability"])
    level_rows = [
        [
            comp["comparison"]["name"],
            lv["label"],
            f"{lv['m']:.4f}",
            f"{lv['u']:.6f}",
            f"{lv['weight']:+.2f}",
        ]
        for comp in model["comparisons"]
        for lv in comp["levels"]
    ]
    sessions = [
        [
            s["rule"],
            f"{s['pairs']:,}",
            f"{s['estimated_matches']:,.1f}",
            s["iterations"],
            "yes" if s["converged"] else "no",
        ]
        for s in diag.get("sessions", [])
    ]
    return (
        '<section id="model"><h2>The model</h2>'
        '<p class="note">A Fellegi–Sunter model trained without labels (EM per blocking rule). '
        "m is how often a level occurs among records of the same customer, u among records of "
        "different customers; the match weight log2(m/u) is what the level adds to a pair's "
        f"score. Prior match probability {prior:.3g}; EM {diag.get('iterations', '?')} iterations, "
        f"{'converged' if diag.get('converged') else 'not converged'}.</p>"
        + fig(charts.model_levels(model))
        + '<div class="grid">'
        + fig(charts.weight_histogram(data.pairs["match_weight"].to_numpy(), threshold))
        + fig(charts.expected_vs_found_bar(evf))
        + "</div>"
        + "<h3>m and u per comparison level</h3>"
        + _table(["comparison", "level", "m", "u", "match weight"], level_rows)
        + "<h3>Training sessions (one per blocking rule)</h3>"
        + _table(
            ["blocking rule", "pairs", "matches EM estimated", "iterations", "converged"], sessions
        )
        + "</section>"
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _record_cell(source: str, record_id: str, records: dict[str, dict[str, str]]) -> str:
    key = analysis.pair_key(source, record_id)
    return f"{key}  {_record_line(key, records)}"


def _record_line(key: str, records: dict[str, dict[str, str]]) -> str:
    values = records.get(key, {})
    return " · ".join(v for v in values.values() if v)


def _cluster_figure(data: ReportData, customer_id: str, title: str) -> go.Figure:
    members = data.crosswalk[data.crosswalk["customer_id"] == customer_id]
    nodes = [
        analysis.pair_key(s, r)
        for s, r in zip(members["source"], members["record_id"], strict=True)
    ]
    node_set = set(nodes)
    ids = set(members["record_id"])
    p = data.pairs
    p = p[p["left_record_id"].isin(ids) & p["right_record_id"].isin(ids)]
    left = [
        analysis.pair_key(s, r) for s, r in zip(p["left_source"], p["left_record_id"], strict=True)
    ]
    right = [
        analysis.pair_key(s, r)
        for s, r in zip(p["right_source"], p["right_record_id"], strict=True)
    ]
    edges = pd.DataFrame(
        {
            "left": left,
            "right": right,
            "match_weight": p["match_weight"].to_numpy(),
            "match_probability": p["match_probability"].to_numpy(),
        }
    )
    edges = edges[edges["left"].isin(node_set) & edges["right"].isin(node_set)]
    records = data.report.get("review_records", {})
    labels = {n: _record_line(n, records) for n in nodes}
    sources = sorted({str(s) for s in data.crosswalk["source"].unique()})
    return charts.cluster_graph(
        nodes, edges, float(data.report["threshold"]), labels=labels, sources=sources, title=title
    )


def _clusters(data: ReportData, fig: _Figures) -> str:
    threshold = float(data.report["threshold"])
    border, big, loose = (
        data.review
        if data.review is not None
        else review_keys(data.crosswalk, data.pairs, threshold)
    )
    records = data.report.get("review_records", {})
    sizes = data.crosswalk.groupby("customer_id").size()

    def cluster_rows(frame: pd.DataFrame) -> Iterable[list[Any]]:
        for r in _records(frame):
            yield [
                r["customer_id"],
                r["size"],
                str(r["sources"]).replace("|", ", "),
                r["links"],
                _pct(r["density"]),
                "" if pd.isna(r["min_weight"]) else f"{r['min_weight']:.1f}",
            ]

    headers = ["customer", "records", "sources", "links", "density", "weakest link"]
    parts = [
        '<section id="clusters"><h2>Clusters</h2>',
        '<p class="note">Records linked above the threshold form a cluster: one customer. '
        "Density is the share of the cluster's record pairs linked directly; a low density "
        "means a chain held together by a few links, the first place to look for a wrong merge.</p>",
        fig(charts.cluster_sizes(sizes)),
        "<h3>Largest clusters</h3>",
        _table(headers, cluster_rows(big)),
        "<h3>Least cohesive clusters (3 records or more)</h3>",
    ]
    if loose.empty:
        parts.append('<p class="note">No cluster has three records or more.</p>')
    else:
        parts.append(_table(headers, cluster_rows(loose)))
        parts.append('<div class="grid">')
        for cid in loose["customer_id"].head(2):
            parts.append(fig(_cluster_figure(data, cid, f"Cluster {cid}")))
        parts.append("</div>")
    parts.append(
        "<h3>Borderline pairs</h3>"
        f'<p class="note">The candidate pairs whose match weight is nearest to the threshold '
        f"(p = {threshold:g}, weight {analysis.threshold_weight(threshold):.2f}) on either side: "
        "the pairs worth a human look. Each waterfall shows what every comparison added.</p>"
    )
    if border.empty:
        parts.append('<p class="note">No candidate pairs.</p>')
    else:
        parts.append(
            _table(
                ["", "left record", "right record", "weight", "probability"],
                (
                    [
                        "linked" if r["side"] == "above" else "not linked",
                        _record_cell(r["left_source"], r["left_record_id"], records),
                        _record_cell(r["right_source"], r["right_record_id"], records),
                        f"{r['match_weight']:.2f}",
                        f"{r['match_probability']:.3f}",
                    ]
                    for r in _records(border)
                ),
            )
        )
        parts.append('<div class="grid">')
        for _, row in border.iterrows():
            terms = analysis.waterfall_terms(row, data.report["model"])
            title = (
                f"{'linked' if row['side'] == 'above' else 'not linked'}: "
                f"{row['left_source']}:{row['left_record_id']} ↔ {row['right_source']}:{row['right_record_id']}"
            )
            parts.append(fig(charts.waterfall(terms, title, threshold)))
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


def _golden(data: ReportData, n: int = 3) -> str:
    golden = data.golden.copy()
    golden["n_int"] = pd.to_numeric(golden["n_records"], errors="coerce").fillna(0).astype(int)
    golden["n_src"] = golden["sources"].fillna("").str.count(r"\|") + 1
    chosen = golden.sort_values(
        ["n_src", "n_int", "customer_id"], ascending=[False, False, True]
    ).head(n)
    parts = [
        '<section id="golden"><h2>Golden records</h2>',
        '<p class="note">The customers assembled from the most systems, with the lineage of '
        "every attribute: which source record each golden value came from. Values are masked.</p>",
        '<div class="grid">',
    ]
    for row in _records(chosen):
        cid = row["customer_id"]
        lin = data.lineage[data.lineage["customer_id"] == cid]
        rows = [
            [
                r["attribute"],
                mask_value(r["attribute"], r["value"])
                if r["attribute"] in PERSONAL_FIELDS
                else mask_text(r["value"]),
                analysis.pair_key(r["source"], r["record_id"]),
            ]
            for r in _records(lin)
        ]
        parts.append(
            f'<div class="card"><h3>{_e(cid)} · {row["n_int"]} records from '
            f"{_e(str(row['sources']).replace('|', ', '))}</h3>"
            + _table(["attribute", "value (masked)", "from record"], rows)
            + "</div>"
        )
    parts.append("</div></section>")
    return "".join(parts)


def build_report(data: ReportData, *, title: str = "custmdm resolution report") -> str:
    """The report as one HTML string (plotly.js inlined, no external fetch)."""
    fig = _Figures()
    body = [
        _sources(data, fig),
        _overlap(data, fig),
        _model(data, fig),
        _clusters(data, fig),
        _golden(data),
    ]
    version = data.report.get("custmdm_version", "")
    timings = data.report.get("timings", {})
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    timing_text = ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
    nav = "".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("sources", "Sources"),
            ("overlap", "Overlap"),
            ("model", "Model"),
            ("clusters", "Clusters"),
            ("golden", "Golden records"),
        )
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_e(title)}</h1><p>Data quality and match review · custmdm {_e(version)} · "
        f"{_e(stamp)} · personal values are masked</p></header>"
        f"<nav>{nav}</nav><main>{_overview(data)}{''.join(body)}</main>"
        f"<footer>Stage timings: {_e(timing_text)}</footer>{_RESIZE}</body></html>"
    )


def write_report(out_dir: str | Path, *, result: ResolutionResult | None = None) -> Path:
    """Write ``report.html`` into an output folder and return its path.

    With ``result`` the report is drawn from memory, and the masked per-source profile
    it needs is also added to the folder's ``report.json`` so that ``custmdm report DIR``
    can draw the same report later; without, everything is read from the folder.
    """
    out = Path(out_dir)
    if result is not None:
        data = ReportData.from_result(result)
        path = out / "report.json"
        if path.is_file():
            stored = json.loads(path.read_text(encoding="utf-8"))
            stored.update({k: data.report[k] for k in ("sources", "review_records")})
            path.write_text(json.dumps(stored, indent=2, ensure_ascii=False), encoding="utf-8")
    else:
        data = ReportData.from_dir(out)
    target = out / REPORT_FILE
    target.write_text(build_report(data), encoding="utf-8")
    return target
