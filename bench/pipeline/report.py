#!/usr/bin/python3
"""Summarise a pipeline benchmark run (bench/pipeline/run) into JSON and Markdown.

  report.py RUNS_DIR OUT.json RESULTS.md

Reads the raw files of RUNS_DIR, writes every figure to OUT.json, and replaces the generated part
of the pipeline section of RESULTS.md (between the two "pipeline:generated" markers; appended
with a heading when absent). Everything else in RESULTS.md is left as it is.
"""
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_md import KINDS, render  # noqa: E402

BEGIN = "<!-- pipeline:generated:begin (bench/pipeline/report.py rewrites this block) -->"
END = "<!-- pipeline:generated:end -->"
HEADING = "## Pipeline: the real rules and helper in namespaces (`make bench-pipeline`)"


WHOLE_LINE = ("cpu_model", "flood_limits", "latency_limits", "load_at_start")


def read_machine(path):
    """machine.txt: key=value pairs, several to a line; some values hold spaces (WHOLE_LINE)."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            key = line.split("=", 1)[0]
            if key in WHOLE_LINE:
                out[key] = line.split("=", 1)[1]
                continue
            for part in line.split():
                k, _, v = part.partition("=")
                out[k] = v
    return out


def read_words(path):
    """Lines 'key word word...' -> {key: [words]}."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                k, *v = line.split()
                out[k] = v
    return out


def summary_fields(words):
    """A helper summary line (as words) -> counters."""
    out = {}
    for w in words:
        if "=" in w and not w.startswith("("):
            k, v = w.split("=", 1)
            v = v.rstrip(",)")
            if k in ("received", "forwarded", "dropped", "nflog_lost", "send_errors") and v.isdigit():
                out[k] = int(v)
    return out


def delta(after, before):
    return {k: after.get(k, 0) - before.get(k, 0) for k in after}


def counters(path):
    with open(path) as f:
        data = json.load(f)
    return {c["counter"]["name"]: c["counter"]["packets"]
            for c in data.get("nftables", []) if "counter" in c}


def limits(text):
    """'--src-rate 1/second --src-burst 2 ...' -> {'src-rate': 1.0, ...} (per second)."""
    words, out = text.split(), {}
    for k, v in zip(words[::2], words[1::2]):
        out[k.lstrip("-")] = float(v.split("/")[0])
    return out


def proc(words):
    ticks, ns, hwm, rss, ctxsw = (int(w) for w in words)
    return {"ticks": ticks, "ns": ns, "hwm_kib": hwm, "rss_kib": rss, "ctxsw": ctxsw}


