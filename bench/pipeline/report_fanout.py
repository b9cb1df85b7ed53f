"""The fan-out passes of the pipeline benchmark (bench/pipeline/fanout.bash): the helper's CPU per
PTB and per copy, and the time from a PTB in to its first and last copy out, per N and family."""
import glob
import json
import os

from latency import distribution
from report_common import delta, proc, read_words, spread, summary_fields


def fanout_pass(dirname):
    n, fam, mode, rep = os.path.basename(dirname).split("-")[1:]
    kv = read_words(os.path.join(dirname, "measures.txt"))
    with open(os.path.join(dirname, "sender.json")) as f:
        sender = json.load(f)
    hz = sender["cpu_ticks"]["hz"]
    h = delta(summary_fields(kv["helper_after"]), summary_fields(kv["helper_before"]))
    p0, p1 = proc(kv["proc_before"]), proc(kv["proc_after"])
    i = 0 if fam == "4" else 1
    ptbs, copies = h.get("received", 0), h.get("copies", 0)
    run = {"n": int(n), "fam": fam, "mode": mode, "rep": int(rep), "sent": sender["sent"],
           "seconds": sender["seconds"], "ptbs": ptbs, "copies": copies,
           "peer_send_errors": h.get("peer_send_errors", 0), "dropped": h.get("dropped", 0),
           "delivered": int(kv["peers_rx_after"][i]) - int(kv["peers_rx_before"][i]),
           "cpu_ns": p1["ns"] - p0["ns"], "cpu_ticks_s": (p1["ticks"] - p0["ticks"]) / hz,
           "wakeups": p1["ctxsw"] - p0["ctxsw"]}
    if ptbs and copies:
        run["us_per_ptb"] = run["cpu_ns"] / 1e3 / ptbs
        run["us_per_copy"] = run["cpu_ns"] / 1e3 / copies
        run["us_per_copy_ticks"] = run["cpu_ticks_s"] * 1e6 / copies
    lat = os.path.join(dirname, "latency.json")
    if os.path.exists(lat):
        with open(lat) as f:
            run["latency"] = json.load(f)
    return run


def aggregate(runs):
    out = {}
    for key in sorted({(r["n"], r["fam"], r["mode"]) for r in runs}):
        rs = [r for r in runs if (r["n"], r["fam"], r["mode"]) == key]
        a = {"passes": len(rs), "ptbs": sum(r["ptbs"] for r in rs), "copies": sum(r["copies"] for r in rs),
             "sent": sum(r["sent"] for r in rs), "delivered": sum(r["delivered"] for r in rs),
             "peer_send_errors": sum(r["peer_send_errors"] for r in rs),
             "dropped": sum(r["dropped"] for r in rs)}
        for k in ("us_per_ptb", "us_per_copy", "us_per_copy_ticks", "cpu_ticks_s"):
            a[k] = spread([r.get(k) for r in rs])
        lats = [r["latency"] for r in rs if "latency" in r]
        if lats:
            fam = key[1]
            for name in ("first", "last"):
                pooled = [d for x in lats for d in x.get(f"{name}_us_v{fam}_each", [])]
                a[f"{name}_us"] = distribution([d * 1000 for d in pooled])
                a[f"{name}_us_p50_per_pass"] = spread([x.get(f"{name}_us_v{fam}", {}).get("p50") for x in lats])
                a[f"{name}_us_p99_per_pass"] = spread([x.get(f"{name}_us_v{fam}", {}).get("p99") for x in lats])
            a["ptbs_captured"] = sum(x["ptbs_in"] for x in lats)
            a["ptbs_without_copies"] = sum(x["ptbs_without_copies"] for x in lats)
            a["unmatched_copies"] = sum(x["unmatched_copies"] for x in lats)
        out[f"{key[0]}/{key[1]}/{key[2]}"] = a
    # The slope: what one more peer costs, from the largest N against N = 1 (medians).
    for fam in ("4", "6"):
        ns = sorted({r["n"] for r in runs if r["fam"] == fam and r["mode"] == "cpu"})
        lo, hi = out.get(f"1/{fam}/cpu"), out.get(f"{ns[-1]}/{fam}/cpu") if ns else None
        if lo and hi and ns[-1] > 1 and lo["us_per_ptb"] and hi["us_per_ptb"]:
            out[f"slope/{fam}"] = {"n": ns[-1], "us_per_extra_copy": (
                hi["us_per_ptb"]["median"] - lo["us_per_ptb"]["median"]) / (ns[-1] - 1)}
    return out


def load(runs_dir):
    runs = [fanout_pass(d) for d in sorted(glob.glob(os.path.join(runs_dir, "fanout-*")))
            if os.path.isdir(d)]
    if not runs:
        return None
    return {"passes": runs, "summary": aggregate(runs)}
