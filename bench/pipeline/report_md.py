"""The Markdown of the pipeline section of bench/RESULTS.md, from report.py's data."""

KINDS = {"one4": "one source, IPv4", "one6": "one source, IPv6",
         "spoof4": "random sources, IPv4", "spoof6": "random sources, IPv6"}


def f(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def met(ok):
    return "met" if ok else "**missed**"


def latency_rows(lat):
    rows = []
    for label, d in (("PTB in → broadcast out, all", lat["latency"]["us"]),
                     ("… IPv4", lat["latency"]["us_v4"]), ("… IPv6", lat["latency"]["us_v6"]),
                     ("NFLOG wake-up floor (kernel stamp → reader)", dict(lat["floor"]["us"],
                                                                        n=lat["floor"]["stamped"]))):
        rows.append(f"| {label} | {d.get('n', 0)} | {f(d.get('min'), 1)} | {f(d.get('p50'), 1)} | "
                    f"{f(d.get('p90'), 1)} | {f(d.get('p99'), 1)} | {f(d.get('max'), 1)} |")
    return rows


def render(data):
    m, lat, s, idle = data["machine"], data["latency"], data["flood_summary"], data["idle"]
    L = []
    L.append(f"Run {m['date']} on {m['cpu_model']} ({m['cpus']} vCPUs), kernel {m['kernel']}, "
             f"nft {m['nft']}; pmtud {m.get('commit', '?')}"
             f"{' with uncommitted changes to the helper or rules' if m.get('uncommitted_files', '0') != '0' else ''}; "
             f"load average at start {m['load_at_start']}; the machine was shared "
             f"with other work. Each flood: {int(m['flood_count']):,} PTBs (v4 576 B, v6 1280 B), "
             f"{m['reps']} repetition(s) per kind and mode, interleaved; medians unless noted. "
             f"Whole run {m.get('wall_seconds', '?')} s. Every figure: `bench/out/pipeline.json`.")
    L.append("")

    lu, fl = lat["latency"]["us"], lat["floor"]["us"]
    one = [s.get(k) for k in ("one4/pmtud", "one6/pmtud") if s.get(k)]
    spoof = [s.get(k) for k in ("spoof4/pmtud", "spoof6/pmtud") if s.get(k)]
    allp = one + spoof
    cpu1m = max((a["helper_cpu_s_max"] or 0) for a in one) * 1e3 if one else None
    per100k = max((a["helper_cpu_s_max"] or 0) / (a["sent"] / 1e5) for a in one) * 1e3 if one else None
    spoof_ms_s = max(a["helper_cpu_ms_per_s_max"] for a in spoof) if spoof else None
    hwm = max(a["helper_hwm_kib_max"] for a in allp) / 1024 if allp else None
    growth = max(a["helper_rss_growth_kib_max"] for a in allp) if allp else None
    lost = max(a["helper_nflog_lost_max"] for a in allp) if allp else None
    bounded = all(a["logged_within_bound"] for a in allp)
    kernel_ok = all(a["kernel_accounts_all"] for a in allp)
    helper_ok = all(a["helper_accounts_all"] for a in allp)
    relay = lat["latency"]
    idle_a = idle.get("a", {})
    L += ["### Goals (DESIGN.md and issue 8)", "",
          "| goal | measured | |", "|---|---|---|",
          f"| PTB → broadcast p50 ≤ 300 µs | **{f(lu.get('p50'), 0)} µs** (NFLOG floor p50 {f(fl['p50'], 0)} µs) "
          f"| {met((lu.get('p50') or 1e9) <= 300)} |",
          f"| PTB → broadcast p99 ≤ 1 ms | **{f(lu.get('p99'), 0)} µs**, max {f(lu.get('max'), 0)} µs "
          f"(floor p99 {f(fl['p99'], 0)} µs) | {met((lu.get('p99') or 1e9) <= 1000)} |",
          f"| no busy polling: idle helper ≈ 0 CPU | {f(idle_a.get('cpu_s', 0) * 1e3, 2)} ms CPU, "
          f"{idle_a.get('wakeups', '–')} wake-ups in {idle['seconds']} s | "
          f"{met(idle_a.get('cpu_s', 1) < 0.01)} |",
          f"| helper CPU for a one-source flood ≤ 10 ms per 1M PTBs | **{f(cpu1m, 2)} ms** for "
          f"{int(m['flood_count']):,} (worst run, v4 or v6) | "
          f"{met(cpu1m is not None and cpu1m * 1e6 / int(m['flood_count']) <= 10)} |",
          f"| (DESIGN) one-source flood: helper CPU ≤ 50 ms per 100k PTBs | {f(per100k, 3)} ms per 100k "
          f"(worst run) | {met(per100k is not None and per100k <= 50)} |",
          f"| spoofed flood: helper CPU bounded (read here as ≤ 1 % of a CPU while it lasts) | "
          f"{f(spoof_ms_s, 1)} ms per second of flood (worst run) | "
          f"{met(spoof_ms_s is not None and spoof_ms_s <= 10)} |",
          f"| kernel logs ≤ burst + rate × s per source, ≤ the ceiling overall | every run within its bound "
          f"(table below) | {met(bounded)} |",
          f"| every drop counted in the kernel; every logged PTB reaches the helper | rx = bad + src_over "
          f"+ ceiling_over + logged in every run: {'yes' if kernel_ok else 'no'}; logged = received + lost: "
          f"{'yes' if helper_ok else 'no'} | {met(kernel_ok and helper_ok)} |",
          f"| no NFLOG loss | {lost} lost (worst run) | {met(lost == 0)} |",
          f"| helper RSS ≤ 5 MiB (DESIGN) / 8 MiB (issue), flat | VmHWM {f(hwm, 1)} MiB, "
          f"RSS growth over a flood ≤ {growth} KiB | {met(hwm is not None and hwm <= 5 and growth <= 64)} |",
          f"| each PTB → at most one broadcast | {relay['relayed_once']} of {relay['ptbs_in']} relayed "
          f"once, {relay['unmatched_broadcasts']} extra | "
          f"{met(relay['unmatched_broadcasts'] == 0 and relay['relayed_once'] == relay['ptbs_in'])} |",
          ""]

    L += ["### Latency: PTB in → broadcast out, one capture clock", "",
          f"{lat['sender']['sent']} PTBs, v4 and v6 in turn, from 10 sources, paced at "
          f"{f(lat['sender']['rate_pps'])}/s, every limit raised far above that "
          f"(`{m['latency_limits_args']}`): kernel src_over "
          f"{lat['kernel'].get('src_over4', 0) + lat['kernel'].get('src_over6', 0)}, ceiling_over "
          f"{lat['kernel'].get('ceiling_over', 0)}, helper dropped {lat['helper'].get('dropped', 0)}. "
          "Both stamps come from one tcpdump (nanosecond) on A's bridge port. The floor is "
          "`bench/nflog-floor` on its own group, fed by a second rule right after pmtud's: the time "
          "from the kernel's packet stamp (NFULA_TIMESTAMP, µs) to a poll()-sleeping reader. "
          f"The helper spent {f(lat['helper_cpu_us_per_ptb'], 1)} µs of CPU per relayed PTB "
          f"({lat['helper_wakeups']} wake-ups for {lat['helper'].get('received', 0)} PTBs).", "",
          "| µs | n | min | p50 | p90 | p99 | max |", "|---|---|---|---|---|---|---|"]
    L += latency_rows(lat)
    L.append("")

    L += [f"### Floods with pmtud (pmtud-setup's default limits: `{m['flood_limits_args']}`)", "",
          "| flood | sender kpps | at A (rx4/rx6) | src_over | ceiling_over | logged (max) | bound "
          "| helper received | broadcasts (max) | NFLOG lost | helper CPU ms (max) | wake-ups | VmHWM KiB |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for kind, label in KINDS.items():
        a = s.get(f"{kind}/pmtud")
        if not a:
            continue
        rx = (a["rx4_median"] or 0) + (a["rx6_median"] or 0)
        L.append(f"| {label} | {f(a['pps'] / 1e3)} | {f(rx)} | "
                 f"{f((a['src_over4_median'] or 0) + (a['src_over6_median'] or 0))} | "
                 f"{f(a['ceiling_over_median'])} | {a['logged_max']} | {f(a['logged_bound_max'])} | "
                 f"{a['helper_received_max']} | {a['helper_forwarded_max']} "
                 f"(≤ {f(a['forwarded_bound_max'])}) | {a['helper_nflog_lost_max']} | "
                 f"{f(a['helper_cpu_s_max'] * 1e3, 2)} | {a['helper_wakeups_max']} | {a['helper_hwm_kib_max']} |")
    L.append("")
    legit = [(KINDS[k], s[f"{k}/pmtud"]) for k in ("spoof4", "spoof6") if "legit_sent" in s.get(f"{k}/pmtud", {})]
    if legit:
        L.append("A quiet legitimate router (the colo's upstream, 1 PTB/s, under its own limit) during "
                 "the spoofed floods: " + "; ".join(
                     f"{label}: **{a['legit_forwarded']} of {a['legit_sent']}** relayed" for label, a in legit)
                 + f". Tracked sources at the end (set elements, max): " + "; ".join(
                     f"{label}: {a.get('set_elements_max')}" for label, a in legit) + ".")
        L.append("")

    L += ["### Whole-system cost per flood PTB: pmtud vs. no rules", "",
          "*Kernel path*: the sender is pinned to one vCPU and veth runs the whole receive path "
          "(bridge, the server's IP stack, nft, NFLOG) inside its sendmmsg calls, so the sender "
          "thread's CPU time in those calls is that path's cost. In one flood of each kind per "
          "repetition, batches alternate between A (pmtud) and C (no table at all): both halves "
          "share the machine's load of the moment, and Δ = A − C is the rules' cost (median and "
          "range over the repetitions). *Whole machine*: /proc/stat over a flood's sending window, "
          "all CPUs, busy = user+nice+system+irq+softirq, minus the other tenants' load measured "
          "for half a second just before (last column), for floods to A with pmtud and with no "
          "rules at all, paired by repetition. It also catches work done away from the sender "
          "(timers, set GC, RCU, the helper), but on a shared VM it is only as good as that "
          "subtraction. *Helper*: pmtud-helper's own CPU per flood PTB.", "",
          "| flood | kpps no rules / pmtud | kernel path ns/PTB: no rules | pmtud | Δ median [range] "
          "| helper ns/PTB | whole machine ns/PTB: no rules | pmtud | Δ median [range] "
          "| other tenants, CPUs busy |",
          "|---|---|---|---|---|---|---|---|---|---|"]

    def rng(x):
        return f"**{x['median']:+,.0f}** [{x['min']:+,.0f} … {x['max']:+,.0f}]"
    for kind, label in KINDS.items():
        a, b, w = s.get(f"{kind}/none"), s.get(f"{kind}/pmtud"), data["whole_system"].get(kind, {})
        if not a or not b:
            continue
        k = w.get("kernel_path")
        m_ = "machine_busy_ns_per_ptb_minus_background"
        kp = (f"{f(k['c_ns_per_ptb']['median'])} | {f(k['a_ns_per_ptb']['median'])} | "
              f"{rng(k['delta_ns_per_ptb'])}") if k else "– | – | –"
        L.append(f"| {label} | {f(a['pps'] / 1e3)} / {f(b['pps'] / 1e3)} | {kp} | "
                 f"{f(b['helper_cpu_ns_per_ptb'], 1)} | {f(w[m_ + '_none']['median'])} | "
                 f"{f(w[m_ + '_pmtud']['median'])} | {rng(w[m_ + '_delta'])} | "
                 f"{f(a['background_busy_cpus'], 2)} / {f(b['background_busy_cpus'], 2)} |")
    L.append("")

    L += ["### Idle", "", f"| helper | CPU in {idle['seconds']} s | wake-ups | VmRSS KiB |", "|---|---|---|---|"]
    for srv in ("a", "b", "c"):
        if srv in idle:
            d = idle[srv]
            L.append(f"| {srv.upper()} | {f(d['cpu_s'] * 1e3, 2)} ms | {d['wakeups']} | {d['rss_kib']} |")
    L.append("")
    return "\n".join(L) + "\n"
