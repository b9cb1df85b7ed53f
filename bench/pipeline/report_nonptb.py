#!/usr/bin/python3
"""Summarise a non-PTB benchmark run (bench/pipeline/run-nonptb) into JSON and Markdown.

  report_nonptb.py RUNS_DIR OUT.json RESULTS.md

Reads the raw files of RUNS_DIR, writes every figure to OUT.json, and replaces the generated part
of the non-PTB section of RESULTS.md (between the two "nonptb:generated" markers; appended with a
heading when absent). Everything else in RESULTS.md is left as it is.
"""
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import read_machine, read_words  # noqa: E402
from report_nonptb_md import render  # noqa: E402

BEGIN = "<!-- nonptb:generated:begin (bench/pipeline/report_nonptb.py rewrites this block) -->"
END = "<!-- nonptb:generated:end -->"
HEADING = "## Non-PTB packets: what the table costs everything else (`make bench-nonptb`)"
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dispatch")

# The counter each kind of packet must move on its receiver, once per packet: TCP ACKs for no
# flow are answered with a RST, UDP datagrams to a port with no socket are counted NoPorts.
EXPECTED = {"tcp4": "TcpOutRsts", "tcp6": "TcpOutRsts", "udp4": "UdpNoPorts", "udp6": "Udp6NoPorts"}
ERRORS = ("TcpInErrs", "TcpInCsumErrors", "UdpInCsumErrors", "Udp6InCsumErrors", "IpInHdrErrors",
          "Ip6InHdrErrors")


def nstat(words):
    """'NAME VALUE NAME VALUE ...' -> {NAME: int}."""
    return {k: int(v) for k, v in zip(words[::2], words[1::2])}


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def ab(dirname):
    """One A/B flood: batches alternated between A and C, the variant on one of them."""
    kv = read_words(os.path.join(dirname, "measures.txt"))
    with open(os.path.join(dirname, "sender.json")) as f:
        sender = json.load(f)
    a, c = sender["by_dst"]
    ns = {"a": a["send_cpu_ns"] / a["sent"], "c": c["send_cpu_ns"] / c["sent"]}
    sent = {"a": a["sent"], "c": c["sent"]}
    side = kv["table_on"][0]
    other = "c" if side == "a" else "a"
    kind = kv["kind"][0]
    run = {"kind": kind, "variant": kv["variant"][0], "rep": int(kv["rep"][0]), "table_on": side,
           "pps": sender["pps"], "sent": sender["sent"], "send_retries": sender["send_retries"],
           "ksoftirqd_ms": max(sender["ksoftirqd_cpu_ns"], 0) / 1e6,
           "table_ns": ns[side], "none_ns": ns[other], "delta_ns": ns[side] - ns[other]}
    # The stack's verdict on each receiver: every packet took the path the kind is meant to take.
    ratios, errors = [], 0
    for s in ("a", "c"):
        before, after = nstat(kv[f"nstat_{s}_before"]), nstat(kv[f"nstat_{s}_after"])
        d = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        ratios.append(d.get(EXPECTED[kind], 0) / max(sent[s], 1))
        errors += sum(d.get(k, 0) for k in ERRORS)
    run["expected_path_ratio_min"] = min(ratios)
    run["expected_path_ratio_max"] = max(ratios)
    run["stack_errors"] = errors
    return run


def machine_flood(dirname, cpus):
    kv = read_words(os.path.join(dirname, "measures.txt"))
    with open(os.path.join(dirname, "sender.json")) as f:
        sender = json.load(f)
    hz = sender["cpu_ticks"]["hz"]
    bg_busy, bg_total = (int(x) for x in kv["background_busy_ticks"])
    busy_ns = sender["cpu_ticks"]["busy"] / hz * 1e9
    bg_ns = bg_busy / max(bg_total, 1) * cpus * sender["seconds"] * 1e9
    return {"kind": kv["kind"][0], "variant": kv["variant"][0], "rep": int(kv["rep"][0]),
            "pps": sender["pps"], "sent": sender["sent"],
            "machine_ns": (busy_ns - bg_ns) / sender["sent"],
            "background_cpus": bg_busy / max(bg_total, 1) * cpus,
            "producer_ns": (sender["self_cpu_ns"] + max(sender["ksoftirqd_cpu_ns"], 0)) / sender["sent"]}


