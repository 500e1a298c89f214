"""The printed tables and the PNG chart, from the results `python -m bench`
collects (the same dict it writes as JSON)."""

from __future__ import annotations


def fmt_time(seconds) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f}us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f}ms"
    return f"{seconds:.2f}s"


class Footnotes:
    """Numbered footnotes, one number per distinct text."""

    def __init__(self):
        self.texts: list[str] = []

    def mark(self, text: str | None) -> str:
        if not text:
            return ""
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"

    def lines(self) -> list[str]:
        return [f"  [{k}] {text}" for k, text in enumerate(self.texts, 1)]


def _peer_cell(peer: dict | None, srcgrad_s, notes: Footnotes, speedup: bool) -> str:
    if peer is None:
        return "-"
    status = peer.get("status")
    if status == "n/a":
        return "n/a" + notes.mark(f"{peer['peer']}: n/a: {peer['reason']}")
    mark = ""
    if status == "disagree":
        mark = notes.mark(f"{peer['peer']}: DISAGREES with srcgrad: relative error "
                          f"{peer['rel_error']:.1e} (timed all the same)") + "!"
    if peer.get("note"):
        mark += notes.mark(f"{peer['peer']}: {peer['note']}")
    if peer.get("samples") == 0:
        mark += notes.mark("one call only, the first: it took over 30 s (and over --budget), "
                           "so it was not repeated")
    if speedup:
        if not srcgrad_s:
            return "-"
        return f"{peer['median_s'] / srcgrad_s:.1f}x{mark}"
    return f"{fmt_time(peer['median_s'])}{mark}"


def _table(header: list[str], rows: list[list[str]], first_width: int = 32,
           left: tuple[int, ...] = (0,)) -> list[str]:
    """Columns padded to their widest cell; those in `left` left-aligned, the
    others right-aligned."""
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h)
              for k, h in enumerate(header)]
    widths[0] = max(widths[0], first_width)

    def line(cells):
        return "  ".join(c.ljust(widths[k]) if k in left else c.rjust(widths[k])
                         for k, c in enumerate(cells)).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *map(line, rows)]


def case_tables(records: list[dict], columns: list[str], notes: Footnotes,
                first_calls: dict | None, title: str) -> list[str]:
    out = [title, ""]
    header = ["case", "primal", "srcgrad", "grad/primal"]
    if first_calls is not None:
        header += ["1st call fresh", "1st call cold", "1st call warm", "njit compile"]
    rows = []
    for r in records:
        sg = r.get("srcgrad", {})
        if sg.get("status") != "ok":
            reason = sg.get("reason", "no result")
            row = [r["case"], "-", "FAILED" + notes.mark(f"srcgrad on '{r['case']}': {reason}"), "-"]
        elif "median_s" not in r.get("primal", {}):
            reason = r.get("primal", {}).get("reason", "no result")
            row = [r["case"], "FAILED" + notes.mark(f"primal of '{r['case']}': {reason}"),
                   fmt_time(sg["median_s"]), "-"]
        else:
            row = [r["case"], fmt_time(r["primal"]["median_s"]), fmt_time(sg["median_s"]),
                   f"{r['ratio']:.2f}"]
        if first_calls is not None:
            fc = first_calls.get(r["case"], {})
            fresh, cold, warm = fc.get("fresh"), fc.get("cold"), fc.get("warm")
            primal = fc.get("primal")
            row += [f"{fresh['first_call_s']:.2f}s" if fresh else "-",
                    f"{cold['first_call_s']:.2f}s" if cold else "-",
                    f"{warm['first_call_s']:.2f}s" if warm else "-",
                    f"{primal['primal_compile_s']:.2f}s" if primal else "-"]
        rows.append(row)
    out += _table(header, rows)
    for speedup in (False, True):
        out += ["", "srcgrad's speedup over each peer (peer's time / srcgrad's time):"
                if speedup else "gradient times, median after warm-up:"]
        header = ["case"] + ([] if speedup else ["srcgrad"]) + columns
        rows = []
        for r in records:
            sg = r.get("srcgrad", {})
            sg_s = sg.get("median_s") if sg.get("status") == "ok" else None
            row = [r["case"]] + ([] if speedup else [fmt_time(sg_s) if sg_s else "FAILED"])
            row += [_peer_cell(r.get("peers", {}).get(c), sg_s, notes, speedup) for c in columns]
            rows.append(row)
        out += _table(header, rows)
    return out


