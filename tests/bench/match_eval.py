#!/usr/bin/env python3
"""Scores matching output against the ground truth of match_gen.py.

Usage: match_eval.py SETDIR [--ids IDS.tsv] [--match MATCH.tsv] [--best BEST.tsv]
                     [--blocked BLOCKED.tsv] [--dups DUPS.tsv] [--find FIND.tsv]

SETDIR      what match_gen.py wrote (truth.tsv, entities.tsv, queries.tsv)
--ids       hub record id -> generator line: "id<TAB>form<TAB>line" (when the
            outputs use hub ids; without it the ids are the lines themselves)
--match     `hub match --format tsv --all` output: intake report child score decision
--best      `hub match --format tsv` output (one line per intake, its best candidate)
--blocked   every blocked pair: intake report child (header first)
--dups      `hub duplicates --format tsv`: cluster report child score
--find      one line per query of queries.tsv, in order: the ranked
            "report:child" hits separated by spaces (top 10)

Prints precision, recall and F1 of the pairs decided `match` (and of every
proposed pair), of the best line per intake (a line is right when it names
any report of the intake's child; recall over the intakes that have one),
calibration (the share of true pairs per score band), blocking recall and
pairs compared, the share of queries whose child is first and in the top 10,
and pairwise precision and recall of the duplicate clusters.
"""
import sys
from collections import defaultdict


def read_tsv(path):
    with open(path, encoding='utf-8') as f:
        rows = [line.rstrip('\n').split('\t') for line in f]
    return rows[1:] if rows and rows[0] and not rows[0][0][:1].isdigit() and \
        rows[0][0] in ('intake', 'report', 'query', 'cluster', 'id') else rows


