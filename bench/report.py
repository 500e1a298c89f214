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


def _table(header: list[str], rows: list[list[str]], first_width: int = 32) -> list[str]:
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h)
              for k, h in enumerate(header)]
    widths[0] = max(widths[0], first_width)

    def line(cells):
        return "  ".join(c.ljust(widths[0]) if k == 0 else c.rjust(widths[k])
                         for k, c in enumerate(cells))

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
    fig.legend(seen.values(), seen.keys(), loc="lower center", ncol=len(seen), fontsize=8)
    quick = " (--quick: small sizes)" if results.get("quick") else ""
    if results.get("threads"):
        quick += f", every framework on {results['threads']} thread(s)"
    fig.suptitle(f"srcgrad's speedup over each peer{quick}; hatched: disagrees with srcgrad\n"
                 f"{results['machine_lines'][0].split(';')[0]}", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    fig.savefig(path, dpi=120)
    plt.close(fig)
