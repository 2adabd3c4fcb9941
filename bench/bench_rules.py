"""What the rule packs add to a scan: rule time against transcription time, same files, same run.

For each sample call: decode + transcribe + roles once (timed), then evaluate every shipped
rule on the result `--repeat` times (median). Chats are timed too (rules are then nearly the
whole cost, so their absolute rate is shown instead of a ratio).

    python bench/bench_rules.py [--repeat 20] [--rules PACK ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner import Processor, ScanOptions, discover  # noqa: E402
from scanner.rules import RuleSet, default_rule_paths  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rules", type=Path, action="append")
    args = ap.parse_args()
    ruleset = RuleSet.load(args.rules or default_rule_paths())
    scanner = Processor(ScanOptions(rule_paths=()))
    items, _ = discover([ROOT / "samples"])
    n_rules = len(ruleset.rules)
    print(f"{n_rules} rules from {', '.join(p.pack for p in ruleset.packs)}\n")
    print(f"{'interaction':34s}{'audio s':>9s}{'scan s':>9s}{'rules ms':>10s}{'rules/scan':>12s}")
    total_scan = total_rules = 0.0
    chat_times = []
    for item in items:
        t0 = time.perf_counter()
        result = scanner.process(item)
        scan_s = time.perf_counter() - t0
        it = result.interaction
        assert it is not None, result.error
        runs = []
        for _ in range(args.repeat):
            ruleset.clear_caches()  # time cold evaluations, as in a real scan
            t0 = time.perf_counter()
            ruleset.evaluate(it)
            runs.append(time.perf_counter() - t0)
        rules_s = statistics.median(runs)
        if it.medium == "voice":
            total_scan += scan_s
            total_rules += rules_s
            ratio = f"{100 * rules_s / scan_s:10.2f}%"
            print(f"{item.id:34s}{it.duration:9.1f}{scan_s:9.2f}{1000 * rules_s:10.2f}{ratio:>12s}")
        else:
            chat_times.append(rules_s)
            print(f"{item.id:34s}{'-':>9s}{scan_s:9.3f}{1000 * rules_s:10.2f}{'-':>12s}")
    print(
        f"\naudio: rules add {100 * total_rules / total_scan:.2f}% to decode+transcribe+roles "
        f"({1000 * total_rules:.1f} ms against {total_scan:.1f} s)"
    )
    per_chat = statistics.mean(chat_times)
    print(f"chats: {1000 * per_chat:.2f} ms per chat for all rules ({1 / per_chat:.0f} chats/s)")


if __name__ == "__main__":
    main()
