#!/usr/bin/env python3
"""Counts the cuDNN API calls in a cuDNN API log (CUDNN_LOGINFO_DBG=1 with cuDNN 8, CUDNN_LOGLEVEL_DBG=3 with 9).

Each call is logged as a line "I! CuDNN (v8302) function cudnnConvolutionForward() called:". The calls are grouped the
way a training step uses them (algorithm searches, convolution passes, pooling, setup) and, given the number of
training steps the log covers, divided into calls per step.

  bench/cudnn_calls.py LOG STEPS      prints a Markdown table; --json prints the counts as JSON
"""
import argparse
import collections
import json
import re
import sys

CALL = re.compile(r"^I! CuDNN \(v\d+\) function (cudnn\w+)\(\) called:")

# function -> the group it is counted in; anything else is "other" (descriptors, handles, queries)
GROUPS = collections.OrderedDict([
    ("algorithm searches (cudnnFind*: each runs and times every algorithm)", lambda f: f.startswith("cudnnFind")),
    ("algorithm heuristics (cudnnGet*Algorithm*)", lambda f: re.fullmatch(r"cudnnGetConvolution\w*Algorithm\w*", f) is not None),
    ("convolution forward", lambda f: f == "cudnnConvolutionForward"),
    ("convolution backward data", lambda f: f == "cudnnConvolutionBackwardData"),
    ("convolution backward filter", lambda f: f == "cudnnConvolutionBackwardFilter"),
    ("convolution backward bias", lambda f: f == "cudnnConvolutionBackwardBias"),
    ("bias add (cudnnAddTensor)", lambda f: f == "cudnnAddTensor"),
    ("pooling forward", lambda f: f == "cudnnPoolingForward"),
    ("pooling backward", lambda f: f == "cudnnPoolingBackward"),
    ("workspace size queries", lambda f: f.endswith("WorkspaceSize")),
])


def count(lines):
    """Calls per function name."""
    calls = collections.Counter()
    for line in lines:
        m = CALL.match(line)
        if m:
            calls[m.group(1)] += 1
    return calls


def grouped(calls):
    """Calls per group, in GROUPS order, then "other"."""
    groups = collections.OrderedDict((name, 0) for name in GROUPS)
    groups["other (descriptors, handles, streams)"] = 0
    for function, n in calls.items():
        for name, member in GROUPS.items():
            if member(function):
                groups[name] += n
                break
        else:
            groups["other (descriptors, handles, streams)"] += n
    return groups


def table(groups, steps):
    rows = ["| cuDNN calls | in the log | per training step |", "|---|---|---|"]
    for name, n in groups.items():
        rows.append("| %s | %d | %.2f |" % (name, n, n / steps))
    return "\n".join(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("log", help="the cuDNN API log (CUDNN_LOGDEST_DBG)")
    p.add_argument("steps", type=int, help="training steps the log covers")
    p.add_argument("--json", action="store_true", help="print the counts as JSON instead of a table")
    a = p.parse_args(argv)
    if a.steps < 1:
        p.error("STEPS must be 1 or more, not %d" % a.steps)
    try:
        with open(a.log, encoding="utf-8", errors="replace") as f:
            calls = count(f)
    except OSError as e:
        print("error: cannot read the cuDNN log %s: %s" % (a.log, e), file=sys.stderr)
        return 2
    if not calls:
        print("error: no cuDNN calls in %s: was cuDNN's API logging on (CUDNN_LOGINFO_DBG=1, CUDNN_LOGDEST_DBG=FILE), "
              "and did the run use cuDNN?" % a.log, file=sys.stderr)
        return 3
    groups = grouped(calls)
    if a.json:
        print(json.dumps({"steps": a.steps, "groups": groups, "functions": dict(calls)}))
    else:
        print(table(groups, a.steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
