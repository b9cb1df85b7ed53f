"""The four quiet routers of the spoofed floods (bench/pipeline/lanes.bash): what each sent and
how many of its PTBs A relayed (its broadcasts counted by L3 source), and the sources a flood got
learned."""
import ipaddress
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "lib"))
from pcap import frames  # noqa: E402
from report_common import counters, read_words, spread  # noqa: E402

ROUTERS = ("known4", "new4", "known6", "new6")
# The four cases, as seen from a flood of family f: (label, known or new, family f or the other).
CASES = (("known, same family", "known", "same"), ("new, same family", "new", "same"),
         ("known, other family", "known", "other"), ("new, other family", "new", "other"))


def set_keys(path):
    with open(path) as f:
        data = json.load(f)
    out = []
    for item in data.get("nftables", []):
        for e in item.get("set", {}).get("elem", []):
            out.append(e["elem"]["val"] if isinstance(e, dict) and "elem" in e else e)
    return [str(ipaddress.ip_address(x)) for x in out]


def router_key(addr, v6_prefix):
    a = ipaddress.ip_address(addr)
    if a.version == 4:
        return str(a)
    return str(ipaddress.ip_network(f"{addr}/{v6_prefix}", strict=False).network_address)


def relayed_by_source(path):
    """Broadcast frames in a capture per L3 source address."""
    out = {}
    for _, frame in frames(path):
        l3 = frame[14:]
        src = l3[12:16] if frame[12:14] == b"\x08\x00" else l3[8:24]
        key = str(ipaddress.ip_address(bytes(src)))
        out[key] = out.get(key, 0) + 1
    return out


def lanes(dirname, run, conf, fam):
    """The four quiet routers of one spoofed flood: sent, relayed, learned during the flood."""
    other = "6" if fam == "4" else "4"
    relayed = relayed_by_source(os.path.join(dirname, "lanes.pcap"))
    addrs = {k: v[0] for k, v in read_words(os.path.join(dirname, "routers.txt")).items()}
    run["routers"] = {}
    for r in ROUTERS:
        with open(os.path.join(dirname, f"router-{r}.json")) as f:
            sender = json.load(f)
        addr = str(ipaddress.ip_address(addrs[r]))
        run["routers"][r] = {"addr": addr, "sent": sender["sent"], "relayed": relayed.get(addr, 0)}
    peace = counters(os.path.join(dirname, "counters-peace.json"))
    k = run["kernel"]
    run["learned_in_peace"] = {f: peace.get(f"learned{f}", 0) for f in ("4", "6")}
    run["learned_during"] = k.get(f"learned{fam}", 0) - peace.get(f"learned{fam}", 0)
    run["learned_during_other"] = k.get(f"learned{other}", 0) - peace.get(f"learned{other}", 0)
    keys = {router_key(x["addr"], conf["v6_prefix"]) for x in run["routers"].values()}
    known = set_keys(os.path.join(dirname, f"known{fam}.json"))
    run["known_set"] = len(known)
    run["known_set_flood_sources"] = sum(1 for x in known if x not in keys)


def lanes_summary(rs, fam):
    """The floods of one family: per case, relayed and sent over all floods and the share per flood."""
    other, cases = ("6" if fam == "4" else "4"), {}
    for label, lane, side in CASES:
        r_name = lane + (fam if side == "same" else other)
        per = [r["routers"][r_name] for r in rs]
        cases[label] = {"router": r_name, "addr": per[0]["addr"],
                        "sent": sum(x["sent"] for x in per), "relayed": sum(x["relayed"] for x in per),
                        "share": spread([x["relayed"] / x["sent"] for x in per if x["sent"]]),
                        "per_flood": [[x["relayed"], x["sent"]] for x in per]}
    return {"floods": len(rs), "cases": cases,
            "learned_during": spread([r["learned_during"] for r in rs]),
            "learned_during_other": spread([r["learned_during_other"] for r in rs]),
            "known_set_flood_sources": spread([r["known_set_flood_sources"] for r in rs])}
