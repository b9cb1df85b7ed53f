"""The floods of the pipeline benchmark (bench/pipeline/run): each flood's raw files into figures,
the floods of one kind and mode into a summary, the four quiet routers of the spoofed floods
(bench/pipeline/lanes.bash) into the share of their PTBs relayed, and the A/B floods."""
import json
import os

from report_common import counters, delta, med, proc, read_words, spread, summary_fields
from report_lanes import lanes, lanes_summary

KINDS = {"one4": "one source, IPv4", "one6": "one source, IPv6",
         "spoof4": "random sources, IPv4", "spoof6": "random sources, IPv6"}


def accounts(c):
    """Every eligible PTB has one outcome, and the two lanes add up to what was logged."""
    return all(c.get(f"rx{f}", 0) == sum(c.get(f"{k}{f}", 0) for k in (
        "bad", "src_over", "known_over", "ceiling_over", "logged")) and
        c.get(f"logged{f}", 0) == c.get(f"known_logged{f}", 0) + c.get(f"new_logged{f}", 0)
        for f in ("4", "6"))


def flood(dirname, m, conf):
    kv = read_words(os.path.join(dirname, "measures.txt"))
    with open(os.path.join(dirname, "sender.json")) as f:
        sender = json.load(f)
    kind, mode, rep = os.path.basename(dirname).split("-")[1:]
    fam = kind[-1]
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
    w0, w1 = (int(x) for x in kv["window_ns"])
    run = {
        "kind": kind, "mode": mode, "rep": int(rep), "sent": sender["sent"],
        "seconds": sender["seconds"], "window_s": (w1 - w0) / 1e9, "pps": sender["pps"],
        "send_retries": sender["send_retries"],
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
        "helper_cpu_ms_per_s": (p1["ns"] - p0["ns"]) / 1e6 / sender["seconds"],
        "helper_wakeups": p1["ctxsw"] - p0["ctxsw"],
        "helper_rss_kib_before": p0["rss_kib"], "helper_rss_kib_after": p1["rss_kib"],
        "helper_hwm_kib": p1["hwm_kib"],
    }
    if mode != "pmtud":
        return run
    c = counters(os.path.join(dirname, "counters.json"))
    run["kernel"] = c
    run["logged"] = c.get("logged4", 0) + c.get("logged6", 0)
    w = run["window_s"]
    if kind.startswith("one"):  # one source: its own budget, whichever lane it takes
        run["bounds"] = {f"logged{fam}": conf["src_burst"] + conf["src_rate"] * w}
    else:
        run["bounds"] = {f"new_logged{fam}": conf["ceiling_burst"] + conf["ceiling_rate"] * w,
                         f"known_logged{fam}": conf["known_ceiling_burst"] + conf["known_ceiling_rate"] * w}
    run["within_bounds"] = all(c.get(k, 0) <= b for k, b in run["bounds"].items())
    run["forwarded_bound"] = conf["iface_burst"] + conf["iface_rate"] * w
    run["helper_within_bound"] = all(h.get("forwarded" + f, 0) <= run["forwarded_bound"] for f in "46")
    run["kernel_accounts"] = accounts(c)
    run["helper_accounts"] = run["logged"] == h.get("received", 0) + h.get("nflog_lost", 0)
    if f"set_src{fam}" in kv:
        run["set_elements"] = int(kv[f"set_src{fam}"][0])
    if os.path.exists(os.path.join(dirname, "lanes.pcap")):
        lanes(dirname, run, conf, fam)
    return run


def aggregate(runs):
    out = {}
    for kind in KINDS:
        fam = kind[-1]
        for mode in ("pmtud", "none"):
            rs = [r for r in runs if r["kind"] == kind and r["mode"] == mode]
            if not rs:
                continue
            a = {"reps": len(rs), "sent": med([r["sent"] for r in rs])}
            for key in ("pps", "seconds", "arrived_at_a", "machine_busy_ns_per_ptb", "producer_cpu_ns_per_ptb",
                        "helper_cpu_ns_per_ptb", "machine_busy_ns_per_ptb_minus_background",
                        "background_busy_cpus"):
                a[key] = med([r[key] for r in rs])
            if mode == "pmtud":
                a["helper_cpu_ms"] = spread([r["helper_cpu_s"] * 1e3 for r in rs])
                a["helper_cpu_ms_per_s"] = spread([r["helper_cpu_ms_per_s"] for r in rs])
                a["helper_cpu_ms_per_s_each"] = [round(r["helper_cpu_ms_per_s"], 1) for r in rs]
                a["helper_cpu_us_per_relayed"] = spread([
                    r["helper_cpu_s"] * 1e6 / r["helper"]["forwarded"] for r in rs if r["helper"].get("forwarded")])
                for key in ("helper_wakeups", "set_elements", "window_s"):
                    a[key] = spread([r.get(key) for r in rs])
                a["within_bounds"] = all(r["within_bounds"] for r in rs)
                a["helper_within_bound"] = all(r["helper_within_bound"] for r in rs)
                a["kernel_accounts_all"] = all(r["kernel_accounts"] for r in rs)
                a["helper_accounts_all"] = all(r["helper_accounts"] for r in rs)
                a["bounds"] = {k: spread([r["bounds"][k] for r in rs]) for k in rs[0]["bounds"]}
                a["forwarded_bound"] = spread([r["forwarded_bound"] for r in rs])
                a["kernel"] = {k: spread([r["kernel"].get(k, 0) for r in rs]) for k in rs[0]["kernel"]}
                a["helper"] = {k: spread([r["helper"].get(k, 0) for r in rs])
                               for k in sorted({k for r in rs for k in r["helper"]})}
                a["helper_hwm_kib_max"] = max(r["helper_hwm_kib"] for r in rs)
                a["helper_rss_growth_kib_max"] = max(r["helper_rss_kib_after"] - r["helper_rss_kib_before"]
                                                     for r in rs)
                with_lanes = [r for r in rs if "routers" in r]
                if with_lanes:
                    a["lanes"] = lanes_summary(with_lanes, fam)
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
