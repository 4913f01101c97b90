"""A response model over the JSON-lines protocol, with switches that make it misbehave.

Reads one JSON object of spend per line on stdin, keyed by channel, and prints one JSON object
of KPIs per line on stdout:

    revenue = sum over channels of coefficient * x / (x + inflexion)
    reach   = sum over channels of 10 * sqrt(x)

Only the standard library is used, so any python3 runs it.
"""

import argparse
import json
import math
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--curves", default="{}",
                        help='JSON {"channel": [coefficient, inflexion]}, else 1000 and 50')
    parser.add_argument("--kpis", default="revenue,reach")
    parser.add_argument("--mode", default="ok",
                        choices=["ok", "crash", "crash-once", "hang", "malformed", "missing-kpi",
                                 "extra-kpi", "nan", "stderr", "exit-at-start", "extra-line"])
    parser.add_argument("--on-line", type=int, default=1,
                        help="1-based input line at which the mode acts")
    parser.add_argument("--marker", help="file that crash-once creates on its first crash")
    parser.add_argument("--pids", help="file to append this process's pid to at start")
    parser.add_argument("--log", help="file to append every input line to")
    parser.add_argument("--at-exit", help="file written after stdin closes, before exiting")
    return parser.parse_args()


def kpis_of(spend, curves, names):
    revenue = 0.0
    reach = 0.0
    for channel, x in spend.items():
        coefficient, inflexion = curves.get(channel, (1000.0, 50.0))
        revenue += coefficient * x / (x + inflexion)
        reach += 10.0 * math.sqrt(x)
    values = {"revenue": revenue, "reach": reach}
    return {name: values[name] for name in names}


def main():
    args = parse_args()
    curves = json.loads(args.curves)
    names = args.kpis.split(",")
    if args.pids:
        with open(args.pids, "a") as pids:
            pids.write(f"{os.getpid()}\n")
    if args.mode == "exit-at-start":
        print("exiting at start on purpose", file=sys.stderr)
        sys.exit(4)
    count = 0
    for line in sys.stdin:
        count += 1
        if args.log:
            with open(args.log, "a") as log:
                log.write(line)
        spend = json.loads(line)
        answer = kpis_of(spend, curves, names)
        acts = count >= args.on_line
        if acts and args.mode == "crash":
            print("crashing on purpose", file=sys.stderr)
            sys.exit(3)
        if acts and args.mode == "crash-once" and not os.path.exists(args.marker):
            open(args.marker, "w").close()
            print("crashing once on purpose", file=sys.stderr)
            sys.exit(3)
        if acts and args.mode == "hang":
            time.sleep(30)
        if acts and args.mode == "malformed":
            print("revenue=12", flush=True)
            continue
        if acts and args.mode == "missing-kpi":
            answer.pop(names[-1])
        if acts and args.mode == "extra-kpi":
            answer["profit"] = 1.0
        if acts and args.mode == "nan":
            answer[names[0]] = float("nan")
        if args.mode == "stderr":
            print(f"note: responding to line {count}", file=sys.stderr, flush=True)
        print(json.dumps(answer), flush=True)
        if acts and args.mode == "extra-line":
            print(json.dumps(answer), flush=True)
    if args.at_exit:
        # A short pause, as a program that saves state on exit would take.
        time.sleep(0.2)
        with open(args.at_exit, "w") as done:
            done.write(f"{count}\n")


if __name__ == "__main__":
    main()
