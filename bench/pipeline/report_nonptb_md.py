"""The Markdown of the non-PTB section of bench/RESULTS.md, from report_nonptb.py's data."""

KIND_LABELS = {"tcp4": "TCP v4", "udp4": "UDP v4", "tcp6": "TCP v6", "udp6": "UDP v6", "all": "all"}


def f(x, digits=0, sign=False):
    if x is None:
        return "–"
    return f"{x:{'+' if sign else ''},.{digits}f}"


def cell(s, bold=True):
    """A spread as 'median [min … max]'."""
    if not s:
        return "–"
    med = f(s["median"], sign=True)
    return f"{'**' + med + '**' if bold else med} [{f(s['min'], sign=True)} … {f(s['max'], sign=True)}]"


def render(data):
    m, variants, kinds = data["machine"], data["variants"], data["kinds"]
    ab, wm = data["ab"], data["whole_machine"]
    cols = kinds + (["all"] if len(kinds) > 1 else [])
    L = []
    n_ab = len(data["ab_floods"])
    L.append(f"Run {m['date']} on {m['cpu_model']} ({m['cpus']} vCPUs), kernel {m['kernel']}, "
             f"nft {m['nft']}; pmtud {m.get('commit', '?')}"
             f"{' with uncommitted changes to the rules or fixtures' if m.get('uncommitted_files', '0') != '0' else ''}; "
             f"load average at start {m['load_at_start']}; the machine was shared with other work. "
             f"{m['reps']} repetitions; per repetition every variant in turn (rotated order), each "
             f"with every kind of flood: {n_ab} A/B floods of {int(m['count']):,} packets"
             + (f", {len(data['machine_floods'])} floods of {int(m['machine_count']):,} to A alone"
                if data["machine_floods"] else "")
             + f". Whole run {m.get('wall_seconds', '?')} s. Every figure: `bench/out/nonptb.json`."
             + (f" **Base: `{m['base']}`** ({data['describe_base']}) was loaded on A and C for the "
                "whole run: every figure is on top of it." if m.get("base", "none") != "none" else ""))
    L.append("")

    L += ["| variant | what it is | PTBs dispatched (v4, v6) |", "|---|---|---|"]
    for v in variants:
        c = data["check"].get(v, {})
        got = ", ".join(f"{k} {val}" for k, val in c.items() if k != "expected")
        exp = f" (expected {c['expected']} each)" if "expected" in c else ""
        L.append(f"| {v} | {data['describe'].get(v, '')} | {got + exp if c else '–'} |")
    L.append("")

    L += ["### Kernel path per packet: the variant's server minus the one with no table, inside one flood",
          "",
          "ns per packet, median [min … max] over the repetitions. The sender (pinned to one vCPU) "
          "alternates 64-packet batches between A and C; veth runs each receiver's whole receive path "
          "inside the send call, so the sender's CPU time in the calls to each receiver is that "
          "receiver's cost, measured at the same moment under the same load. The variant is on A in "
          "odd repetitions and on C in even ones; `none` (no table on either) is the A/A control: "
          "what the method reads when there is nothing to find.", "",
          "| variant | " + " | ".join(KIND_LABELS[k] for k in cols) + " |",
          "|---|" + "---|" * len(cols)]
    for v in variants:
        L.append(f"| {v} | " + " | ".join(cell(ab.get(f"{v}/{k}", {}).get("delta_ns")) for k in cols) + " |")
    L.append("")
    L += ["Δ of the minima (the fastest flood of the variant's side minus the fastest of the "
          "no-table side; noise only adds time, so the minima are the cleanest readings):", "",
          "| variant | " + " | ".join(KIND_LABELS[k] for k in kinds) + " |",
          "|---|" + "---|" * len(kinds)]
    for v in variants:
        L.append(f"| {v} | " + " | ".join(f(ab.get(f"{v}/{k}", {}).get("delta_of_minima_ns"), sign=True)
                                          for k in kinds) + " |")
    L.append("")

    L += ["The no-table side of those floods (what every packet costs without pmtud) and the stack's "
          "own verdict on each packet (nstat on A and C: every TCP ACK answered with a RST, every "
          "UDP datagram counted NoPorts; checksum and header errors):", "",
          "| kind | sender kpps (median) | no table: ns/packet median | min | packets on the intended path "
          "| stack errors | ksoftirqd ms per flood (median, max) | send retries |",
          "|---|---|---|---|---|---|---|---|"]
    for k in kinds:
        rs = [r for r in data["ab_floods"] if r["kind"] == k]
        if not rs:
            continue
        none_ns = sorted(r["none_ns"] for r in rs)
        lo = min(r["expected_path_ratio_min"] for r in rs)
        hi = max(r["expected_path_ratio_max"] for r in rs)
        sq = sorted(r["ksoftirqd_ms"] for r in rs)
        L.append(f"| {KIND_LABELS[k]} | {f(sorted(r['pps'] for r in rs)[len(rs) // 2] / 1e3)} | "
                 f"{f(none_ns[len(none_ns) // 2])} | {f(none_ns[0])} | {lo:.1%} … {hi:.1%} | "
                 f"{sum(r['stack_errors'] for r in rs)} | {f(sq[len(sq) // 2], 1)}, {f(sq[-1], 1)} | "
                 f"{sum(r['send_retries'] for r in rs)} |")
    L.append("")

    if data["machine_floods"]:
        L += ["### Whole machine per packet: floods to A alone, the variant minus no table", "",
              "/proc/stat over each flood's sending window, all CPUs, busy = user+nice+system+irq+softirq, "
              "minus the other tenants' load measured for half a second just before; paired with the "
              "no-table flood of the same kind and repetition (minutes apart, so other tenants' load "
              "changes in between). *Producer*: the sender thread's own CPU plus its vCPU's ksoftirqd, "
              "paired the same way. ns per packet, median [min … max].", "",
              "| variant | " + " | ".join(f"{KIND_LABELS[k]}: machine | producer" for k in cols) + " |",
              "|---|" + "---|---|" * len(cols)]
        for v in variants:
            if v == "none":
                continue
            L.append(f"| {v} | " + " | ".join(
                f"{cell(wm.get(f'{v}/{k}', {}).get('machine_delta_ns'), bold=False)} | "
                f"{cell(wm.get(f'{v}/{k}', {}).get('producer_delta_ns'))}" for k in cols) + " |")
        base = wm.get("none/all", {})
        if base:
            L.append("")
            L.append(f"No table: whole machine {f(base['machine_ns']['median'])} ns per packet "
                     f"(median; {f(base['machine_ns']['min'])} … {f(base['machine_ns']['max'])}), "
                     f"producer {f(base['producer_ns']['median'])}; other tenants kept "
                     f"{f(base['background_cpus']['median'], 2)} CPUs busy (median, "
                     f"max {f(base['background_cpus']['max'], 2)}).")
        L.append("")
    return "\n".join(L) + "\n"
