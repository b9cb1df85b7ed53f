#!/usr/bin/python3
"""PTB in -> broadcast out, from one capture (one clock) on a server's bridge port.

  latency.py FILE.pcap --in-src MAC --to MAC --out-src MAC

"In" frames go from --in-src to --to (the router's unicast PTBs to the server), "out" frames are
broadcasts from --out-src (the server's relays). An out frame belongs to the in frame carrying
the same L3 bytes (the relay is verbatim and every PTB the benchmark sends is unique). Prints one
JSON object: counts (relayed once, not relayed, duplicated or unmatched broadcasts) and the delay
distribution in microseconds, overall and per family.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "lib"))
from pcap import frames  # noqa: E402

BCAST = bytes.fromhex("ffffffffffff")


def mac_bytes(text):
    return bytes.fromhex(text.replace(":", ""))


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    i = int(round(p / 100 * (len(sorted_values) - 1)))
    return sorted_values[min(i, len(sorted_values) - 1)]


def distribution(delays_ns):
    v = sorted(d / 1000 for d in delays_ns)
    if not v:
        return {"n": 0}
    return {"n": len(v), "min": round(v[0], 1), "p50": round(percentile(v, 50), 1),
            "p90": round(percentile(v, 90), 1), "p99": round(percentile(v, 99), 1),
            "max": round(v[-1], 1), "mean": round(sum(v) / len(v), 1)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pcap")
    p.add_argument("--in-src", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--out-src", required=True)
    a = p.parse_args()
    in_src, to, out_src = mac_bytes(a.in_src), mac_bytes(a.to), mac_bytes(a.out_src)

    pending = {}  # L3 bytes -> arrival stamps not yet relayed
    delays = {"4": [], "6": []}
    n_in = n_out = unmatched = 0
    for ts, frame in frames(a.pcap):
        dst, src, l3 = frame[0:6], frame[6:12], frame[14:]
        if src == in_src and dst == to:
            n_in += 1
            pending.setdefault(l3, []).append(ts)
        elif src == out_src and dst == BCAST:
            n_out += 1
            stamps = pending.get(l3)
            if not stamps:
                unmatched += 1
                continue
            delays["4" if l3[0] >> 4 == 4 else "6"].append(ts - stamps.pop(0))
    relayed = len(delays["4"]) + len(delays["6"])
    print(json.dumps({
        "ptbs_in": n_in, "broadcasts_out": n_out, "relayed_once": relayed,
        "not_relayed": sum(len(s) for s in pending.values()), "unmatched_broadcasts": unmatched,
        "us": distribution(delays["4"] + delays["6"]),
        "us_v4": distribution(delays["4"]), "us_v6": distribution(delays["6"]),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