def flood(dirname, m):
    kv = read_words(os.path.join(dirname, "measures.txt"))
    with open(os.path.join(dirname, "sender.json")) as f:
        sender = json.load(f)
    kind, mode, rep = os.path.basename(dirname).split("-")[1:]
    hz = sender["cpu_ticks"]["hz"]
    bg_busy, bg_total = (int(x) for x in kv["background_busy_ticks"])
    busy_ns = sender["cpu_ticks"]["busy"] / hz * 1e9
    # The other tenants' share of the machine, measured for half a second just before, scaled.
    bg_ns = bg_busy / max(bg_total, 1) * m["cpus"] * sender["seconds"] * 1e9
    # The producer: the sender task, in whose context veth runs the whole receive path (bridge,
    # A's IP stack, nft, NFLOG) in softirq, plus its CPU's ksoftirqd for what was deferred.
    producer_ns = sender["self_cpu_ns"] + max(sender["ksoftirqd_cpu_ns"], 0)
    p0, p1 = proc(kv["proc_before"]), proc(kv["proc_after"])
    h = delta(summary_fields(kv["helper_after"]), summary_fields(kv["helper_before"]))
    run = {
        "kind": kind, "mode": mode, "rep": int(rep), "sent": sender["sent"],
        "seconds": sender["seconds"], "pps": sender["pps"], "send_retries": sender["send_retries"],
        "arrived_at_a": int(kv["a_eth0_after"][0]) - int(kv["a_eth0_before"][0]),
        "a_transmitted": int(kv["a_eth0_after"][1]) - int(kv["a_eth0_before"][1]),
        "broadcasts_at_b": int(kv["p_b_after"][0]) - int(kv["p_b_before"][0]),
        "machine_busy_ns_per_ptb": busy_ns / sender["sent"],
        "machine_busy_ns_per_ptb_minus_background": (busy_ns - bg_ns) / sender["sent"],
        "background_busy_cpus": bg_busy / max(bg_total, 1) * m["cpus"],
        "producer_cpu_ns_per_ptb": producer_ns / sender["sent"],
        "helper_cpu_ns_per_ptb": (p1["ns"] - p0["ns"]) / sender["sent"],
        "steal_ticks": sender["cpu_ticks"]["steal"], "helper": h,
        "helper_cpu_s_ticks": (p1["ticks"] - p0["ticks"]) / hz,
        "helper_cpu_s": (p1["ns"] - p0["ns"]) / 1e9,
        "helper_wakeups": p1["ctxsw"] - p0["ctxsw"],
        "helper_rss_kib_before": p0["rss_kib"], "helper_rss_kib_after": p1["rss_kib"],
        "helper_hwm_kib": p1["hwm_kib"],
    }
    if mode == "pmtud":
        c = counters(os.path.join(dirname, "counters.json"))
        run["kernel"] = c
        run["logged"] = c.get("logged4", 0) + c.get("logged6", 0)
        lim = m["flood_limits"]
        if kind.startswith("one"):
            run["logged_bound"] = lim["src-burst"] + lim["src-rate"] * sender["seconds"]
        else:
            run["logged_bound"] = lim["ceiling-burst"] + lim["ceiling"] * sender["seconds"]
        run["forwarded_bound"] = lim["iface-burst"] + lim["iface-rate"] * sender["seconds"]
        fam = kind[-1]
        if f"set_src{fam}" in kv:
            run["set_elements"] = int(kv[f"set_src{fam}"][0])
        if "legit_forwarded" in kv:
            with open(os.path.join(dirname, "legit.json")) as f:
                run["legit_sent"] = json.load(f)["sent"]
            run["legit_forwarded"] = int(kv["legit_forwarded"][0])
    return run


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def aggregate(runs):
    out = {}
    for kind in KINDS:
        for mode in ("pmtud", "none"):
            rs = [r for r in runs if r["kind"] == kind and r["mode"] == mode]
            if not rs:
                continue
            a = {"reps": len(rs)}
            for key in ("pps", "seconds", "arrived_at_a", "machine_busy_ns_per_ptb", "producer_cpu_ns_per_ptb",
                        "helper_cpu_ns_per_ptb",
                        "machine_busy_ns_per_ptb_minus_background", "background_busy_cpus"):
                a[key] = med([r[key] for r in rs])
                a[key + "_min"] = min(r[key] for r in rs)
            a["sent"] = med([r["sent"] for r in rs])
            if mode == "pmtud":
                for key in ("logged", "logged_bound", "forwarded_bound", "helper_cpu_s",
                            "helper_cpu_s_ticks", "helper_wakeups", "broadcasts_at_b",
                            "a_transmitted", "set_elements"):
                    vals = [r.get(key) for r in rs if r.get(key) is not None]
                    a[key + "_max"] = max(vals) if vals else None
                a["helper_cpu_ms_per_s_max"] = max(r["helper_cpu_s"] * 1e3 / r["seconds"] for r in rs)
                a["logged_within_bound"] = all(r["logged"] <= r["logged_bound"] for r in rs)
                # Every PTB that reached the rules is accounted for by exactly one counter, and
                # every logged one reached the helper or was counted lost.
                a["kernel_accounts_all"] = all(
                    r["kernel"].get("rx4", 0) + r["kernel"].get("rx6", 0) == sum(
                        r["kernel"].get(k, 0) for k in ("bad4", "bad6", "src_over4", "src_over6",
                                                        "ceiling_over", "logged4", "logged6"))
                    for r in rs)
                a["helper_accounts_all"] = all(
                    r["logged"] == r["helper"].get("received", 0) + r["helper"].get("nflog_lost", 0)
                    for r in rs)
                for key in ("received", "forwarded", "dropped", "nflog_lost", "send_errors"):
                    a["helper_" + key + "_max"] = max(r["helper"].get(key, 0) for r in rs)
                for key in ("rx4", "rx6", "src_over4", "src_over6", "ceiling_over", "bad4", "bad6"):
                    a[key + "_median"] = med([r["kernel"].get(key, 0) for r in rs])
                a["helper_hwm_kib_max"] = max(r["helper_hwm_kib"] for r in rs)
                a["helper_rss_growth_kib_max"] = max(r["helper_rss_kib_after"] - r["helper_rss_kib_before"]
                                                     for r in rs)
                if any("legit_sent" in r for r in rs):
                    a["legit_sent"] = sum(r.get("legit_sent", 0) for r in rs)
                    a["legit_forwarded"] = sum(r.get("legit_forwarded", 0) for r in rs)
            out[f"{kind}/{mode}"] = a
    return out


