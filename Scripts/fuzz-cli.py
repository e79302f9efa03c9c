#!/usr/bin/env python3
"""Mutation fuzzing of the `rewardkit` command line, the way an outside campaign exercises it.

Each case is a command whose input file is replaced by a seeded mutant of a well-formed seed. A
run passes when the tool exits 0 or exits 1 with an `error:` line on stderr; it fails on a signal
(a trap, a stack overflow), any other exit code, a stack trace, or a report/output that holds
`nan`/`inf`. Usage:

    swift build -c release --product rewardkit
    python3 Scripts/fuzz-cli.py [--seconds 300] [--seed 1] [--binary .build/release/rewardkit]

Prints runs, accepted, rejected and crashes per command, and writes each failing input to
/tmp/rewardkit-cli-fuzz/ with the command that failed on it.
"""
import argparse, os, random, re, subprocess, sys, tempfile, time

COMPARISONS = b"winner,loser,tie,weight\na,b,0,1\nb,c,0,2\nc,a,0,1\na,c,1,1\nb,a,0,1.5\nc,b,0,1\nd,a,0,1\nb,d,0,1\nd,c,1,0.5\n"
BATTLES = b"winner,loser,tie,len_a,len_b\na,b,0,120,80\nb,c,0,300,20\nc,a,0,45,60\na,c,1,10,10\nb,a,0,200,100\nc,b,0,50,70\n"
ANNOTATED = b"winner,loser,annotator,first\na,b,u1,a\nb,c,u2,c\nc,a,u1,c\na,c,u3,\nb,a,u2,b\nc,b,u1,b\nd,a,u3,a\nb,d,u1,d\nd,c,u2,d\n"
SOFT = b"winner,loser,probability,weight\na,b,0.8,1\nb,c,0.6,2\nc,a,0.3,1\na,c,0.5,1\nb,d,0.9,1\nd,a,0.2,0.5\n"
RANKINGS = b"ranking,item,rank,unranked,weight\n1,a,1,0,1\n1,b,2,0,1\n1,c,2,0,1\n1,d,4,0,1\n2,d,1,0,2\n2,a,2,0,2\n2,b,,1,2\n3,c,1,0,1\n3,b,2,0,1\n3,a,3,0,1\n4,b,1,0,1\n4,d,2,0,1\n"
SVO = b"respondent,item,option\n" + b"".join(b"r1,%d,%d\n" % (i, o) for i, o in zip(range(1, 7), [3, 4, 5, 2, 7, 3]))
TOKENS = [b",", b'"', b"\n", b"\r\n", b"\xef\xbb\xbf", b"\xcc\x81", b"nan", b"inf", b"-inf", b"1e308", b"1e309",
          b"1e19", b"1e300", b"-1", b"", b"\t", b"true", b"null", b"{", b"[", b"(" * 40000, b"\x00", b"99999999999999999999"]

CASES = [
    ("fit bradley-terry", "c.csv", COMPARISONS, ["fit", "bradley-terry", "--comparisons", "{f}", "--report", "{out}/r.json"]),
    ("fit bradley-terry davidson", "c.csv", COMPARISONS, ["fit", "bradley-terry", "--comparisons", "{f}", "--ties", "davidson", "--intervals", "hessian"]),
    ("fit noisy-bradley-terry", "n.csv", ANNOTATED, ["fit", "noisy-bradley-terry", "--comparisons", "{f}", "--output", "{out}/s.csv", "--annotators", "{out}/a.csv", "--report", "{out}/r.json"]),
    ("fit bradley-terry noise scores", "n.csv", ANNOTATED, ["fit", "bradley-terry", "--comparisons", "{f}", "--l2", "0.01", "--output", "{out}/s.csv", "--noise-scores", "{out}/n.csv"]),
    ("leaderboard bootstrap", "c.csv", COMPARISONS, ["leaderboard", "--comparisons", "{f}", "--bootstrap", "20", "--report", "{out}/r.json", "--svg", "{out}"]),
    ("leaderboard covariates", "b.csv", BATTLES, ["leaderboard", "--comparisons", "{f}", "--covariates", "len_a:len_b", "--normalize", "arena"]),
    ("fit thurstone soft", "s.csv", SOFT, ["fit", "thurstone", "--comparisons", "{f}", "--soft", "--report", "{out}/r.json"]),
    ("fit plackett-luce", "r.csv", RANKINGS, ["fit", "plackett-luce", "--rankings", "{f}", "--report", "{out}/r.json", "--output", "{out}/s.csv"]),
    ("fit plackett-luce davidson-luce", "r.csv", RANKINGS, ["fit", "plackett-luce", "--rankings", "{f}", "--ties", "davidson-luce", "--pseudo-rankings", "1", "--intervals", "hessian"]),
    ("svo", "a.csv", SVO, ["svo", "--responses", "{f}", "--report", "{out}/r.json"]),
]

