"""The Markdown of the quiet routers during the spoofed floods (bench/pipeline/lanes.bash)."""
from report_floods import KINDS
from report_lanes import CASES
from report_fmt import f, met, pct


def _lanes(data):
    s = data.get("flood_summary", {})
    return [(k, s[f"{k}/pmtud"]) for k in ("spoof4", "spoof6") if "lanes" in s.get(f"{k}/pmtud", {})]


def _worst(cases, which):
    shares = [c["share"]["min"] for label, c in cases.items() if which(label) and c["share"]]
    return min(shares) if shares else None


def lanes_goals(data):
    rows = []
    for kind, a in _lanes(data):
        cases, fam = a["lanes"]["cases"], kind[-1]
        known = cases["known, same family"]
        other = [cases["known, other family"], cases["new, other family"]]
        worst_other = _worst(cases, lambda label: "other" in label)
        rows.append(
            f"| IPv{fam} spoofed flood: a router known before it ≥ 90 % relayed (each flood) | "
            f"**{known['relayed']} of {known['sent']}** ({pct(known['relayed'] / max(known['sent'], 1))}); worst "
            f"flood {pct(known['share']['min'] if known['share'] else None)} | "
            f"{met(bool(known['share']) and known['share']['min'] >= 0.9)} |")
        rows.append(
            f"| IPv{fam} spoofed flood: the other family 100 % relayed | known and new IPv{'6' if fam == '4' else '4'} "
            f"routers: **{sum(c['relayed'] for c in other)} of {sum(c['sent'] for c in other)}**; worst flood "
            f"{pct(worst_other)} | {met(worst_other == 1)} |")
        learn_burst = data["flood_conf"]["learn_burst"]
        leak = a["lanes"]["learned_during"]
        rows.append(
            f"| IPv{fam} spoofed flood: sources learned during it ≤ learn_burst ({learn_burst}) per storm start | "
            f"median {f(leak['median'])}, max {f(leak['max'])} over {leak['n']} floods | "
            f"{met(leak['max'] <= learn_burst)} |")
    return rows


def render_lanes(data):
    lanes = _lanes(data)
    if not lanes:
        return []
    m, c = data["machine"], data["flood_conf"]
    L = ["### Legitimate routers during the spoofed floods", "",
         f"During every spoofed flood with pmtud, four quiet routers each send {m.get('router_rate', '1')} PTB/s "
         f"(under their own per-source limit), from 0.3 s after the flood starts until it ends: one of each family "
         "that sent one PTB in peace just before the flood (so the rules learned it: set known4/known6) and one of "
         "each family first seen during the flood. They share no kernel limiter (each has its own per-source "
         "budget; known and new sources take different lanes; each family has its own ceilings), and the helper's "
         "bucket per interface and family is the sum of both lanes, so one flood serves the four cases. Relayed = "
         "A's broadcasts whose L3 source is the router's address, counted on B's bridge port; sent = what the "
         "router's sender sent during the flood.", "",
         "| flood | router | case | relayed / sent, all floods | share per flood: min / median / max | per flood |",
         "|---|---|---|---|---|---|"]
    for kind, a in lanes:
        for label, _, _ in CASES:
            x = a["lanes"]["cases"][label]
            sh = x["share"]
            spread = f"{pct(sh['min'])} / {pct(sh['median'])} / {pct(sh['max'])}" if sh else "–"
            each = ", ".join(f"{r}/{s}" for r, s in x["per_flood"])
            L.append(f"| {KINDS[kind]} | {x['addr']} | {label} | **{x['relayed']} / {x['sent']}** | {spread} | {each} |")
    L += ["", "The kernel's side of the same floods (median [min … max] per flood; the flood's family, then "
          "the other family), and the leak: sources the flood got learned (learned in the flood's family during "
          f"the flood, after the one known router learned in peace; the documented bound is learn_burst, "
          f"{c['learn_burst']}, per storm start) and flood sources in the known set at the end.", "",
          "| flood | known_logged | known_over | new_logged | ceiling_over | other family: logged | other family: "
          "learned during the flood | learned during the flood (leak) | flood sources in the known set "
          "| helper CPU, ms per s of flood, each flood |",
          "|---|---|---|---|---|---|---|---|---|---|"]

    def r(x):
        return f"{f(x['median'])} [{f(x['min'])} … {f(x['max'])}]" if x else "–"
    for kind, a in lanes:
        fam = kind[-1]
        other = "6" if fam == "4" else "4"
        k, ln = a["kernel"], a["lanes"]
        L.append(f"| {KINDS[kind]} | {r(k.get('known_logged' + fam))} | {r(k.get('known_over' + fam))} | "
                 f"{r(k.get('new_logged' + fam))} | {r(k.get('ceiling_over' + fam))} | {r(k.get('logged' + other))} | "
                 f"{r(ln['learned_during_other'])} | **{r(ln['learned_during'])}** | "
                 f"{r(ln['known_set_flood_sources'])} | {', '.join(f(x, 1) for x in a['helper_cpu_ms_per_s_each'])} |")
    return L + [""]