def summarise_ab(runs, variants, kinds):
    out = {}
    for v in variants:
        for k in kinds + ["all"]:
            rs = [r for r in runs if r["variant"] == v and (k == "all" or r["kind"] == k)]
            if not rs:
                continue
            a = {"floods": len(rs), "delta_ns": spread([r["delta_ns"] for r in rs]),
                 "table_ns": spread([r["table_ns"] for r in rs]),
                 "none_ns": spread([r["none_ns"] for r in rs]),
                 "pps": spread([r["pps"] for r in rs]),
                 "ksoftirqd_ms": spread([r["ksoftirqd_ms"] for r in rs]),
                 "send_retries": sum(r["send_retries"] for r in rs)}
            if k != "all":
                # Noise only ever adds time: the fastest flood of each side is the cleanest reading.
                a["delta_of_minima_ns"] = a["table_ns"]["min"] - a["none_ns"]["min"]
            out[f"{v}/{k}"] = a
    return out


def summarise_machine(runs, variants, kinds):
    """Each variant minus no table, paired by repetition and kind (they run minutes apart)."""
    out = {}
    base = {(r["kind"], r["rep"]): r for r in runs if r["variant"] == "none"}
    for v in variants:
        for k in kinds + ["all"]:
            rs = [r for r in runs if r["variant"] == v and (k == "all" or r["kind"] == k)]
            pairs = [(base[(r["kind"], r["rep"])], r) for r in rs if (r["kind"], r["rep"]) in base]
            if not rs:
                continue
            out[f"{v}/{k}"] = {
                "floods": len(rs), "pps": spread([r["pps"] for r in rs]),
                "machine_ns": spread([r["machine_ns"] for r in rs]),
                "producer_ns": spread([r["producer_ns"] for r in rs]),
                "background_cpus": spread([r["background_cpus"] for r in rs]),
                "machine_delta_ns": spread([r["machine_ns"] - n["machine_ns"] for n, r in pairs]),
                "producer_delta_ns": spread([r["producer_ns"] - n["producer_ns"] for n, r in pairs])}
    return out


def describe(variant):
    """What a variant is: its fixture's own description (the comment lines after the first)."""
    if variant == "none":
        return "no table at all (the A/A control in the A/B floods)"
    if variant == "pmtud":
        return "table inet pmtud as `pmtud-setup install --iface eth0` loads it today (default settings)"
    lines = []
    with open(os.path.join(FIXTURES, variant + ".nft")) as f:
        for line in f.readlines()[1:]:
            if not line.startswith("# ") or line.startswith(("# ptb4/ptb6", "# bench:", "# BENCH_")):
                break
            lines.append(line[2:].strip())
    return " ".join(lines)


def load(runs_dir):
    m = read_machine(os.path.join(runs_dir, "machine.txt"))
    m["cpus"] = int(m["cpus"])
    variants = m["variants"].split(",") if m.get("variants") else []
    kinds = m["kinds"].split(",") if m.get("kinds") else []
    check = {}
    path = os.path.join(runs_dir, "check", "result.txt")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                v, *fields = line.split()
                check[v] = dict(x.split("=", 1) for x in fields)
    ab_runs = [ab(d) for d in sorted(glob.glob(os.path.join(runs_dir, "ab-*")))]
    mach_runs = [machine_flood(d, m["cpus"]) for d in sorted(glob.glob(os.path.join(runs_dir, "machine-*")))]
    return {"machine": m, "variants": variants, "kinds": kinds, "check": check,
            "describe": {v: describe(v) for v in variants},
            "describe_base": describe(m["base"]) if m.get("base", "none") != "none" else "",
            "ab_floods": ab_runs, "ab": summarise_ab(ab_runs, variants, kinds),
            "machine_floods": mach_runs, "whole_machine": summarise_machine(mach_runs, variants, kinds)}


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
    print(f"wrote {out_json} and the non-PTB section of {results_md}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