def mutate(rng, data):
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        n = len(out)
        op = rng.randrange(8)
        if op == 0 and n: out[rng.randrange(n)] ^= 1 << rng.randrange(8)
        elif op == 1 and n: out[rng.randrange(n)] = rng.randrange(256)
        elif op == 2 and n:
            a = rng.randrange(n); del out[a:a + rng.randint(1, 16)]
        elif op == 3 and n:
            a = rng.randrange(n); out[rng.randrange(n + 1):0] = out[a:a + rng.randint(1, 64)]
        elif op in (4, 5): out[rng.randrange(n + 1):0] = rng.choice(TOKENS)
        elif op == 6 and n: del out[rng.randrange(n):]
        elif n > 1:
            i, j = rng.randrange(n), rng.randrange(n); out[i], out[j] = out[j], out[i]
    return bytes(out)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--binary", default=".build/release/rewardkit")
    args = p.parse_args()
    rng = random.Random(args.seed)
    failures = "/tmp/rewardkit-cli-fuzz"
    os.makedirs(failures, exist_ok=True)
    stats = {name: [0, 0, 0, 0] for name, *_ in CASES}   # runs, accepted, rejected, failed
    deadline = time.time() + args.seconds
    with tempfile.TemporaryDirectory() as folder:
        while time.time() < deadline:
            name, file, seed, argv = rng.choice(CASES)
            data = mutate(rng, seed)
            path = os.path.join(folder, file)
            with open(path, "wb") as f: f.write(data)
            command = [args.binary] + [a.format(f=path, out=folder) for a in argv]
            try:
                r = subprocess.run(command, capture_output=True, timeout=60)
                code, stderr = r.returncode, r.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                code, stderr = "timeout", ""
            s = stats[name]; s[0] += 1
            report = os.path.join(folder, "r.json")
            bad_report = os.path.exists(report) and re.search(rb"\b(nan|inf|-inf)\b", open(report, "rb").read())
            if code == 0 and not bad_report: s[1] += 1
            elif code == 1 and stderr.startswith("error:") and "Fatal error" not in stderr: s[2] += 1
            else:
                s[3] += 1
                k = sum(v[3] for v in stats.values())
                with open(os.path.join(failures, f"case{k}.input"), "wb") as f: f.write(data)
                with open(os.path.join(failures, f"case{k}.txt"), "w") as f:
                    f.write(f"{name}: exit {code}\n{' '.join(argv)}\n{stderr[-2000:]}\n")
            if os.path.exists(report): os.remove(report)
    total = [sum(v[i] for v in stats.values()) for i in range(4)]
    for name, (runs, ok, rejected, failed) in stats.items():
        print(f"{name}: {runs} runs, {ok} accepted, {rejected} typed errors, {failed} failures")
    print(f"total: {total[0]} runs, {total[1]} accepted, {total[2]} typed errors, {total[3]} failures (inputs in {failures})")
    sys.exit(1 if total[3] else 0)

if __name__ == "__main__":
    main()