def ab(dirname):
    """One A/B flood: batches alternated between A (pmtud) and C (no table)."""
    with open(os.path.join(dirname, "sender.json")) as f:
        sender = json.load(f)
    kind, rep = os.path.basename(dirname).split("-")[1:]
    a, c = sender["by_dst"]
    return {"kind": kind, "rep": int(rep), "pps": sender["pps"], "sent": sender["sent"],
            "a_ns_per_ptb": a["send_cpu_ns"] / a["sent"], "c_ns_per_ptb": c["send_cpu_ns"] / c["sent"]}


def spread(values):
    return {"median": med(values), "min": min(values), "max": max(values)}


def whole_system(runs, abs_):
    """Per flood kind: the kernel path with and without the rules from the A/B floods (A minus C
    inside each flood), and the machine with and without them, pmtud minus no rules paired by
    repetition (a pair runs back to back, so it shares the machine's load of the moment)."""
    out = {}
    for kind in KINDS:
        x = [r for r in abs_ if r["kind"] == kind]
        if x:
            out.setdefault(kind, {})["kernel_path"] = {
                "floods": len(x), "a_ns_per_ptb": spread([r["a_ns_per_ptb"] for r in x]),
                "c_ns_per_ptb": spread([r["c_ns_per_ptb"] for r in x]),
                "delta_ns_per_ptb": spread([r["a_ns_per_ptb"] - r["c_ns_per_ptb"] for r in x])}
        by_rep = {}
        for r in runs:
            if r["kind"] == kind:
                by_rep.setdefault(r["rep"], {})[r["mode"]] = r
        pairs = [(p["none"], p["pmtud"]) for p in by_rep.values() if len(p) == 2]
        if not pairs:
            continue
        a = out.setdefault(kind, {})
        a["pairs"] = len(pairs)
        for key in ("producer_cpu_ns_per_ptb", "machine_busy_ns_per_ptb_minus_background"):
            a[key + "_delta"] = spread([p[key] - n[key] for n, p in pairs])
            for mode, i in (("none", 0), ("pmtud", 1)):
                a[f"{key}_{mode}"] = spread([pair[i][key] for pair in pairs])
    return out


def load(runs_dir):
    m = read_machine(os.path.join(runs_dir, "machine.txt"))
    m["cpus"] = int(m["cpus"])
    m["flood_limits_args"], m["latency_limits_args"] = m["flood_limits"], m["latency_limits"]
    m["flood_limits"] = limits(m["flood_limits"])
    m["latency_limits"] = limits(m["latency_limits"])
    lat_dir = os.path.join(runs_dir, "latency")
    latency = {}
    for name in ("latency", "floor", "sender"):
        with open(os.path.join(lat_dir, name + ".json")) as f:
            latency[name] = json.load(f)
    hk = read_words(os.path.join(lat_dir, "helper.txt"))
    latency["helper"] = delta(summary_fields(hk["helper_after"]), summary_fields(hk["helper_before"]))
    latency["kernel"] = counters(os.path.join(lat_dir, "counters.json"))
    p0, p1 = proc(hk["proc_before"]), proc(hk["proc_after"])
    latency["helper_cpu_us_per_ptb"] = (p1["ns"] - p0["ns"]) / 1e3 / max(latency["helper"]["received"], 1)
    latency["helper_wakeups"] = p1["ctxsw"] - p0["ctxsw"]
    runs = [flood(d, m) for d in sorted(glob.glob(os.path.join(runs_dir, "flood-*")))]
    abs_ = [ab(d) for d in sorted(glob.glob(os.path.join(runs_dir, "ab-*")))]
    idle = {}
    kv_lines = open(os.path.join(runs_dir, "idle", "measures.txt")).read().splitlines()
    seen = {}
    for line in kv_lines:
        when, srv, *words = line.split()
        seen[(when, srv)] = proc(words)
    for (when, srv), p in seen.items():
        if when == "after":
            b = seen[("before", srv)]
            idle[srv] = {"cpu_s": (p["ns"] - b["ns"]) / 1e9, "cpu_ticks": p["ticks"] - b["ticks"],
                         "wakeups": p["ctxsw"] - b["ctxsw"], "hwm_kib": p["hwm_kib"],
                         "rss_kib": p["rss_kib"]}
    idle["seconds"] = int(m["idle_seconds"])
    return {"machine": m, "latency": latency, "floods": runs, "flood_summary": aggregate(runs),
            "ab_floods": abs_, "whole_system": whole_system(runs, abs_), "idle": idle}


def main():
    runs_dir, out_json, results_md = sys.argv[1:4]
    data = load(runs_dir)
    with open(out_json, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    block = render(data)
    text = open(results_md).read() if os.path.exists(results_md) else "# Benchmark results\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + BEGIN + "\n" + block + END + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{BEGIN}\n{block}{END}\n"
    with open(results_md, "w") as f:
        f.write(text)
    print(f"wrote {out_json} and the pipeline section of {results_md}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
