"""The Markdown of the unicast relay's fan-out (bench/pipeline/fanout.bash)."""
from report_fmt import f, met


def _top(fo, fam, mode):
    ns = sorted({int(k.split("/")[0]) for k in fo["summary"] if k.split("/")[1:] == [fam, mode]})
    return (ns[-1], fo["summary"][f"{ns[-1]}/{fam}/{mode}"]) if ns else (None, None)


def fanout_goal(data):
    fo = data.get("fanout")
    if not fo:
        return []
    parts, ok, ok_drop, have_drop = [], True, True, False
    for fam in ("4", "6"):
        n, a = _top(fo, fam, "cpu")
        if not a or not a["us_per_copy"]:
            continue
        _, d = _top(fo, fam, "leafdrop")
        x = a["us_per_copy"]["median"]
        ok &= x <= 3
        text = f"IPv{fam} at N = {n}: **{f(x, 2)} µs** per copy delivered"
        if d and d["us_per_copy"]:
            have_drop = True
            ok_drop &= d["us_per_copy"]["median"] <= 3
            text += f", {f(d['us_per_copy']['median'], 2)} µs with the copies dropped at the leaf"
        parts.append(text)
    verdict = met(ok)
    if not ok and have_drop and ok_drop:
        verdict = "**missed** as measured; met without the peers' receive"
    return [f"| one PTB to N peers: helper CPU ≤ 3 µs per copy at N = 256 (veth charges the receive to the "
            f"sender) | {'; '.join(parts)} | {verdict} |"]


def render_fanout(data):
    fo = data["fanout"]
    m, s, c = data["machine"], fo["summary"], fo["conf"]
    L = ["### Fan-out of the unicast relay: one PTB to N peers", "",
         f"A topology of its own (bench/pipeline/fanout.bash): a leaf router sends PTBs to server A over a "
         f"routed link; A (pmtud, `broadcast = no`, a peers file with its own two addresses and N of each "
         f"family) copies each one to its N peers, addresses of one namespace behind the leaf, on its own "
         f"routed link (no shared L2, as on an L3 fabric). {m.get('fanout_ptbs')} PTBs of one family per pass "
         f"at {m.get('fanout_rate')}/s, one source (kernel limits and the peer bucket out of the way: "
         f"{f(c['peer_rate'])}/s); per N and family a pass without capture (*CPU*), one with a capture "
         f"(*latency*) and, for N in {m.get('fanout_leafdrop_ns')}, one whose copies the leaf drops at its ingress "
         f"(*leafdrop*); {m.get('fanout_reps')} repetition(s), N in a rotated order. *CPU*: the helper's "
         "schedstat (and /proc/PID/stat utime+stime, 10 ms units) over the pass, per PTB relayed and per copy. "
         "veth runs each copy's receive path (the leaf's forwarding, the peer's ICMP receive) inside the "
         "helper's sendmmsg, so that is in the *CPU* figure; *leafdrop* leaves only the helper's own send "
         "path, veth's transmit and the leaf's ingress drop. *Latency*: one tcpdump (nanosecond stamps) on A's "
         "link, the PTB arriving and the copies to the first and the last peer leaving (sendmmsg sends down "
         "the sorted list in order, up to 1024 copies per call); pooled over the passes.", "",
         "| N | family | PTBs relayed | copies sent / delivered | helper µs per PTB | µs per copy [min … max] "
         "| per copy, /proc stat | per copy, leafdrop | first copy out p50 / p99 µs | last copy out p50 / p99 / "
         "max µs |", "|---|---|---|---|---|---|---|---|---|---|"]
    ns = sorted({int(k.split("/")[0]) for k in s if not k.startswith("slope")})
    for n in ns:
        for fam in ("4", "6"):
            a, lat, d = s.get(f"{n}/{fam}/cpu"), s.get(f"{n}/{fam}/latency"), s.get(f"{n}/{fam}/leafdrop")
            if not a or not a["us_per_copy"]:
                continue
            pc = a["us_per_copy"]
            drop = f"{f(d['us_per_copy']['median'], 2)}" if d and d["us_per_copy"] else "–"
            first = last = "–"
            if lat and lat.get("last_us", {}).get("n"):
                fi, la = lat["first_us"], lat["last_us"]
                first = f"{f(fi['p50'])} / {f(fi['p99'])}"
                last = f"**{f(la['p50'])} / {f(la['p99'])}** / {f(la['max'])}"
            L.append(f"| {n} | IPv{fam} | {a['ptbs']:,} | {a['copies']:,} / {a['delivered']:,} | "
                     f"{f(a['us_per_ptb']['median'], 1)} | **{f(pc['median'], 2)}** [{f(pc['min'], 2)} … "
                     f"{f(pc['max'], 2)}] | {f(a['us_per_copy_ticks']['median'], 2)} | {drop} | {first} | {last} |")
    slopes = [(fam, s[f"slope/{fam}"]) for fam in ("4", "6") if f"slope/{fam}" in s]
    if slopes:
        L += ["", "Each peer beyond the first (the slope of µs per PTB from N = 1 to the largest N, *CPU* "
              "passes): " + "; ".join(f"IPv{fam} {f(x['us_per_extra_copy'], 2)} µs" for fam, x in slopes) + "."]
    errs = sum(s[k]["peer_send_errors"] for k in s if not k.startswith("slope"))
    cap = [s[k] for k in s if k.endswith("/latency")]
    L += ["", f"Peer send errors in all passes: {errs}. Latency passes: "
          f"{sum(x.get('ptbs_captured', 0) for x in cap):,} PTBs captured, "
          f"{sum(x.get('ptbs_without_copies', 0) for x in cap)} without a copy seen, "
          f"{sum(x.get('unmatched_copies', 0) for x in cap)} copies matching no PTB.", ""]
    return L
