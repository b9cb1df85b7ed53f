#!/usr/bin/python3
"""Summarise a pipeline benchmark run (bench/pipeline/run) into JSON and Markdown.

  report.py RUNS_DIR OUT.json RESULTS.md

Reads the raw files of RUNS_DIR, writes every figure to OUT.json, and replaces the generated part
of the pipeline section of RESULTS.md (between the two "pipeline:generated" markers; appended
with a heading when absent). Everything else in RESULTS.md is left as it is. Phases the run left
out (BENCH_PHASES) are left out of the report.
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_fanout  # noqa: E402
from report_common import counters, delta, proc, read_conf, read_words, summary_fields  # noqa: E402
from report_floods import ab, aggregate, flood, whole_system  # noqa: E402
from report_md import render  # noqa: E402

BEGIN = "<!-- pipeline:generated:begin (bench/pipeline/report.py rewrites this block) -->"
END = "<!-- pipeline:generated:end -->"
HEADING = "## Pipeline: the real rules and helper in namespaces (`make bench-pipeline`)"

WHOLE_LINE = ("cpu_model", "flood_limits", "latency_limits", "load_at_start", "phases", "fanout_ns",
              "fanout_leafdrop_ns", "helper_args")


def read_machine(path):
    """machine.txt: key=value pairs, several to a line; some values hold spaces (WHOLE_LINE)."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            key = line.split("=", 1)[0]
            if key in WHOLE_LINE:
                out[key] = line.split("=", 1)[1].strip()
                continue
            for part in line.split():
                k, _, v = part.partition("=")
                out[k] = v
    return out


def load_latency(lat_dir):
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
    latency["conf"] = read_conf(os.path.join(lat_dir, "pmtud.conf"))
    return latency


def load_idle(path, seconds):
    seen, idle = {}, {"seconds": seconds}
    with open(path) as f:
        for line in f:
            when, srv, *words = line.split()
            seen[(when, srv)] = proc(words)
    for (when, srv), p in seen.items():
        if when == "after":
            b = seen[("before", srv)]
            idle[srv] = {"cpu_s": (p["ns"] - b["ns"]) / 1e9, "cpu_ticks": p["ticks"] - b["ticks"],
                         "wakeups": p["ctxsw"] - b["ctxsw"], "hwm_kib": p["hwm_kib"], "rss_kib": p["rss_kib"]}
    return idle


def load(runs_dir):
    m = read_machine(os.path.join(runs_dir, "machine.txt"))
    m["cpus"] = int(m["cpus"])
    conf = read_conf(os.path.join(runs_dir, "flood.conf"))
    started = os.path.join(runs_dir, "helper-started.txt")
    m["helper_started"] = open(started).read().strip() if os.path.exists(started) else ""
    data = {"machine": m, "flood_conf": conf}
    lat_dir = os.path.join(runs_dir, "latency")
    if os.path.isdir(lat_dir):
        data["latency"] = load_latency(lat_dir)
    runs = [flood(d, m, conf) for d in sorted(glob.glob(os.path.join(runs_dir, "flood-*")))]
    abs_ = [ab(d) for d in sorted(glob.glob(os.path.join(runs_dir, "ab-*")))]
    if runs or abs_:
        data.update({"floods": runs, "flood_summary": aggregate(runs), "ab_floods": abs_,
                     "whole_system": whole_system(runs, abs_)})
    fanout = report_fanout.load(runs_dir)
    if fanout:
        fanout["conf"] = read_conf(os.path.join(runs_dir, "fanout.conf"))
        data["fanout"] = fanout
    idle = os.path.join(runs_dir, "idle", "measures.txt")
    if os.path.exists(idle):
        data["idle"] = load_idle(idle, int(m["idle_seconds"]))
    return data


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
