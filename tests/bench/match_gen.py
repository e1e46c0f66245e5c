#!/usr/bin/env python3
"""Deterministic synthetic evaluation set for hub matching (docs/matching.md).

Writes into OUTDIR:
  reports.jsonl   family-report answers, one record a line (capture --from)
  intakes.jsonl   child-intake answers, one record a line
  truth.tsv       intake_line  report_line  child  (1-based lines/children: the
                  true links between consenting records)
  entities.tsv    report_line  child  entity  (who each reported child is; for
                  the duplicate clusters)
  queries.tsv     query  born  sex  report_line  child  (for hub find top-10)
  summary.txt     counts and the error rates used

Usage: match_gen.py OUTDIR [--children N] [--seed S] [--variant main|holdout]
                   [--intake-rate R] [--unreported-rate U]
  (shares of reported and of unreported children who return: 0.45, 0.12;
  the benchmark uses --children 50000 --intake-rate 1 --unreported-rate 1,
  about 50,000 children in reports and 50,000 intakes)

The error model (the holdout variant shifts every rate and swaps the Latin
systems used, so that tuning on main can be checked on data it never saw):
  population  N children in families of 1-3 (siblings share surname,
              patronymic, parents, reporter; 4% of families have twins);
              given names Zipf-distributed over the popular Ukrainian names,
              2% rare names outside the shipped table; surnames Zipf over
              ~2,700 (Шевченко, Коваленко... most common)
  reports     70% of children are reported; of those 30% more than once
              (2-4 reports: another relative, or the same one again);
              siblings usually in one report; Ukrainian Cyrillic, Latin left
              to the form's KMU transliteration; typos 4%, diminutive given
              name 5%, nickname recorded 20%, patronymic known 75%; dates:
              exact 75% (of which 6% mistyped: digit, day/month swap, +-1 day,
              +-1 year), estimated 15% (1 Jan or 1 Jul, year +-1), unknown
              10% (age in years, +-1); birth certificate number 35%
  intakes     45% of reported children return, plus unreported returnees
              (a quarter of intakes); the name as documented in Russia:
              Russified given name 35%, patronymic 60% of those, surname
              re-spelled in Russian 35%, replaced after adoption 6%, Latin
              only (ICAO, 1997 passport, BGN, KMU, ad hoc) 7%, diminutive 6%,
              typos 5%; away names in Russian 40%; dates exact 80% (8%
              mistyped, 3% placeholder 1 January), estimated 8%, unknown
              12%; sex wrong 0.5%; family members named 60% (the reporter
              among them when the child knows them); the report's short
              reference 4%; the birth certificate number 30% when the report
              had one
  consent     report consent_process no 3%; intake consent_tracing no 7%
              (those pairs leave the truth: they must be skipped)
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'data')
TABLE = os.path.join(HERE, '..', '..', 'hub', 'data', 'given-names.tsv')
if not os.path.exists(TABLE):
    TABLE = os.path.join(HERE, '..', '..', 'data', 'given-names.tsv')

# ---- names ----

BOYS = ("Олександр Максим Артем Дмитро Назар Богдан Владислав Іван Андрій Денис Данило "
        "Микита Михайло Кирило Тимофій Матвій Марк Ярослав Роман Вадим Олексій Євген "
        "Ілля Сергій Микола Віталій Юрій Давид Ростислав Павло Ігор Єгор Владислав "
        "Захар Святослав Тарас Олег Степан Віктор Василь Костянтин Арсеній Валентин "
        "Григорій Петро Руслан Станіслав Федір Глiб Гліб Лев Мирослав Семен Георгій "
        "Антон Едуард Вʼячеслав Леонід Остап Платон Ян Яків").split()
GIRLS = ("Анастасія Софія Марія Дарина Ганна Вікторія Поліна Єлизавета Катерина "
         "Олександра Юлія Аліна Вероніка Діана Ангеліна Христина Ірина Соломія Злата "
         "Мілана Валерія Ольга Олена Тетяна Наталія Ксенія Варвара Яна Уляна Кіра Аліса "
         "Єва Карина Маргарита Дарʼя Мирослава Василина Євгенія Надія Любов Світлана "
         "Оксана Людмила Лілія Емілія Віра Богдана Таїсія Стефанія Ярослава").split()
FATHERS = ("Олександр Сергій Андрій Володимир Дмитро Віталій Юрій Олег Ігор Микола "
           "Василь Роман Руслан Віктор Іван Михайло Олексій Євген Максим Анатолій "
           "Валерій Петро Павло Вадим Богдан Тарас Ярослав Степан Григорій Леонід "
           "Геннадій Валентин Костянтин Артем Денис Станіслав Вʼячеслав Ілля Кирило "
           "Федір Яків Данило Матвій Семен").split()
MOTHERS = ("Олена Наталія Тетяна Ірина Світлана Оксана Юлія Ольга Марія Ганна Людмила "
           "Галина Катерина Валентина Лариса Інна Надія Вікторія Алла Любов Віра Лілія "
           "Марʼяна Жанна Анастасія Ксенія Дарина Софія Христина Яна").split()
GRANNIES = "Галина Валентина Ніна Людмила Надія Любов Віра Ганна Марія Тамара Зінаїда Раїса".split()
RARE_M = "Златомир Радим Світозар Богодар Остромир Вітан Любодар Ілар Дорослав Тихомир".split()
RARE_F = "Любава Дарислава Ладислава Зореслава Милослава Веселина Добромира Світана Орися Ольвія".split()


def load_table():
    dims, forms = {}, {}
    for line in open(TABLE, encoding='utf-8'):
        p = line.rstrip('\n').split('\t')
        if len(p) != 4 or p[0] not in ('m', 'f'):
            continue
        c = p[1].replace('ʼ', "'")
        dims[c] = [d.replace('ʼ', "'") for d in p[3].split()]
        forms[c] = p[2].split()
    return dims, forms


def load_ru_given():
    ru = {}
    for line in open(os.path.join(DATA, 'match-given-ru.tsv'), encoding='utf-8'):
        if line.startswith('#'):
            continue
        u, r = line.rstrip('\n').split('\t')
        ru[u] = r.split()
    return ru


def load_surnames():
    out = []
    for line in open(os.path.join(DATA, 'match-surnames.tsv'), encoding='utf-8'):
        if line.startswith('#'):
            continue
        u, r = line.rstrip('\n').split('\t')
        out.append((u, r or ru_respell(u)))
    return out


def ru_respell(s):
    t = s.replace('і', 'и').replace('ї', 'и').replace('є', 'е').replace('ґ', 'г')
    t = t.replace('І', 'И').replace('Ї', 'И').replace('Є', 'Е').replace('Ґ', 'Г')
    return t.replace("'", 'ь').replace('ʼ', 'ь')


def fem_surname(s, ru=False):
    for m, f in (('ський', 'ська'), ('цький', 'цька'), ('зький', 'зька'), ('ский', 'ская'),
                 ('цкий', 'цкая'), ('ий', 'а'), ('ій', 'я'), ('ой', 'ая'), ('ов', 'ова'),
                 ('ев', 'ева'), ('єв', 'єва'), ('ьов', 'ьова'), ('ін', 'іна'), ('ин', 'ина'),
                 ('ёв', 'ёва')):
        if s.endswith(m):
            return s[:-len(m)] + f
    return s


def patronymic(father, female, ru=False):
    f = father.replace("'", '').replace('ʼ', '')
    if ru:
        if f.endswith('ий'):
            st = f[:-2] + 'ь'
            return st + ('евна' if female else 'евич')
        if f.endswith('ей') or f.endswith('ай'):
            return f[:-1] + ('евна' if female else 'евич')
        if f.endswith('ь'):
            return f[:-1] + ('евна' if female else 'евич')
        if f.endswith('а') or f.endswith('я'):
            return f[:-1] + ('инична' if female else 'ич')
        return f + ('овна' if female else 'ович')
    if f.endswith('ій'):
        return f[:-1] + ('ївна' if female else 'йович')
    if f == 'Микола':
        return 'Миколаївна' if female else 'Миколайович'
    if f.endswith('о'):
        return f[:-1] + ('івна' if female else 'ович')
    if f.endswith('ь'):
        return f[:-1] + ('івна' if female else 'ьович')
    if f.endswith('я'):
        return f[:-1] + ('івна' if female else 'іч')
    if f.endswith('а'):
        return f[:-1] + ('івна' if female else 'ич')
    return f + ('івна' if female else 'ович')


# ---- Latin systems (written independently of the C normaliser) ----

KMU = dict(zip('абвгґдезиіклмнопрстуфхцчшщьюяєїйж',
               ['a', 'b', 'v', 'h', 'g', 'd', 'e', 'z', 'y', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 'r',
                's', 't', 'u', 'f', 'kh', 'ts', 'ch', 'sh', 'shch', '', 'iu', 'ia', 'ie', 'i', 'i',
                'zh']))
KMU_INIT = {'є': 'ye', 'ї': 'yi', 'й': 'y', 'ю': 'yu', 'я': 'ya'}
ICAO = dict(zip('абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ',
                ['a', 'b', 'v', 'g', 'd', 'e', 'e', 'zh', 'z', 'i', 'i', 'k', 'l', 'm', 'n', 'o',
                 'p', 'r', 's', 't', 'u', 'f', 'kh', 'ts', 'ch', 'sh', 'shch', 'ie', 'y', '', 'e',
                 'iu', 'ia', 'i', 'i', 'e', 'g']))
RU1997 = dict(ICAO, й='y', ю='yu', я='ya', ъ='')
ADHOC = dict(ICAO, й='y', ю='yu', я='ya', ы='y', ъ='', и='i', х='h', ц='c', ё='yo')
BGNUK = dict(KMU, є='ye', ї='yi', ю='yu', я='ya', й='y', ь="'")


def translit(s, system):
    out, prev = [], ' '
    for ch in s:
        lo = ch.lower()
        up = ch != lo
        if lo in ("'", 'ʼ', '’'):
            prev = ch
            continue
        if system == 'kmu':
            t = KMU_INIT.get(lo) if not prev.isalpha() else None
            if t is None:
                t = 'gh' if lo == 'г' and prev.lower() == 'з' else KMU.get(lo, lo)
        elif system == 'bgnuk':
            t = BGNUK.get(lo, lo)
        elif system == 'bgnru':
            if lo == 'е' and (not prev.isalpha() or prev.lower() in 'аеёиоуыэюяьъ'):
                t = 'ye'
            else:
                t = dict(RU1997, ь="'", ъ='"', ё='ë').get(lo, lo)
        else:
            t = {'icao': ICAO, 'ru1997': RU1997, 'adhoc': ADHOC}[system].get(lo, lo)
        if up and t:
            t = t[0].upper() + t[1:]
        out.append(t)
        prev = ch
    return ''.join(out)


# ---- errors ----

CYR = 'абвгдеєжзиіїйклмнопрстуфхцчшщьюя'


def typo(r, s):
    if len(s) < 3:
        return s
    i = r.randrange(1, len(s))
    k = r.random()
    letters = CYR if any('а' <= c.lower() <= 'я' or c in 'іїєґ' for c in s) else 'abcdefghiklmnoprstuvyz'
    if k < 0.35:
        return s[:i] + r.choice(letters) + s[i + 1:]
    if k < 0.6:
        return s[:i] + s[i + 1:]
    if k < 0.8:
        return s[:i] + r.choice(letters) + s[i:]
    if i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s


def date_str(y, m, d):
    return '%04d-%02d-%02d' % (y, m, d)


def mdays(y, m):
    return [31, 29 if y % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def date_err(r, y, m, d):
    k = r.random()
    if k < 0.25:      # digit typo in the day
        d2 = (d % 10) + 10 * r.choice([0, 1, 2]) if d > 9 else d + 10
        d = max(1, min(d2, mdays(y, m)))
    elif k < 0.45 and d <= 12:   # day/month swap
        m, d = d, m
    elif k < 0.7:     # +-1 day
        d = max(1, min(mdays(y, m), d + r.choice([-1, 1])))
    else:             # year off by one
        y += r.choice([-1, 1])
    return y, m, min(d, mdays(y, m))


class Gen:
    def __init__(self, n, seed, variant, intake_rate=0.45, unreported_rate=0.12):
        self.intake_rate = intake_rate
        self.unreported_rate = unreported_rate
        self.r = random.Random(seed)
        self.cum = {}
        self.n = n
        self.v = variant
        self.dims, self.forms = load_table()
        self.ru_given = load_ru_given()
        self.surnames = load_surnames()
        h = variant == 'holdout'
        # the holdout variant moves every rate and uses other Latin systems
        self.p = dict(rep_typo=0.06 if h else 0.04, rep_dim=0.08 if h else 0.05,
                      int_russ=0.45 if h else 0.35, int_sur_ru=0.45 if h else 0.35,
                      int_replaced=0.09 if h else 0.06, int_latin=0.10 if h else 0.07,
                      int_dim=0.08 if h else 0.06, int_typo=0.07 if h else 0.05,
                      int_date_err=0.11 if h else 0.08, int_unknown=0.15 if h else 0.12,
                      rep_date_err=0.09 if h else 0.06, multi=0.35 if h else 0.30,
                      latin=['bgnru', 'adhoc', 'bgnuk'] if h else ['icao', 'ru1997', 'kmu', 'adhoc'])

    def zipf(self, items, s=1.0, shift=5):
        """A Zipf-like pick: weight (rank + shift)^-s, cumulative weights cached."""
        key = (id(items), s, shift)
        cum = self.cum.get(key)
        if cum is None:
            cum, t = [], 0.0
            for i in range(len(items)):
                t += 1.0 / (i + shift) ** s
                cum.append(t)
            self.cum[key] = cum
        return self.r.choices(items, cum_weights=cum)[0]

    def given(self, sex):
        r = self.r
        if r.random() < 0.02:
            return r.choice(RARE_M if sex == 'male' else RARE_F)
        return self.zipf(BOYS if sex == 'male' else GIRLS, 1.0).replace('ʼ', "'")

    def population(self):
        r, kids, fam = self.r, [], 0
        while len(kids) < self.n:
            fam += 1
            sur_m, sur_ru = self.zipf(self.surnames, 0.9, 20)
            father = self.zipf(FATHERS, 1.0).replace('ʼ', "'")
            mother = self.zipf(MOTHERS, 1.0).replace('ʼ', "'")
            nk = r.choices([1, 2, 3], weights=[55, 33, 12])[0]
            base_y = r.randint(2005, 2021)
            twins = r.random() < 0.04 and nk >= 2
            fam_names = set()
            for k in range(nk):
                sex = r.choice(['male', 'female'])
                if twins and k == 1:
                    y, m, d = kids[-1]['dob']
                else:
                    y = min(2022, base_y + k * r.randint(1, 4))
                    m = r.randint(1, 12)
                    d = r.randint(1, mdays(y, m))
                g = self.given(sex)
                while g in fam_names:
                    g = self.given(sex)
                fam_names.add(g)
                kids.append(dict(id=len(kids), fam=fam, sex=sex, given=g, dob=(y, m, d),
                                 surname=sur_m if sex == 'male' else fem_surname(sur_m),
                                 surname_ru=sur_ru if sex == 'male' else fem_surname(sur_ru, True),
                                 father=father, mother=mother,
                                 family_surname=sur_m,
                                 oblast=r.choice(['UA14', 'UA44', 'UA65', 'UA23', 'UA63', 'UA48',
                                                  'UA01', 'UA59', 'UA74'])))
            # a family name for the mother
        self.kids = kids[:self.n]

    # ---- family reports ----

    def child_answers(self, kid, rel):
        r, p = self.r, self.p
        female = kid['sex'] == 'female'
        given = kid['given']
        if r.random() < p['rep_dim'] and self.dims.get(given):
            given = r.choice(self.dims[given])
        sur = kid['surname']
        if r.random() < p['rep_typo']:
            sur = typo(r, sur)
        if r.random() < p['rep_typo']:
            given = typo(r, given)
        c = {'relationship': rel, 'surname_cyr': sur, 'given_cyr': given,
             'sex': kid['sex']}
        if r.random() < 0.75:
            c['patronymic_cyr'] = patronymic(kid['father'], female)
        if r.random() < 0.2 and self.dims.get(kid['given']):
            c['nicknames_cyr'] = r.choice(self.dims[kid['given']])
        y, m, d = kid['dob']
        k = r.random()
        if k < 0.75:
            if r.random() < p['rep_date_err']:
                y, m, d = date_err(r, y, m, d)
            c['dob_kind'] = 'exact'
            c['dob'] = date_str(y, m, d)
        elif k < 0.90:
            c['dob_kind'] = 'estimated'
            c['dob'] = date_str(y + r.choice([-1, 0, 0, 0, 1]), r.choice([1, 7]), 1)
        else:
            c['dob_kind'] = 'unknown'
            c['age_years'] = max(0, 2024 - y + r.choice([-1, 0, 0, 1]))
        if r.random() < 0.35:
            c['docs_had'] = ['birth_certificate']
            c['birth_cert_no'] = kid.setdefault('bc', 'I-%s %06d' % (
                r.choice(['ЖМ', 'ДН', 'ЛГ', 'КС', 'ЗП', 'ХА']), r.randrange(10 ** 6)))
        else:
            c['docs_had'] = ['unknown']
        c['res_settlement'] = 'Маріуполь'
        c['res_oblast'] = kid['oblast']
        c['separation_cause'] = r.choice(['deportation_ru', 'forced_transfer',
                                          'camp_not_returned', 'filtration'])
        c['with_whom'] = r.choice(['parents', 'relatives', 'institution', 'alone'])
        c['last_country'] = r.choice(['RU', 'RU', 'BY', 'unknown'])
        return c

    def reporter(self, kid, rel):
        r = self.r
        if rel in ('mother', 'grandmother', 'aunt', 'sister'):
            sex = 'female'
        else:
            sex = 'male'
        if rel == 'mother':
            given = kid['mother']
        elif rel == 'father':
            given = kid['father']
        elif rel == 'grandmother':
            given = r.choice(GRANNIES)
        else:
            given = self.zipf(MOTHERS if sex == 'female' else FATHERS).replace('ʼ', "'")
        sur = kid['family_surname'] if rel in ('mother', 'father', 'brother', 'sister') or \
            r.random() < 0.5 else self.zipf(self.surnames, 0.9, 20)[0]
        if sex == 'female':
            sur = fem_surname(sur)
        return dict(given=given, surname=sur, sex=sex, rel=rel)

    def report(self, kids, rep):
        r = self.r
        a = {'report_date': date_str(2024, r.randint(1, 12), r.randint(1, 28)),
             'report_place_kind': 'office', 'report_place': 'Київ',
             'status': 'open', 'reporter_surname_cyr': rep['surname'],
             'reporter_given_cyr': rep['given'], 'reporter_dob_kind': 'unknown',
             'reporter_age': r.randint(25, 70), 'reporter_sex': rep['sex'],
             'reporter_settlement': 'Запоріжжя', 'reporter_language': 'uk',
             'reporter_id_type': 'none',
             'children': [self.child_answers(k, rep['rel']) for k in kids]}
        consent = 'no' if r.random() < 0.03 else 'yes'
        a.update(consent_process=consent, consent_share_authorities='yes',
                 consent_share_orgs='yes', consent_publish_name='no',
                 consent_publish_photo='no', consent_withheld_reasons=['privacy'])
        return a

    # ---- intakes ----

    def name_forms(self, kid, russ, sur_ru, latin):
        r, p = self.r, self.p
        female = kid['sex'] == 'female'
        given = kid['given']
        ru_given = self.ru_given.get(given, [given])[0] if russ else given
        if russ and given in RARE_M + RARE_F:
            ru_given = ru_respell(given)
        if r.random() < p['int_dim'] and self.dims.get(kid['given']):
            ru_given = r.choice(self.dims[kid['given']])
        sur = kid['surname_ru'] if sur_ru else kid['surname']
        patr = None
        if r.random() < 0.6:
            fg = kid['father']
            if russ:
                fg = self.ru_given.get(fg, [fg])[0]
            patr = patronymic(fg, female, ru=russ)
        if r.random() < p['int_typo']:
            ru_given = typo(r, ru_given)
        if r.random() < p['int_typo']:
            sur = typo(r, sur)
        return ru_given, sur, patr

    def intake(self, kid, reports_of_kid):
        r, p = self.r, self.p
        russ = r.random() < p['int_russ']
        sur_ru = r.random() < p['int_sur_ru']
        latin = r.random() < p['int_latin']
        given, sur, patr = self.name_forms(kid, russ, sur_ru, latin)
        replaced = r.random() < p['int_replaced']
        if replaced:
            sur = self.zipf(self.surnames, 0.9, 20)[1]
            if kid['sex'] == 'female':
                sur = fem_surname(sur, True)
            if patr is not None:
                patr = patronymic(self.ru_given.get(r.choice(FATHERS), ['Иван'])[0],
                                  kid['sex'] == 'female', ru=True)
        a = {'intake_date': date_str(2025, r.randint(1, 12), r.randint(1, 28)),
             'intake_place': 'Пункт пропуску', 'sex': kid['sex']}
        if r.random() < 0.005:
            a['sex'] = 'female' if kid['sex'] == 'male' else 'male'
        if latin:
            sysname = r.choice(p['latin'])
            conv = (lambda s: translit(s, sysname))
            a['surname_cyr'] = conv(sur)
            a['given_cyr'] = conv(given)
            a['surname_lat'] = a['surname_cyr']
            a['given_lat'] = a['given_cyr']
            if patr:
                a['patronymic_cyr'] = conv(patr)
                a['patronymic_lat'] = a['patronymic_cyr']
        else:
            a['surname_cyr'] = sur
            a['given_cyr'] = given
            if patr:
                a['patronymic_cyr'] = patr
        if r.random() < 0.4:
            rg = self.ru_given.get(kid['given'], [kid['given']])[0]
            rp = patronymic(self.ru_given.get(kid['father'], [kid['father']])[0],
                            kid['sex'] == 'female', ru=True)
            a['away_names_cyr'] = '%s %s %s' % (rg, rp, kid['surname_ru'] if not replaced else sur)
        y, m, d = kid['dob']
        k = r.random()
        if k < p['int_unknown']:
            a['dob_kind'] = 'unknown'
            a['age_years'] = max(0, 2025 - y + r.choice([-1, 0, 0, 1]))
        elif k < p['int_unknown'] + 0.08:
            a['dob_kind'] = 'estimated'
            a['dob'] = date_str(y + r.choice([-1, 0, 0, 1]), r.choice([1, 6, 7]), 1)
        else:
            a['dob_kind'] = 'exact'
            if r.random() < p['int_date_err']:
                y, m, d = date_err(r, y, m, d)
            elif r.random() < 0.03:
                m, d = 1, 1
            a['dob'] = date_str(y, m, d)
        a['citizenship'] = ['UA']
        if kid.get('bc') and r.random() < 0.3:
            a['docs_on_return'] = ['birth_certificate']
            a['docs_numbers'] = kid['bc'] + (', паспорт РФ 45 %02d %06d' % (
                r.randrange(100), r.randrange(10 ** 6)) if r.random() < 0.3 else '')
        else:
            a['docs_on_return'] = ['none']
        a['imposed'] = ['ru_citizenship'] if r.random() < 0.5 else ['none']
        if a['imposed'] == ['ru_citizenship']:
            a['imposed_details'] = 'громадянство РФ'
        a['dna_sample_taken'] = 'no'
        a['return_date'] = date_str(2025, 1, 1)
        a['crossing_point'] = 'Ягодин'
        a['accompanied_by'] = ['ngo']
        fm = []
        if r.random() < 0.6:
            who = []
            for rep in reports_of_kid:
                if r.random() < 0.7:
                    who.append(rep[1])
            if not who:
                who.append(dict(given=kid['mother'], surname=fem_surname(kid['family_surname']),
                                rel='mother'))
            for w in who[:3]:
                g, s = w['given'], w['surname']
                if russ and r.random() < 0.5:
                    g = self.ru_given.get(g, [g])[0]
                    s = ru_respell(s)
                m_ = {'member_name_cyr': '%s %s' % (g, s) if r.random() < 0.8 else g,
                      'member_relationship': w['rel'], 'member_status': 'alive'}
                if rep_ref(w) and r.random() < 0.04:
                    m_['member_report_ref'] = rep_ref(w)
                fm.append(m_)
        if fm:
            a['family_members'] = fm
        a['child_wishes'] = 'wants_contact'
        a['care_arrangement'] = 'none_yet'
        a['urgent'] = 'no'
        a['risk_level'] = 'low'
        a['interview_present'] = ['psychologist']
        a['crime_disclosed'] = 'no'
        a['interview_subject'] = 'child'
        a['consent_services'] = 'yes'
        a['consent_tracing'] = 'no' if r.random() < 0.07 else 'yes'
        for k2 in ('consent_share_family', 'consent_share_authorities', 'consent_share_orgs'):
            a[k2] = 'yes'
        a['legal_basis'] = 'consent'
        a['withheld'] = 'no'
        return a

    def run(self, out):
        r = self.r
        self.population()
        kids = self.kids
        fams = {}
        for k in kids:
            fams.setdefault(k['fam'], []).append(k)
        reports = []          # (answers, [kid ids], reporter)
        kid_reports = {}      # kid id -> [(report line, child idx, reporter)]
        for fam, ks in sorted(fams.items()):
            reported = [k for k in ks if r.random() < 0.7]
            if not reported:
                continue
            nrep = 1
            if r.random() < self.p['multi']:
                nrep = r.choice([2, 2, 2, 3, 4])
            rels = ['mother', 'father', 'grandmother', 'aunt', 'grandfather', 'uncle']
            first = None
            for i in range(nrep):
                rel = rels[0] if i == 0 else (r.choice(rels[1:]) if r.random() < 0.8 else 'mother')
                rep = self.reporter(reported[0], rel)
                if i > 0 and rel == 'mother' and first is not None:
                    rep = first      # the same relative again
                if first is None:
                    first = rep
                sub = reported if i == 0 else [k for k in reported if r.random() < 0.8] or reported[:1]
                a = self.report(sub, rep)
                line = len(reports) + 1
                rep['ref'] = None
                reports.append((a, [k['id'] for k in sub], rep))
                for ci, k in enumerate(sub):
                    kid_reports.setdefault(k['id'], []).append((line, ci + 1, rep))
        r.shuffle(reports)
        kid_reports = {}
        for line, (a, ids, rep) in enumerate(reports, 1):
            for ci, kid in enumerate(ids):
                kid_reports.setdefault(kid, []).append((line, ci + 1, rep))
        intakes = []
        for k in kids:
            reps = kid_reports.get(k['id'], [])
            if (reps and r.random() < self.intake_rate) or (not reps and r.random() < self.unreported_rate):
                intakes.append((k, self.intake(k, [(x[0], x[2]) for x in reps])))
        r.shuffle(intakes)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, 'reports.jsonl'), 'w', encoding='utf-8') as f:
            for a, _, _ in reports:
                f.write(json.dumps(a, ensure_ascii=False) + '\n')
        with open(os.path.join(out, 'intakes.jsonl'), 'w', encoding='utf-8') as f:
            for _, a in intakes:
                f.write(json.dumps(a, ensure_ascii=False) + '\n')
        ntrue = nskip = 0
        with open(os.path.join(out, 'truth.tsv'), 'w') as f:
            f.write('intake\treport\tchild\n')
            for il, (k, a) in enumerate(intakes, 1):
                for line, ci, _ in kid_reports.get(k['id'], []):
                    if a['consent_tracing'] != 'yes' or reports[line - 1][0]['consent_process'] != 'yes':
                        nskip += 1
                        continue
                    f.write('%d\t%d\t%d\n' % (il, line, ci))
                    ntrue += 1
        with open(os.path.join(out, 'entities.tsv'), 'w') as f:
            f.write('report\tchild\tentity\tconsent\n')
            for line, (a, ids, _) in enumerate(reports, 1):
                for ci, kid in enumerate(ids, 1):
                    f.write('%d\t%d\t%d\t%s\n' % (line, ci, kid, a['consent_process']))
        nq = 0
        with open(os.path.join(out, 'queries.tsv'), 'w', encoding='utf-8') as f:
            f.write('query\tborn\tsex\treport\tchild\n')
            for k in r.sample(kids, min(len(kids), 1000)):
                reps = [x for x in kid_reports.get(k['id'], [])
                        if reports[x[0] - 1][0]['consent_process'] == 'yes']
                if not reps:
                    continue
                sysq = r.random()
                g = k['given']
                if sysq < 0.25 and self.dims.get(g):
                    g = r.choice(self.dims[g])
                s = k['surname']
                q = '%s %s' % (g, s)
                if sysq > 0.5:
                    ru_g = self.ru_given.get(k['given'], [k['given']])[0]
                    q = translit('%s %s' % (ru_g, k['surname_ru']), r.choice(['icao', 'ru1997', 'kmu']))
                born = str(k['dob'][0]) if r.random() < 0.5 else ''
                if r.random() < 0.3:
                    q += ' %d' % k['dob'][0]
                    born = ''
                sex = '' if r.random() < 0.7 else ('f' if k['sex'] == 'female' else 'm')
                for line, ci, _ in reps:
                    f.write('%s\t%s\t%s\t%d\t%d\n' % (q, born, sex, line, ci))
                nq += 1
        nrc = sum(len(x[1]) for x in reports)
        with open(os.path.join(out, 'summary.txt'), 'w') as f:
            f.write('variant %s seed children %d\nreports %d (children in them %d)\n'
                    'intakes %d\ntrue links %d (and %d without consent, to be skipped)\n'
                    'queries %d\nrates %s\n' % (self.v, self.n, len(reports), nrc, len(intakes),
                                                ntrue, nskip, nq, json.dumps(self.p)))
        return len(reports), nrc, len(intakes), ntrue


def rep_ref(w):
    return w.get('ref')


def main():
    args = sys.argv[1:]
    if not args or args[0] in ('-h', '--help'):
        print(__doc__)
        return 0 if args else 2
    out, n, seed, variant, irate, urate = args[0], 12000, 13, 'main', 0.45, 0.12
    i = 1
    while i < len(args):
        if args[i] == '--children':
            n = int(args[i + 1])
        elif args[i] == '--seed':
            seed = int(args[i + 1])
        elif args[i] == '--variant':
            variant = args[i + 1]
        elif args[i] == '--intake-rate':
            irate = float(args[i + 1])
        elif args[i] == '--unreported-rate':
            urate = float(args[i + 1])
        else:
            print('match_gen.py: unknown option %s' % args[i], file=sys.stderr)
            return 2
        i += 2
    res = Gen(n, seed, variant, irate, urate).run(out)
    print('%d reports (%d children), %d intakes, %d true links in %s' % (res + (out,)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
