"""Readers and small statistics shared by the pipeline report's modules: the raw files of a run
(measures.txt lines, helper summary lines, nft JSON counters, /proc figures, pmtud.conf)."""
import json
import re
import statistics

UNIT_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def read_words(path):
    """Lines 'key word word...' -> {key: [words]}."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                k, *v = line.split()
                out[k] = v
    return out


def read_conf(path):
    """pmtud.conf (key = value, # comments) -> {key: value}, rates as packets per second."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "=" in line:
                k, v = (x.strip() for x in line.split("=", 1))
                if k.endswith("_rate") and "/" in v:
                    n, unit = v.split("/")
                    v = float(n) / UNIT_S[unit]
                out[k] = v
    # The helper's auto buckets (helper/core/config.cpp): both lanes' rates and bursts.
    lanes_rate = out["ceiling_rate"] + out["known_ceiling_rate"]
    lanes_burst = int(out["ceiling_burst"]) + int(out["known_ceiling_burst"])
    for key, auto in (("iface_rate", lanes_rate), ("iface_burst", lanes_burst),
                      ("peer_rate", lanes_rate), ("peer_burst", lanes_burst)):
        out[key] = float(auto if out.get(key, "auto") == "auto" else out[key])
    for key in ("src_burst", "ceiling_burst", "known_ceiling_burst", "learn_burst"):
        out[key] = int(out[key])
    return out


def summary_fields(words):
    """A helper summary line (as words) -> counters, forwarded per family, drops per reason."""
    text = " ".join(words)
    out = {}
    for k in ("received", "forwarded", "dropped", "nflog_lost", "send_errors", "copies",
              "peer_send_errors"):
        m = re.search(rf"\b{k}=(\d+)", text)
        if m:
            out[k] = int(m.group(1))
    m = re.search(r"forwarded=\d+ \((.*?)\)", text)
    for fam in ("4", "6"):  # summed over the interfaces
        out["forwarded" + fam] = sum(int(x) for x in re.findall(rf"v{fam}=(\d+)", m.group(1))) if m else 0
    m = re.search(r"dropped=\d+ \((.*?)\)", text)
    for reason, n in (re.findall(r"(\w+)=(\d+)", m.group(1)) if m else []):
        out["drop_" + reason] = int(n)
    return out


def delta(after, before):
    return {k: after.get(k, 0) - before.get(k, 0) for k in after}


def counters(path):
    with open(path) as f:
        data = json.load(f)
    return {c["counter"]["name"]: c["counter"]["packets"]
            for c in data.get("nftables", []) if "counter" in c}


def proc(words):
    ticks, ns, hwm, rss, ctxsw = (int(w) for w in words)
    return {"ticks": ticks, "ns": ns, "hwm_kib": hwm, "rss_kib": rss, "ctxsw": ctxsw}


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": med(values), "min": min(values), "max": max(values), "n": len(values)}