def render(results: dict) -> str:
    notes = Footnotes()
    out = [f"srcgrad benchmark: {results['command']}", ""]
    out += [f"machine: {line}" for line in results["machine_lines"]]
    if results.get("srcgrad_changed"):
        out.append("WARNING: srcgrad's sources changed while this benchmark ran: the cases "
                   "measured before and after the change ran different versions of srcgrad.")
    out.append("")
    columns = results["columns"]
    records = results["cases"]
    first_calls = results.get("first_calls")
    out += case_tables(records, columns, notes, first_calls,
                       "Times as measured (glibc malloc's default thresholds):")
    if first_calls:
        startups = [fc["cold"]["numba_startup_s"] for fc in first_calls.values() if fc.get("cold")]
        imports = [fc["cold"]["import_s"] for fc in first_calls.values() if fc.get("cold")]
        transforms = [fc["cold"]["transform_s"] for fc in first_calls.values() if fc.get("cold")]
        if startups:
            startups.sort()
            imports.sort()
            out += ["", "1st call: srcgrad's transformation + Numba compilation, each in a "
                    "fresh process, on the small inputs (fresh: nothing cached, as the first "
                    "use of srcgrad on a machine; cold: a function never compiled before, "
                    "srcgrad's own functions compiled by an earlier process; warm: a second "
                    "process, everything cached); not included: `import numba, srcgrad` "
                    f"(median {imports[len(imports) // 2]:.2f}s) and Numba's one-time start-up "
                    f"in a process, measured as compiling a trivial njit function first "
                    f"(median {startups[len(startups) // 2]:.2f}s, range "
                    f"{startups[0]:.2f}-{startups[-1]:.2f}s). The transformation alone: "
                    f"{min(transforms):.2f}-{max(transforms):.2f}s. njit compile: numba.njit's "
                    "first call of the primal in a fresh process, for comparison."]
        for name, fc in first_calls.items():
            if fc.get("error"):
                out.append("  " + notes.mark(f"first call of '{name}': {fc['error']}")
                           + f" first call of {name} failed")
    tuned = results.get("tuned_cases")
    if tuned:
        out += [""] + case_tables(
            tuned, columns, notes, None,
            "With MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456 (every "
            "framework in the same process, see bench/__main__.py):")
    memory = results.get("memory")
    if memory:
        out += ["", f"Peak memory of one gradient of the Euler loop, {memory['steps']:,} steps "
                "(x0, k), each in a fresh process: the peak RSS (VmHWM, the counter behind "
                "ru_maxrss) after the call minus before it, the peak reset just before with "
                "/proc/self/clear_refs (see bench/memory.py); the values a reverse sweep needs are "
                f"{memory['steps'] * 8 / 2**20:.1f} MiB (one float64 per step)."]
        rows = []
        for peer, m in memory["peers"].items():
            if m.get("error"):
                rows.append([peer, "n/a" + notes.mark(f"memory, {peer}: {m['error']}"), "-", "-"])
            else:
                rows.append([peer, f"{m['delta_mb']:.1f} MiB", fmt_time(m["time_s"]),
                             "yes" if m["reset"] else "no (ru_maxrss)"])
        out += _table(["framework", "extra peak RSS", "call time", "peak reset"], rows, 12)
    if notes.texts:
        out += ["", "Notes:"] + notes.lines()
    return "\n".join(out)


