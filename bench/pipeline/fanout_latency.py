#!/usr/bin/python3
"""PTB in -> copies out of the unicast relay, from one capture (one clock) on the server's link.

  fanout_latency.py FILE.pcap --in-src MAC --out-src MAC

"In" frames come from --in-src (the leaf's PTBs to the server), "out" frames from --out-src (the
server's copies to its peers). A copy carries the PTB's ICMP message unchanged, so it belongs to
the PTB whose quoted TCP sequence number it quotes (bench/ptb-send quotes a different one in every
PTB). Prints one JSON object: PTBs in, copies out, copies per PTB (min, max), copies that match
no PTB, and per family the time from the PTB in to its first and to its last copy out (µs): the
distribution, and every PTB's (for pooling over passes).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latency import distribution, mac_bytes  # noqa: E402
from pcap import frames  # noqa: E402


def ptb_key(l3):
    """(family, quoted TCP sequence number) of an ICMP frag-needed / ICMPv6 packet-too-big, or
    None for anything else (neighbour discovery, other ICMP)."""
    version = l3[0] >> 4
    if version == 4:
        outer = (l3[0] & 0x0F) * 4
        if l3[9] != 1 or l3[outer:outer + 2] != b"\x03\x04":
            return None
        icmp = l3[outer:]
        inner = (icmp[8] & 0x0F) * 4
    elif version == 6:
        if l3[6] != 58 or l3[40:42] != b"\x02\x00":
            return None
        icmp, inner = l3[40:], 40
    else:
        return None
    seq = icmp[8 + inner + 4:8 + inner + 8]
    return (str(version), seq) if len(seq) == 4 else None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pcap")
    p.add_argument("--in-src", required=True)
    p.add_argument("--out-src", required=True)
    a = p.parse_args()
    in_src, out_src = mac_bytes(a.in_src), mac_bytes(a.out_src)

    arrived = {}  # key -> [stamp in, first copy, last copy, copies]
    n_in = n_out = unmatched = 0
    for ts, frame in frames(a.pcap):
        src, etype = frame[6:12], frame[12:14]
        if etype not in (b"\x08\x00", b"\x86\xdd"):
            continue
        key = ptb_key(frame[14:])
        if key is None:
            continue
        if src == in_src:
            n_in += 1
            arrived[key] = [ts, None, None, 0]
        elif src == out_src:
            n_out += 1
            rec = arrived.get(key)
            if rec is None:
                unmatched += 1
                continue
            rec[1] = ts if rec[1] is None else rec[1]
            rec[2] = ts
            rec[3] += 1
    per_ptb = [r[3] for r in arrived.values()]
    out = {"ptbs_in": n_in, "copies_out": n_out, "unmatched_copies": unmatched,
           "copies_per_ptb_min": min(per_ptb, default=0), "copies_per_ptb_max": max(per_ptb, default=0),
           "ptbs_without_copies": sum(1 for c in per_ptb if c == 0)}
    for fam in ("4", "6"):
        recs = [r for k, r in arrived.items() if k[0] == fam and r[3] > 0]
        if recs:
            for name, i in (("first", 1), ("last", 2)):
                delays = [r[i] - r[0] for r in recs]
                out[f"{name}_us_v{fam}"] = distribution(delays)
                out[f"{name}_us_v{fam}_each"] = [round(d / 1000, 1) for d in delays]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