def prf(tp, npred, ntrue):
    p = tp / npred if npred else 1.0
    r = tp / ntrue if ntrue else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main():
    a = sys.argv[1:]
    if not a or a[0] in ('-h', '--help'):
        print(__doc__)
        return 0 if a else 2
    setdir, opts = a[0], dict(zip(a[1::2], a[2::2]))
    ids = {}
    if '--ids' in opts:
        for r in read_tsv(opts['--ids']):
            ids[r[0]] = int(r[2])

    def line(x):
        return ids[x] if ids else int(x)

    truth = set()
    for r in read_tsv(setdir + '/truth.tsv'):
        truth.add((int(r[0]), int(r[1]), int(r[2])))
    by_intake = defaultdict(set)
    for t in truth:
        by_intake[t[0]].add((t[1], t[2]))
    print('truth: %d links, %d intakes with a family report' % (len(truth), len(by_intake)))
    ok = True
    if '--match' in opts:
        rows = read_tsv(opts['--match'])
        pred = [(line(r[0]), line(r[1]), int(r[2]), float(r[3]), r[4]) for r in rows if r]
        for name, sel in (('match', [x for x in pred if x[4] == 'match']),
                          ('review+match', pred)):
            s = set(x[:3] for x in sel)
            tp = len(s & truth)
            p, r, f = prf(tp, len(s), len(truth))
            print('%-13s pairs %6d  precision %.4f  recall %.4f  F1 %.4f' % (name, len(s), p, r, f))
            if name == 'match':
                ok &= f >= 0.95 and p >= 0.98
                print('RESULT match_precision=%.4f match_recall=%.4f match_f1=%.4f' % (p, r, f))
        best = {}
        for x in pred:
            if x[0] not in best or x[3] > best[x[0]][3]:
                best[x[0]] = x
        bm = [x for x in best.values() if x[4] == 'match']
        tp = sum(1 for x in bm if (x[1], x[2]) in by_intake.get(x[0], ()))
        p, r, f = prf(tp, len(bm), len(by_intake))
        print('best/intake   match %5d  precision %.4f  recall %.4f  F1 %.4f (per intake)'
              % (len(bm), p, r, f))
        # calibration: the mean score against the share correct, by band
        edges = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01)
        print('calibration (--all; band: pairs, mean score, share true):')
        for lo, hi in zip(edges, edges[1:]):
            xs = [x for x in pred if lo <= x[3] < hi]
            if xs:
                print('  [%.2f, %.2f)  %5d  %.3f  %.3f' % (lo, min(hi, 1), len(xs),
                      sum(x[3] for x in xs) / len(xs), sum(x[:3] in truth for x in xs) / len(xs)))
    if '--best' in opts:
        rows = read_tsv(opts['--best'])
        pred = [(line(r[0]), line(r[1]), int(r[2]), float(r[3]), r[4]) for r in rows if r]
        for name, sel in (('match', [x for x in pred if x[4] == 'match']), ('review+match', pred)):
            tp = sum(1 for x in sel if (x[1], x[2]) in by_intake.get(x[0], ()))
            p, r, f = prf(tp, len(sel), len(by_intake))
            print('best line     %-13s lines %5d  precision %.4f  recall %.4f  F1 %.4f'
                  % (name, len(sel), p, r, f))
            if name == 'match':
                print('RESULT best_precision=%.4f best_recall=%.4f best_f1=%.4f' % (p, r, f))
    if '--blocked' in opts:
        bl = set()
        for r in read_tsv(opts['--blocked']):
            bl.add((line(r[0]), line(r[1]), int(r[2])))
        rec = len(bl & truth) / len(truth) if truth else 1.0
        nint = len(set(x[0] for x in bl)) or 1
        print('blocking      pairs %d (%.1f per intake)  recall %.4f' % (len(bl), len(bl) / nint, rec))
        print('RESULT blocking_recall=%.4f' % rec)
        ok &= rec >= 0.995
    if '--find' in opts:
        qs = read_tsv(setdir + '/queries.tsv')
        want = []
        for q in qs:
            key = (q[0], q[1], q[2])
            if want and want[-1][0] == key:
                want[-1][1].add((int(q[3]), int(q[4])))
            else:
                want.append((key, {(int(q[3]), int(q[4]))}))
        with open(opts['--find'], encoding='utf-8') as f:
            got = [l.rstrip('\n').split() for l in f]
        hit = hit1 = 0
        for (key, w), g in zip(want, got):
            hits = []
            for h in g[:10]:
                rid, ch = h.rsplit(':', 1)
                hits.append((line(rid), int(ch)))
            hit += bool(set(hits) & w)
            hit1 += bool(hits) and hits[0] in w
        n = min(len(want), len(got))
        print('find          queries %d  true child first: %.4f, in top 10: %.4f'
              % (n, hit1 / n if n else 0, hit / n if n else 0))
        print('RESULT find_top10=%.4f' % (hit / n if n else 0))
        ok &= n > 0 and hit / n >= 0.99
    if '--dups' in opts:
        ent, cons = {}, {}
        for r in read_tsv(setdir + '/entities.tsv'):
            ent[(int(r[0]), int(r[1]))] = int(r[2])
            cons[(int(r[0]), int(r[1]))] = r[3] == 'yes'
        tpairs = defaultdict(list)
        for k, v in ent.items():
            if cons[k]:
                tpairs[v].append(k)
        true_pairs = set()
        for v, ks in tpairs.items():
            ks = sorted(ks)
            for i in range(len(ks)):
                for j in range(i + 1, len(ks)):
                    if ks[i][0] != ks[j][0]:
                        true_pairs.add((ks[i], ks[j]))
        cl = defaultdict(list)
        for r in read_tsv(opts['--dups']):
            cl[r[0]].append((line(r[1]), int(r[2])))
        pp = set()
        for ks in cl.values():
            ks = sorted(ks)
            for i in range(len(ks)):
                for j in range(i + 1, len(ks)):
                    if ks[i][0] != ks[j][0]:
                        pp.add((ks[i], ks[j]))
        tp = len(pp & true_pairs)
        p, r, f = prf(tp, len(pp), len(true_pairs))
        print('duplicates    pairs %d (true %d)  precision %.4f  recall %.4f  F1 %.4f'
              % (len(pp), len(true_pairs), p, r, f))
        print('RESULT dup_precision=%.4f dup_recall=%.4f' % (p, r))
    print('targets met' if ok else 'targets NOT met')
    return 0


if __name__ == '__main__':
    sys.exit(main())