def chart(results: dict, path: str) -> None:
    """srcgrad's speedup over each peer per case, log scale, one panel per
    malloc setting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    panels = [("as measured", results["cases"])]
    if results.get("tuned_cases"):
        panels.append(("malloc thresholds 256 MiB", results["tuned_cases"]))
    columns = results["columns"]
    cases = [r["case"] for r in results["cases"]]
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5 * len(panels), 0.55 * len(cases) + 2),
                             sharex=True, sharey=True, squeeze=False)
    height = 0.8 / max(1, len(columns))
    colors = plt.get_cmap("tab10")
    for ax, (title, records) in zip(axes[0], panels):
        by_case = {r["case"]: r for r in records}
        y = np.arange(len(cases))
        for k, column in enumerate(columns):
            for i, name in enumerate(cases):
                r = by_case.get(name, {})
                sg = r.get("srcgrad", {})
                peer = r.get("peers", {}).get(column)
                pos = y[i] + (k - (len(columns) - 1) / 2) * height
                if sg.get("status") != "ok" or not peer or peer.get("status") == "n/a":
                    ax.text(1.0, pos, " n/a", va="center", fontsize=6, color=colors(k))
                    continue
                value = peer["median_s"] / sg["median_s"]
                ax.barh(pos, value, height=height, color=colors(k),
                        hatch="//" if peer["status"] == "disagree" else None,
                        label=column if i == 0 else None)
                label = f" {value:,.0f}x" if value >= 10 else f" {value:.2g}x"
                ax.text(value, pos, label, va="center", fontsize=5)
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yticks(y)
        ax.set_yticklabels(cases, fontsize=8)
        ax.set_xlabel("peer's gradient time / srcgrad's (>1: srcgrad faster)")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", which="both", alpha=0.3)
    axes[0][0].invert_yaxis()  # the first case on top (the axes share y: once)
    handles, labels = axes[0][0].get_legend_handles_labels()
    seen = dict(zip(labels, handles))
    if seen:  # none with --peers ''
        fig.legend(seen.values(), seen.keys(), loc="lower center", ncol=len(seen), fontsize=8)
    quick = " (--quick: small sizes)" if results.get("quick") else ""
    if results.get("threads"):
        quick += f", every framework on {results['threads']} thread(s)"
    fig.suptitle(f"srcgrad's speedup over each peer{quick}; hatched: disagrees with srcgrad\n"
                 f"{results['machine_lines'][0].split(';')[0]}", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- the kernel suite (python -m bench --suite kernels) ---------------------


def kernel_rows(results: dict) -> list[dict]:
    """One dict per kernel: the times and ratios (None where not measured) and
    its status: ok, refused, wrong (failed the finite-difference check),
    error or timeout, with the reason."""
    first_calls = results.get("first_calls") or {}
    rows = []
    for r in results["cases"]:
        sg = r.get("srcgrad", {})
        check = r.get("check", {})
        status = sg.get("status", "error")
        if status == "error" and check.get("status") == "wrong":
            status = "wrong"
        row = {"kernel": r["case"], "family": r.get("family", ""), "size": r.get("size", ""),
               "status": status, "reason": sg.get("reason"), "primal_s": None, "grad_s": None,
               "ratio": None, "primal_first_s": None, "grad_first_s": None,
               "first_ratio": None, "first_note": None, "tuned_ratio": None}
        if status == "ok":
            row["grad_s"] = sg["median_s"]
            if "median_s" in r.get("primal", {}):
                row["primal_s"] = r["primal"]["median_s"]
                row["ratio"] = row["grad_s"] / row["primal_s"]
            tuned = r.get("tuned_times", {})
            if "median_s" in tuned.get("srcgrad", {}) and "median_s" in tuned.get("primal", {}):
                row["tuned_ratio"] = tuned["srcgrad"]["median_s"] / tuned["primal"]["median_s"]
        fc = first_calls.get(r["case"], {})
        primal, cold = fc.get("primal", {}), fc.get("cold", {})
        if primal.get("status") == "ok":
            row["primal_first_s"] = primal["primal_compile_s"]
        if cold.get("status") == "ok":
            row["grad_first_s"] = cold["first_call_s"]
        notes = [f"{which}: {p['status']}" + (f" after {p['timeout_s']:g} s"
                                               if p["status"] == "timeout" else
                                               f" ({p.get('reason')})")
                 for which, p in (("njit first call", primal), ("srcgrad first call", cold))
                 if p and p.get("status") != "ok"]
        row["first_note"] = "; ".join(notes) or None
        if row["grad_first_s"] is not None and row["primal_first_s"]:
            row["first_ratio"] = row["grad_first_s"] / row["primal_first_s"]
        rows.append(row)
    return rows


def distribution(values: list[float]) -> dict | None:
    if not values:
        return None
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    return {"n": int(v.size), "median": float(np.median(v)),
            "p90": float(np.percentile(v, 90)), "max": float(v.max())}


def render_kernels(results: dict) -> str:
    notes = Footnotes()
    out = [f"srcgrad kernel suite: {results['command']}", ""]
    out += [f"machine: {line}" for line in results["machine_lines"]]
    if results.get("srcgrad_changed"):
        out.append("WARNING: srcgrad's sources changed while this benchmark ran.")
    out += ["", "Per kernel: primal = numba.njit, gradient = srcgrad target=\"cpu\", medians after "
            "warm-up; 1st call = compile + first call in a fresh process on the small inputs "
            "(numba.njit of the primal; srcgrad's transformation + Numba compilation of the "
            "adjoint with srcgrad's own helpers already cached, 'cold'), Numba's start-up and "
            "the imports not included.", ""]
    rows = kernel_rows(results)
    tuned = any(r["tuned_ratio"] is not None for r in rows)
    if tuned:
        out.insert(-1, "tuned: the same ratio in processes started with glibc's malloc told "
                       "to keep freed memory (--malloc-tuned: " + ", ".join(
                           f"{k}={v}" for k, v in results.get("malloc_tuning", {}).items()) + ").")
    table = []
    for row in rows:
        if row["status"] == "ok":
            time_cells = [fmt_time(row["primal_s"]), fmt_time(row["grad_s"]),
                          f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"]
        else:
            label = {"refused": "REFUSED", "wrong": "WRONG", "timeout": "timeout"}.get(
                row["status"], "FAILED")
            time_cells = ["-", label + notes.mark(f"{row['kernel']}: {row['reason']}"), "-"]
        if tuned:
            time_cells.append(f"{row['tuned_ratio']:.2f}" if row["tuned_ratio"] is not None else "-")
        mark = notes.mark(f"{row['kernel']}: {row['first_note']}") if row["first_note"] else ""
        first_cells = [
            f"{row['primal_first_s']:.2f}s" if row["primal_first_s"] is not None else "-",
            (f"{row['grad_first_s']:.2f}s" if row["grad_first_s"] is not None else "-") + mark,
            f"{row['first_ratio']:.2f}" if row["first_ratio"] is not None else "-"]
        table.append([row["kernel"], row["family"], *time_cells, *first_cells, row["size"]])
    out += _table(["kernel", "family", "primal", "gradient", "grad/primal",
                   *(["tuned"] if tuned else []), "njit 1st", "srcgrad 1st", "1st ratio", "size"],
                  table, 20, left=(0, 1, 10 if tuned else 9))
    dist = {"time_ratio": distribution([r["ratio"] for r in rows if r["ratio"] is not None]),
            "first_call_ratio": distribution([r["first_ratio"] for r in rows
                                              if r["first_ratio"] is not None])}
    measures = [("gradient / primal time", "time_ratio", "ratio")]
    if tuned:
        dist["tuned_time_ratio"] = distribution([r["tuned_ratio"] for r in rows
                                                 if r["tuned_ratio"] is not None])
        measures.append(("the same, malloc tuned", "tuned_time_ratio", "tuned_ratio"))
    measures.append(("srcgrad / njit first call", "first_call_ratio", "first_ratio"))
    results["distribution"] = dist
    out += ["", "Distribution over the kernels measured:"]
    drows = []
    for label, key, by in measures:
        d = dist[key]
        if d is None:
            drows.append([label, "0", "-", "-", "-", "-"])
            continue
        worst = max((r for r in rows if r[by] is not None), key=lambda r: r[by])["kernel"]
        drows.append([label, str(d["n"]), f"{d['median']:.2f}", f"{d['p90']:.2f}",
                      f"{d['max']:.2f}", worst])
    out += _table(["ratio", "kernels", "median", "90th pct", "max", "max at"], drows, 26)
    failed = [r for r in rows if r["status"] != "ok"]
    out += ["", f"{len(rows)} kernels: {len(rows) - len(failed)} timed"
            + (", " + ", ".join(f"{sum(r['status'] == s for r in failed)} {s}"
                                for s in sorted({r["status"] for r in failed})) if failed else "")]
    if notes.texts:
        out += ["", "Notes:"] + notes.lines()
    return "\n".join(out)


def chart_kernels(results: dict, path: str) -> None:
    """Two panels: gradient/primal time and srcgrad/njit first call per kernel,
    each sorted, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = kernel_rows(results)
    panels = [("gradient time / primal time", "ratio"),
              ("srcgrad first call / numba.njit first call", "first_ratio")]
    n = max(1, len(rows))
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.22 * n + 2.2), squeeze=False)
    for ax, (title, key) in zip(axes[0], panels):
        measured = sorted((r for r in rows if r[key] is not None), key=lambda r: r[key])
        names = [r["kernel"] for r in measured]
        values = [r[key] for r in measured]
        ax.barh(range(len(values)), values, color="tab:blue" if key == "ratio" else "tab:orange")
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.2f}", va="center", fontsize=6)
        ax.set_yticks(range(len(values)))
        ax.set_yticklabels(names, fontsize=7)
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        d = distribution(values)
        if d:
            ax.axvline(d["median"], color="gray", linestyle="--", linewidth=0.8)
            title += f"\nmedian {d['median']:.2f}, 90th pct {d['p90']:.2f}, max {d['max']:.2f}"
        missing = [f"{r['kernel']} ({r['status']})" for r in rows if r[key] is None]
        if missing:
            ax.set_xlabel("not measured: " + ", ".join(missing), fontsize=6, wrap=True)
        ax.set_title(title, fontsize=9)
        ax.grid(axis="x", which="both", alpha=0.3)
    quick = " (--quick: small sizes)" if results.get("quick") else ""
    fig.suptitle(f"srcgrad kernel suite{quick}: {results['machine_lines'][0].split(';')[0]}",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=120)
    plt.close(fig)
