"""Fills a whole form in the wizard as a worker would, on a pty (term.py):
the answers a test names by label (a regular expression on the question's
label), and for every other question what a person would type: Enter where
there is an answer or a suggestion or the question is optional, the first
choice of a required choice question, a plausible text, date or number.

    log = fill(term, answers={"Surname": "Петренко"}, entries={"Sought child": 2},
               photos=["/tmp/one.jpg"])

entries: how many entries each repeat (by label) gets; photos: the files for
attachment questions, in turn. An answer may be a list: one item each time
the question is asked (to type a refused answer, then a good one). Returns the list of (question, typed) and
leaves the wizard at the review's prompt. The screens are in term.raw.
"""
import re

QUESTION = re.compile(r"\n\[(\d+)/(\d+)\] (.*?)( \*)?\n")
ADD = re.compile(r"\n\[(\d+)/(\d+)\] (.*?): (?:add one\?|\d+ so far; add another\?|додати\?|уже \d+; додати ще\?)")


REVIEW = re.compile(r"\n== (Review|Перевірка): ")


def last(rx, text):
    m = None
    for m in rx.finditer(text):
        pass
    return m


def fill(t, answers=None, entries=None, photos=None, limit=400):
    answers, entries, photos = answers or {}, dict(entries or {}), list(photos or [])
    log = []
    for _ in range(limit):
        s = "\n" + t.prompt()
        if REVIEW.search(s):
            return log
        a = last(ADD, s)
        q = last(QUESTION, s)
        if a and (not q or a.start() >= q.start()):
            label = a.group(3)
            want = next((n for k, n in entries.items() if re.search(k, label)), 0)
            m = re.search(r"(\d+) so far|уже (\d+)", s[a.start():])
            have = int(m.group(1) or m.group(2)) if m else 0
            typed = "y" if have < want else ""
            log.append((label, typed))
            t.line(typed)
            continue
        assert q, "no question on the screen:\n" + s[-2000:]
        label, required, block = q.group(3), bool(q.group(4)), s[q.start():]
        typed = None
        for k, v in answers.items():
            if re.search(k, label):
                # A list: one item each time the question is asked (a refused
                # answer, then a good one).
                typed = (v.pop(0) if len(v) > 1 else v[0]) if isinstance(v, list) else v
                break
        if typed is None:
            if "now:" in block or "пропозиція:" in block or "suggested:" in block or "зараз:" in block:
                typed = ""
            elif "(with its folder)" in block or "(разом із текою)" in block:
                typed = photos.pop(0) if photos else ""
            elif not required:
                typed = ""
            elif re.search(r"\n +1\) ", block):
                typed = "1"
            elif "YYYY-MM-DD" in block or "РРРР-ММ-ДД" in block:
                typed = "2015-05-14"
            elif re.search(r"(?i)\bage\b|вік", label):
                typed = "40"
            else:
                typed = "Тест"
        log.append((label, typed))
        t.line(typed)
    raise AssertionError("the form did not end in %d answers" % limit)
