/*
 * match.c - see match.h. Persons, comparison levels, the Fellegi-Sunter
 * model, blocking, linking, search and duplicate clusters.
 *
 * Model (docs/matching.md, "Scoring"): for each field a pair gets one level;
 * the match weight is the sum over fields of log2(m/u) of its level (0 for
 * a missing value), where m = P(level | same child) comes from the priors
 * below (the error rates the field expects: Russified names, re-spelled or
 * replaced surnames, mistyped and estimated dates) and u = P(level |
 * different children) is counted on random pairs of this hub's own
 * records. Agreement on a given-name group or a surname is weighed by how
 * common that value is (term frequency): m / f(value). The probability is
 * p = lambda 2^W / (lambda 2^W + 1 - lambda), lambda (the share of all
 * pairs that match) being estimated by EM over the blocked pairs.
 */
#include "match.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- levels ---- */

enum { G_EQ = 1, G_FUZZY, G_PAIR, G_JW92, G_JW80, G_KDIFF, G_DIFF, G_SKEQ, G_N };
/* classes: both names in the table (EQ PAIR KDIFF), else the rest */
#define G_KNOWN(l) ((l) == G_EQ || (l) == G_PAIR || (l) == G_KDIFF)
enum { S_EQ = 1, S_STEM, S_JW92, S_DM, S_FAMILY, S_DIFF, S_N };
/* the surnames agree (the family's name is the same): patronymic and relatives are then
 * compared within their own class, since they agree far more often for any such pair */
#define S_AGREES(l) (((l) >= S_EQ && (l) <= S_JW92) || (l) == S_FAMILY)
enum { P_EQ = 1, P_JW92, P_DIFF, P_EQS, P_JW92S, P_DIFFS, P_N };
enum { D_EXACT = 1, D_TYPO, D_MONTH, D_YEAR, D_NEAR2, D_DIFF, D_OVERLAP, D_NEAR1A, D_NEAR2A,
	D_DIFFA, D_N };
enum { X_EQ = 1, X_DIFF, X_N };
enum { C_EQ = 1, C_DIGITS, C_TYPO, C_REF, C_DIFF, C_N };
enum { R_FULL = 1, R_GIVEN, R_SURNAME, R_CONFLICT, R_DIFF, R_GIVENS, R_CONFLICTS, R_DIFFS,
	R_N };
enum { O_EQ = 1, O_DIFF, O_N };

static const int nlevels[MF_N] = {G_N, S_N, P_N, D_N, X_N, C_N, R_N, O_N};

static const char *const fnames[MF_N] = {
	N_("given name"), N_("surname"), N_("patronymic"), N_("date of birth"), N_("sex"),
	N_("documents"), N_("relatives"), N_("place"),
};

static const char *const lnames[MF_N][FK_MATCH_MAXLEVEL] = {
	{N_("missing"), N_("same name group"), N_("near a name of the group"),
	 N_("male/female pair"), N_("similar spelling"), N_("alike"),
	 N_("different names"), N_("different"), N_("same spelling")},
	{N_("missing"), N_("same"), N_("same stem"), N_("one or two typos"),
	 N_("sounds alike"), N_("a relative's surname"), N_("different")},
	{N_("missing"), N_("same father's name"), N_("similar spelling"), N_("different"),
	 N_("same father's name"), N_("similar spelling"),
	 N_("different, although the surnames agree")},
	{N_("missing"), N_("same"), N_("one typo or day/month swapped"), N_("within a month"),
	 N_("within a year"), N_("within two years"), N_("different"),
	 N_("consistent (estimated or age)"), N_("within a year (estimated or age)"),
	 N_("within two years (estimated or age)"), N_("different (estimated or age)")},
	{N_("missing"), N_("same"), N_("different")},
	{N_("missing"), N_("same document number"), N_("same number, other series"),
	 N_("number one digit off"), N_("names the report"), N_("different numbers")},
	{N_("missing"), N_("reporter named in family"), N_("reporter's given name"),
	 N_("reporter's surname"), N_("the same parent, another name"), N_("different"),
	 N_("reporter's given name"), N_("the same parent, another name"), N_("different")},
	{N_("missing"), N_("same oblast"), N_("different oblast")},
};

/*
 * m priors: P(level | the same child), per model. Linking compares a family
 * report (Ukrainian, written by a relative) with an intake (often the
 * Russian documents); dedup compares two family reports. Each row sums to
 * 1 within each class of levels (cls_of: given names both in the table or
 * not; exact dates or estimated ones and ages; patronymic and relatives
 * when the surnames agree or not).
 *  - given names: a name in another group than the report's is rare for the
 *    child itself (a replaced given name, a pet name the table lacks);
 *  - surnames: "sounds alike" only (Daitch-Mokotoff) is weak: Russified and
 *    transliterated spellings are caught by the skeleton, stem and typo levels,
 *    so a code match alone is mostly two different names;
 *  - patronymic: with the surname kept, another patronymic is a typo at most
 *    (0.025); with the surname replaced (adoption) it is usually replaced too;
 *  - relatives: "the same parent, another name" (the intake's mother is not
 *    the mother who reported) is rare for the child itself.
 */
static const double m_link[MF_N][FK_MATCH_MAXLEVEL] = {
	{0, 0.985, 0.35, 0.005, 0.12, 0.10, 0.01, 0.08, 0.35},
	{0, 0.83, 0.01, 0.08, 0.004, 0.03, 0.046},
	{0, 0.57, 0.03, 0.40, 0.955, 0.02, 0.025},
	{0, 0.83, 0.12, 0.02, 0.02, 0.006, 0.004, 0.80, 0.16, 0.03, 0.01},
	{0, 0.995, 0.005},
	{0, 0.74, 0.02, 0.06, 0.15, 0.03},
	{0, 0.45, 0.20, 0.05, 0.01, 0.29, 0.70, 0.01, 0.29},
	{0, 0.5, 0.5},
};

static const double m_dedup[MF_N][FK_MATCH_MAXLEVEL] = {
	{0, 0.99, 0.35, 0.003, 0.12, 0.10, 0.007, 0.02, 0.41},
	{0, 0.90, 0.02, 0.04, 0.01, 0.01, 0.02},
	{0, 0.80, 0.05, 0.15, 0.94, 0.02, 0.04},
	{0, 0.86, 0.05, 0.03, 0.03, 0.02, 0.01, 0.88, 0.08, 0.03, 0.01},
	{0, 0.995, 0.005},
	{0, 0.93, 0.02, 0.02, 0.01, 0.02},
	{0, 0.35, 0.25, 0.15, 0.02, 0.23, 0.45, 0.02, 0.53},
	{0, 0.90, 0.10},
};

/*
 * s: P(level | a brother or sister of the child), for the fields that tell
 * children of one family apart. Siblings agree on the family's fields
 * (surname, patronymic, relatives) as the child itself would, so those
 * cancel; what is left decides between the child and a sibling: given
 * name, date of birth (an exact date in common is a twin), sex, and the
 * documents (a sibling has another birth certificate).
 */
static const double s_given[G_N] = {0, 0.02, 0.05, 0.03, 0.05, 0.10, 0.95, 0.75, 0.05};
static const double s_dob[D_N] = {0, 0.04, 0.01, 0.01, 0.04, 0.15, 0.75, 0.35, 0.25, 0.20,
	0.20};
static const double s_sex[X_N] = {0, 0.5, 0.5};
static const double s_doc[C_N] = {0, 1e-4, 1e-4, 0.002, 0.075, 0.9228};
/*
 * The prior of "a sibling of this report's child" against "this child":
 * brothers and sisters reported in the same report are candidates of their
 * own and compete directly ("one child is one child"), so this is the
 * chance that the intake is a sibling nobody reported beside the child. A
 * family reports the children it misses, and a brother taken with the child
 * is missed too, so that chance is small (0.3 before: a given name replaced
 * in Russia then stayed under review however much else agreed; 0.1 gains
 * recall on the project's sets and the reviewer's alike, precision within
 * 0.0006).
 */
#define SIBLING_PRIOR 0.1

/*
 * u priors: P(level | two different children) on a reference population
 * (the random pairs of two synthetic hubs of 12,000 children each, whose
 * names follow the Ukrainian frequencies), per model, each class summing
 * to 1. A hub's own random pairs are added to them as U_PRIOR_N pairs'
 * worth of evidence: on a large hub its own counts decide (10^6 pairs), on
 * a young hub, whose few random pairs are often the same child reported
 * twice, the reference does (three records must not teach the model that
 * an exact date of birth in common means nothing).
 */
#define U_PRIOR_N 10000.0
static const double u_ref[2][MF_N][FK_MATCH_MAXLEVEL] = {{
	{0, 0.0156, 0.0308, 0.00121, 0.00439, 0.0438, 0.984, 0.921, 0.00034},
	{0, 0.00144, 0.0001, 0.00128, 0.000509, 0.000278, 0.996},
	{0, 0.0356, 0.000199, 0.964, 0.0855, 0.000287, 0.915},
	{0, 0.000246, 0.00399, 0.00766, 0.0991, 0.103, 0.786, 0.118, 0.106, 0.0975, 0.678},
	{0, 0.5, 0.5},
	{0, 0.000275, 1.15e-05, 9.11e-05, 1.15e-05, 1},
	{0, 1.19e-05, 0.033, 9.31e-06, 0.676, 0.29, 0.0696, 0.619, 0.311},
	{0, 0.5, 0.5},
}, {
	{0, 0.0158, 0.0329, 0.00105, 0.00523, 0.0438, 0.984, 0.917, 0.000309},
	{0, 0.00139, 9.02e-05, 0.00121, 0.000512, 0.000317, 0.996},
	{0, 0.035, 8.64e-07, 0.965, 0.0709, 0.00029, 0.929},
	{0, 0.000211, 0.00399, 0.00759, 0.1, 0.104, 0.784, 0.134, 0.106, 0.0953, 0.664},
	{0, 0.5, 0.5},
	{0, 8.11e-05, 4.06e-06, 6.08e-05, 4.06e-06, 1},
	{0, 1.8e-05, 0.0263, 1.1e-05, 0.533, 0.441, 0.029, 0.475, 0.497},
	{0, 0.111, 0.889},
}};

/*
 * Term-frequency priors, the same way: a name's frequency is its count
 * among the hub's children plus TF_PRIOR_N children's worth of the
 * reference chance that two random children share a given-name group
 * (GF_REF) or a surname (SF_REF). On a young hub, where two of three
 * children share a name because they are one child, the name is not taken
 * for the commonest in the country.
 */
#define TF_PRIOR_N 30.0
#define GF_REF 0.0157
#define SF_REF 0.0014

/* ---- persons ---- */

#define NV_GIVEN 0
#define NV_SUR 1
#define NV_PATR 2
#define NV_REL 3
#define MAXV 8      /* variants per field */
#define MAXDOC 8

/* relatives' roles (the forms' `relationship` choices); only parents are one of a kind */
enum { ROLE_ANY, ROLE_MOTHER, ROLE_FATHER, ROLE_GRANDMOTHER, ROLE_GRANDFATHER, ROLE_AUNT,
	ROLE_UNCLE, ROLE_BROTHER, ROLE_SISTER };
#define ROLE_UNIQUE(r) ((r) == ROLE_MOTHER || (r) == ROLE_FATHER)

struct var {
	uint32_t off;   /* skeleton word in the arena */
	uint32_t dm;    /* Daitch-Mokotoff code */
	uint32_t g0;    /* name groups (given, patronymic; relatives' given names): in m->grp */
	uint8_t ng;
	uint8_t fuzzy;  /* the groups are those of the nearest table name */
	uint8_t rel;    /* relatives: which one (1..), and 's' or 'g' in kind */
	uint8_t role;   /* relatives: ROLE_* */
	char kind;      /* 'g' given, 's' surname (relatives); 'a' the child's surname from
	                 * other names (away, new, other names), not the name field */
	uint32_t stem;  /* surname or patronymic stem in the arena */
	uint32_t stemh; /* its hash: stems are compared by hash */
	uint32_t sk;    /* hash of the skeleton (tf) */
};

struct doc {
	uint64_t h;     /* odd: series and number; %4 == 0: the digits; %4 == 2: report ref */
	uint32_t dig;   /* the digits in the arena (UINT32_MAX: none) */
};

enum { DK_NONE, DK_EXACT, DK_EST };

struct person {
	uint32_t rec;
	uint16_t child;
	char kind;
	uint8_t sex;    /* 'm', 'f', 0 */
	uint8_t dk;
	uint8_t skip;
	uint8_t oblast;
	uint8_t nv[4];
	uint8_t ndoc;
	int32_t dob;    /* days, exact dates */
	int32_t dlo, dhi; /* the days the child may have been born on (any kind) */
	int16_t ylo, yhi; /* ... as years, for blocking */
	int16_t y, mo, d;
	uint32_t v0;    /* first variant */
	uint32_t d0;    /* first doc */
};

struct fk_match {
	const fk_mn_names *t;
	struct person *p;
	size_t np, pcap;
	struct var *v;
	size_t nv, vcap;
	int16_t *grp;   /* name groups of the variants */
	size_t ngrp, gcap;
	struct doc *doc;
	size_t ndoc, dcap;
	char *arena;
	size_t alen, acap;
	size_t nskip[2];
	/* model */
	double w[MF_N][FK_MATCH_MAXLEVEL];
	const double (*mp)[FK_MATCH_MAXLEVEL];
	double *gfreq;  /* per name group */
	struct {        /* surname skeleton frequencies */
		uint32_t *key, *cnt;
		size_t cap;
	} sf;
	double ntf;     /* persons counted in the frequencies */
	double sumsq;   /* sum of the squared surname frequencies (two random children share one) */
	double lambda;
	double wmin;    /* pairs under this weight were dropped before calibration */
	double npop[2]; /* intakes and report children the model was learnt on */
	int fixed;      /* the model was loaded: do not estimate it again */
};

static int
grow(void **p, size_t *cap, size_t need, size_t elem, fk_err *e)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 256;
	while (nc < need)
		nc *= 2;
	if ((np = realloc(*p, nc * elem)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	*p = np;
	*cap = nc;
	return 0;
}

int
fk_match_new(fk_match **out, const fk_mn_names *t, fk_err *e)
{
	fk_match *m = calloc(1, sizeof *m);

	*out = NULL;
	if (m == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	m->t = t;
	*out = m;
	return 0;
}

void
fk_match_free(fk_match *m)
{
	if (m == NULL)
		return;
	free(m->p);
	free(m->v);
	free(m->grp);
	free(m->doc);
	free(m->arena);
	free(m->gfreq);
	free(m->sf.key);
	free(m->sf.cnt);
	free(m);
}

size_t
fk_match_npersons(const fk_match *m)
{
	return m->np;
}

size_t
fk_match_nskipped(const fk_match *m, int kind)
{
	return m->nskip[kind == FK_MP_INTAKE];
}

void
fk_match_person(const fk_match *m, uint32_t i, fk_match_person_info *info)
{
	info->rec = m->p[i].rec;
	info->child = m->p[i].child;
	info->kind = m->p[i].kind;
	info->skipped = m->p[i].skip;
}

static uint32_t
h32(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h ? h : 1;
}

static uint64_t
h64(const char *s, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static uint32_t
arena_put(fk_match *m, const char *s, fk_err *e)
{
	size_t n = strlen(s) + 1;
	uint32_t off;

	if (grow((void **)&m->arena, &m->acap, m->alen + n, 1, e) != 0)
		return UINT32_MAX;
	off = (uint32_t)m->alen;
	memcpy(m->arena + off, s, n);
	m->alen += n;
	return off;
}

#define STR(m, off) ((m)->arena + (off))
#define GRP(m, v) ((m)->grp + (v)->g0)

int32_t
fk_match_days(const char *s)
{
	int y, mo, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return INT32_MIN;
	return fk_match_civil_days(y, mo, d);
}

int32_t
fk_match_civil_days(int y, int mo, int d)
{
	long a, yy, mm;

	/* days from civil (H. Hinnant) */
	a = mo <= 2;
	yy = y - a;
	mm = mo + (a ? 9 : -3);
	{
		long era = (yy >= 0 ? yy : yy - 399) / 400;
		long yoe = yy - era * 400;
		long doy = (153 * mm + 2) / 5 + d - 1;
		long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		return (int32_t)(era * 146097 + doe - 719468);
	}
}

/* ---- building persons from answers ---- */

struct pb {  /* a person being built */
	fk_match *m;
	struct var v[4][MAXV];
	uint8_t n[4];
	int16_t grp[4 * MAXV * FK_MN_MAXG];
	size_t ngrp;
	struct doc doc[MAXDOC];
	uint8_t ndoc;
	uint8_t nrel;
};

static const char *
sget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL && s[0] ? s : NULL;
}

static int
role_of(const char *s)
{
	static const char *const r[] = {"", "mother", "father", "grandmother", "grandfather",
		"aunt", "uncle", "brother", "sister"};
	size_t i;

	for (i = 1; s != NULL && i < sizeof r / sizeof r[0]; i++)
		if (strcmp(s, r[i]) == 0)
			return (int)i;
	return ROLE_ANY;
}

static int
has_var(struct pb *b, int f, const char *sk, char kind, int rel)
{
	int i;

	for (i = 0; i < b->n[f]; i++)
		if ((b->v[f][i].kind == kind || f == NV_SUR) && b->v[f][i].rel == rel &&
		    strcmp(STR(b->m, b->v[f][i].off), sk) == 0)
			return 1;
	return 0;
}

/* Adds one skeleton word to field f. */
static int
add_word(struct pb *b, int f, const char *w, char kind, int rel, int role, fk_err *e)
{
	fk_match *m = b->m;
	struct var *v;
	int g[FK_MN_MAXG], ng = 0, i;
	char stem[FK_MN_WORD_MAX + 1];

	if (w[0] == 0 || b->n[f] >= MAXV || has_var(b, f, w, kind, rel))
		return 0;
	v = &b->v[f][b->n[f]];
	memset(v, 0, sizeof *v);
	v->kind = kind;
	v->rel = (uint8_t)rel;
	v->role = (uint8_t)role;
	if ((v->off = arena_put(m, w, e)) == UINT32_MAX)
		return -1;
	v->sk = h32(w);
	v->dm = fk_mn_dm_skel(w);
	if (f == NV_GIVEN || (f == NV_REL && kind == 'g')) {
		ng = fk_mn_given(m->t, w, g);
		if (ng == 0 && (ng = fk_mn_given_near(m->t, w, g)) > 0)
			v->fuzzy = 1;
	} else if (f == NV_PATR && kind == 'f') {
		/* the father's given name: his group is the patronymic's */
		ng = fk_mn_given(m->t, w, g);
		v->stem = v->off;
	} else if (f == NV_PATR) {
		ng = fk_mn_patronymic(m->t, w, g, stem);
		if (stem[0] && (v->stem = arena_put(m, stem, e)) == UINT32_MAX)
			return -1;
		if (!stem[0])
			v->stem = v->off;
	}
	if (f == NV_SUR || (f == NV_REL && kind == 's')) {
		fk_mn_surname_stem(w, stem);
		if ((v->stem = arena_put(m, stem, e)) == UINT32_MAX)
			return -1;
	}
	v->g0 = (uint32_t)b->ngrp;
	for (i = 0; i < ng && b->ngrp < sizeof b->grp / sizeof b->grp[0]; i++)
		b->grp[b->ngrp++] = (int16_t)g[i];
	v->ng = (uint8_t)(b->ngrp - v->g0);
	v->stemh = h32(STR(m, v->stem));
	b->n[f]++;
	return 0;
}

/* Adds every word of a text to field f. */
static int
add_text(struct pb *b, int f, const char *s, fk_err *e)
{
	char sk[512], *w, *save = NULL;

	if (s == NULL)
		return 0;
	fk_mn_skeleton(s, strlen(s), sk, sizeof sk);
	for (w = strtok_r(sk, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (add_word(b, f, w, 0, 0, 0, e) != 0)
			return -1;
	return 0;
}

/* Free text with a whole name ("Марьяна Алексеевна Згурская"): word by word. */
static int
add_fullname(struct pb *b, const char *s, int rel, int role, fk_err *e)
{
	char sk[512], *w, *save = NULL;
	int g[FK_MN_MAXG];

	if (s == NULL)
		return 0;
	fk_mn_skeleton(s, strlen(s), sk, sizeof sk);
	for (w = strtok_r(sk, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		int f, r;
		char kind = 0;
		if (fk_mn_is_patronymic(w))
			f = NV_PATR;
		else if (fk_mn_given(b->m->t, w, g) > 0)
			f = NV_GIVEN;
		else
			f = NV_SUR;
		if (rel) {
			if (f == NV_PATR)
				continue;
			kind = f == NV_GIVEN ? 'g' : 's';
			f = NV_REL;
		} else if (f == NV_SUR)
			kind = 'a'; /* another name of the child's (away, new, other names) */
		r = add_word(b, f, w, kind, rel, role, e);
		if (r != 0)
			return -1;
	}
	return 0;
}

/* The given names in a father's name, as patronymic evidence. */
static int
add_father(struct pb *b, const char *s, fk_err *e)
{
	char sk[512], *w, *save = NULL;
	int g[FK_MN_MAXG];

	if (s == NULL)
		return 0;
	fk_mn_skeleton(s, strlen(s), sk, sizeof sk);
	for (w = strtok_r(sk, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (fk_mn_given(b->m->t, w, g) > 0 && add_word(b, NV_PATR, w, 'f', 0, 0, e) != 0)
			return -1;
	return 0;
}

/*
 * Document numbers: each part of the text (split at , ; /) gives a key of
 * its series and number (letters folded across scripts, descriptive words
 * of 3+ letters dropped) and, when it holds 6+ digits, a key of the digits
 * (kept, so that a number one digit off can be told from another number).
 */
static int
add_docs(struct pb *b, const char *s, fk_err *e)
{
	char part[256], key[256], dig[64], sk[512];
	const char *p = s, *q;

	if (s == NULL)
		return 0;
	while (*p && b->ndoc + 2 <= MAXDOC) {
		size_t n, i, k = 0, nd = 0;
		char *w, *save = NULL;
		q = p + strcspn(p, ",;/");
		n = (size_t)(q - p) < sizeof part - 1 ? (size_t)(q - p) : sizeof part - 1;
		memcpy(part, p, n);
		part[n] = 0;
		p = *q ? q + 1 : q;
		for (i = 0; i < n; i++)
			if (part[i] >= '0' && part[i] <= '9' && nd < sizeof dig - 1)
				dig[nd++] = part[i];
		dig[nd] = 0;
		if (nd < 5)
			continue;
		/* series: the short letter words, folded */
		for (i = 0; i < n; i++)
			if (part[i] >= '0' && part[i] <= '9')
				part[i] = ' ';
		fk_mn_skeleton(part, n, sk, sizeof sk);
		for (w = strtok_r(sk, " ", &save); w; w = strtok_r(NULL, " ", &save))
			if (strlen(w) <= 3 && k + strlen(w) < sizeof key - 1) {
				memcpy(key + k, w, strlen(w));
				k += strlen(w);
			}
		key[k] = 0;
		b->doc[b->ndoc].h = h64(dig, h64(key, 1)) | 1;       /* full: odd */
		b->doc[b->ndoc++].dig = UINT32_MAX;
		if (nd >= 6) {
			b->doc[b->ndoc].h = h64(dig, 2) & ~(uint64_t)3;  /* digits: %4 == 0 */
			if ((b->doc[b->ndoc++].dig = arena_put(b->m, dig, e)) == UINT32_MAX)
				return -1;
		}
	}
	return 0;
}

static void
add_ref(struct pb *b, const char *s)
{
	char r[32];
	size_t i, k = 0;

	if (s == NULL || b->ndoc >= MAXDOC)
		return;
	for (i = 0; s[i] && k < sizeof r - 1; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))
			r[k++] = s[i];
		else if (s[i] >= 'a' && s[i] <= 'z')
			r[k++] = (char)(s[i] - 32);
	r[k] = 0;
	if (k >= 4) {
		b->doc[b->ndoc].h = (h64(r, 3) & ~(uint64_t)3) | 2; /* ref: %4 == 2 */
		b->doc[b->ndoc++].dig = UINT32_MAX;
	}
}

static int
oblast_code(const char *s)
{
	if (s == NULL || strlen(s) != 4 || s[0] != 'U' || s[1] != 'A')
		return 0;
	return (s[2] - '0') * 10 + (s[3] - '0') + 1;
}

/*
 * The date of birth as the days it may be: an exact date is one day; an
 * estimated date the year before to the year after; 1 January (a
 * placeholder as often as a birthday) its year; an age of A years at the
 * record's date D: from D less A + 1 years (and a day) to D less A years.
 */
static void
set_dates(struct person *p, json_t *a, const char *date)
{
	const char *kind = sget(a, "dob_kind"), *dob = sget(a, "dob");
	json_t *age = json_object_get(a, "age_years");
	int ry = 2025, rm = 7, rd = 1;

	if (fk_match_days(date) != INT32_MIN) {
		ry = atoi(date);
		rm = atoi(date + 5);
		rd = atoi(date + 8);
	}
	p->dk = DK_NONE;
	if (dob != NULL && fk_match_days(dob) != INT32_MIN &&
	    (kind == NULL || strcmp(kind, "unknown") != 0)) {
		int y = atoi(dob), mo = atoi(dob + 5), d = atoi(dob + 8);
		p->y = (int16_t)y;
		p->mo = (int16_t)mo;
		p->d = (int16_t)d;
		p->dob = fk_match_days(dob);
		if (kind != NULL && strcmp(kind, "estimated") == 0) {
			p->dk = DK_EST;
			p->ylo = (int16_t)(y - 1);
			p->yhi = (int16_t)(y + 1);
		} else if (mo == 1 && d == 1) {
			p->dk = DK_EST; /* 1 January: a placeholder as often as a birthday */
			p->ylo = p->yhi = (int16_t)y;
		} else {
			p->dk = DK_EXACT;
			p->ylo = p->yhi = (int16_t)y;
			p->dlo = p->dhi = p->dob;
			return;
		}
		p->dlo = fk_match_civil_days(p->ylo, 1, 1);
		p->dhi = fk_match_civil_days(p->yhi, 12, 31);
	} else if (json_is_integer(age) && json_integer_value(age) >= 0 &&
	    json_integer_value(age) <= 120) {
		int a2 = (int)json_integer_value(age);
		p->dk = DK_EST;
		p->dlo = fk_match_civil_days(ry - a2 - 1, rm, rd) + 1;
		p->dhi = fk_match_civil_days(ry - a2, rm, rd);
		p->ylo = (int16_t)(ry - a2 - (rm == 12 && rd == 31 ? 0 : 1));
		p->yhi = (int16_t)(ry - a2);
	}
}

static int
commit(struct pb *b, struct person *p, fk_err *e)
{
	fk_match *m = b->m;
	int f, i;
	size_t g0 = m->ngrp;

	if (grow((void **)&m->v, &m->vcap, m->nv + 4 * MAXV, sizeof *m->v, e) != 0 ||
	    grow((void **)&m->grp, &m->gcap, m->ngrp + b->ngrp + 1, sizeof *m->grp, e) != 0 ||
	    grow((void **)&m->doc, &m->dcap, m->ndoc + MAXDOC, sizeof *m->doc, e) != 0 ||
	    grow((void **)&m->p, &m->pcap, m->np + 1, sizeof *m->p, e) != 0)
		return -1;
	memcpy(m->grp + g0, b->grp, b->ngrp * sizeof *b->grp);
	m->ngrp += b->ngrp;
	p->v0 = (uint32_t)m->nv;
	for (f = 0; f < 4; f++) {
		for (i = 0; i < b->n[f]; i++) {
			m->v[m->nv] = b->v[f][i];
			m->v[m->nv++].g0 += (uint32_t)g0;
		}
		p->nv[f] = b->n[f];
	}
	p->d0 = (uint32_t)m->ndoc;
	for (i = 0; i < b->ndoc; i++)
		m->doc[m->ndoc++] = b->doc[i];
	p->ndoc = b->ndoc;
	m->p[m->np++] = *p;
	if (p->skip)
		m->nskip[p->kind == FK_MP_INTAKE]++;
	return 0;
}

static int
yes(json_t *a, const char *k)
{
	const char *s = sget(a, k);

	return s != NULL && strcmp(s, "yes") == 0;
}

static uint8_t
sex_of(json_t *a)
{
	const char *s = sget(a, "sex");

	return s == NULL ? 0 : strcmp(s, "male") == 0 ? 'm' : strcmp(s, "female") == 0 ? 'f' : 0;
}

int
fk_match_add_record(fk_match *m, uint32_t rec, const char *form_id, json_t *a,
    const char *short_ref, const char *date, fk_err *e)
{
	struct pb b;
	struct person p;
	size_t i;
	int n = 0;

	if (strcmp(form_id, "child-intake") == 0) {
		json_t *fm = json_object_get(a, "family_members"), *x;
		memset(&b, 0, sizeof b);
		memset(&p, 0, sizeof p);
		b.m = m;
		p.rec = rec;
		p.kind = FK_MP_INTAKE;
		p.skip = !yes(a, "consent_tracing");
		p.sex = sex_of(a);
		set_dates(&p, a, date ? date : sget(a, "intake_date"));
		if (add_text(&b, NV_GIVEN, sget(a, "given_cyr"), e) ||
		    add_text(&b, NV_GIVEN, sget(a, "given_lat"), e) ||
		    add_text(&b, NV_SUR, sget(a, "surname_cyr"), e) ||
		    add_text(&b, NV_SUR, sget(a, "surname_lat"), e) ||
		    add_text(&b, NV_PATR, sget(a, "patronymic_cyr"), e) ||
		    add_text(&b, NV_PATR, sget(a, "patronymic_lat"), e) ||
		    add_fullname(&b, sget(a, "away_names_cyr"), 0, 0, e) ||
		    add_fullname(&b, sget(a, "away_names_lat"), 0, 0, e))
			return -1;
		json_array_foreach(fm, i, x) {
			int role = role_of(sget(x, "member_relationship"));
			if (b.nrel >= 6)
				break;
			b.nrel++;
			if (add_fullname(&b, sget(x, "member_name_cyr"), b.nrel, role, e) ||
			    add_fullname(&b, sget(x, "member_name_lat"), b.nrel, role, e))
				return -1;
			if (role == ROLE_FATHER && (add_father(&b, sget(x, "member_name_cyr"), e) ||
			    add_father(&b, sget(x, "member_name_lat"), e)))
				return -1;
			add_ref(&b, sget(x, "member_report_ref"));
		}
		if (add_docs(&b, sget(a, "docs_numbers"), e) != 0)
			return -1;
		return commit(&b, &p, e) == 0 ? 1 : -1;
	}
	if (strcmp(form_id, "family-report") == 0) {
		json_t *ch = json_object_get(a, "children"), *c;
		int skip = !yes(a, "consent_process");
		json_array_foreach(ch, i, c) {
			int role = role_of(sget(c, "relationship"));
			if (i >= 0xffff)
				break;
			memset(&b, 0, sizeof b);
			memset(&p, 0, sizeof p);
			b.m = m;
			p.rec = rec;
			p.child = (uint16_t)(i + 1);
			p.kind = FK_MP_REPORT;
			p.skip = (uint8_t)skip;
			p.sex = sex_of(c);
			p.oblast = (uint8_t)oblast_code(sget(c, "res_oblast"));
			set_dates(&p, c, date ? date : sget(a, "report_date"));
			if (add_text(&b, NV_GIVEN, sget(c, "given_cyr"), e) ||
			    add_text(&b, NV_GIVEN, sget(c, "given_lat"), e) ||
			    add_text(&b, NV_GIVEN, sget(c, "nicknames_cyr"), e) ||
			    add_text(&b, NV_GIVEN, sget(c, "nicknames_lat"), e) ||
			    add_text(&b, NV_SUR, sget(c, "surname_cyr"), e) ||
			    add_text(&b, NV_SUR, sget(c, "surname_lat"), e) ||
			    add_text(&b, NV_PATR, sget(c, "patronymic_cyr"), e) ||
			    add_text(&b, NV_PATR, sget(c, "patronymic_lat"), e) ||
			    add_fullname(&b, sget(c, "other_names_cyr"), 0, 0, e) ||
			    add_fullname(&b, sget(c, "other_names_lat"), 0, 0, e) ||
			    add_fullname(&b, sget(c, "new_name_cyr"), 0, 0, e) ||
			    add_fullname(&b, sget(c, "new_name_lat"), 0, 0, e))
				return -1;
			b.nrel = 1;
			{
				char *w, *save = NULL, sk[512];
				const char *ks[4] = {"reporter_given_cyr", "reporter_given_lat",
				    "reporter_surname_cyr", "reporter_surname_lat"};
				int k;
				for (k = 0; k < 4; k++) {
					const char *s = sget(a, ks[k]);
					if (s == NULL)
						continue;
					fk_mn_skeleton(s, strlen(s), sk, sizeof sk);
					for (w = strtok_r(sk, " ", &save); w;
					    w = strtok_r(NULL, " ", &save))
						if (add_word(&b, NV_REL, w, k < 2 ? 'g' : 's', 1, role, e))
							return -1;
				}
			}
			if (role == ROLE_FATHER && (add_father(&b, sget(a, "reporter_given_cyr"), e) ||
			    add_father(&b, sget(a, "reporter_given_lat"), e)))
				return -1;
			if (add_docs(&b, sget(c, "birth_cert_no"), e) != 0 ||
			    add_docs(&b, sget(c, "passport_no"), e) != 0)
				return -1;
			add_ref(&b, short_ref);
			if (commit(&b, &p, e) != 0)
				return -1;
			n++;
		}
		return n;
	}
	return 0;
}

/* ---- comparing ---- */

static int
groups_meet(const fk_match *m, const struct var *a, const struct var *b)
{
	const int16_t *ga = GRP(m, a), *gb = GRP(m, b);
	int i, j;

	for (i = 0; i < a->ng; i++)
		for (j = 0; j < b->ng; j++)
			if (ga[i] == gb[j])
				return ga[i] + 1;
	return 0;
}

static int
groups_pair(const fk_match *m, const struct var *a, const struct var *b)
{
	const int16_t *ga = GRP(m, a), *gb = GRP(m, b);
	int i, j;

	for (i = 0; i < a->ng; i++)
		for (j = 0; j < b->ng; j++)
			if (fk_mn_group_pair(m->t, ga[i]) == gb[j])
				return 1;
	return 0;
}

/* Given names: the best level over the variants; *tf = the shared group + 1. */
static int
cmp_given(const fk_match *m, const struct person *a, const struct person *b, int *tf)
{
	const struct var *va = m->v + a->v0, *vb = m->v + b->v0;
	int i, j, best = G_N, l, g, rank, brank = 99;
	static const int order[G_N + 1] = {0, 1, 3, 5, 4, 6, 7, 8, 2};

	*tf = 0;
	if (a->nv[NV_GIVEN] == 0 || b->nv[NV_GIVEN] == 0)
		return L_NULL;
	for (i = 0; i < a->nv[NV_GIVEN]; i++)
		for (j = 0; j < b->nv[NV_GIVEN]; j++) {
			const struct var *x = va + i, *y = vb + j;
			if ((g = groups_meet(m, x, y)) != 0) {
				l = x->fuzzy || y->fuzzy ? G_FUZZY : G_EQ;
				if (l == G_EQ) {
					*tf = g;
					return G_EQ;
				}
			} else if (x->ng && y->ng && !x->fuzzy && !y->fuzzy)
				l = groups_pair(m, x, y) ? G_PAIR : G_KDIFF;
			else if (x->sk == y->sk)
				l = G_SKEQ;
			else {
				double jw = fk_mn_jw(STR(m, x->off), STR(m, y->off));
				l = jw >= 0.92 ? G_JW92 : (jw >= 0.80 || x->dm == y->dm) ? G_JW80 :
				    (x->ng && y->ng) ? G_KDIFF : G_DIFF;
			}
			rank = order[l];
			if (rank < brank) {
				brank = rank;
				best = l;
			}
		}
	return best;
}

/*
 * Surnames; the relatives' surnames of either count as S_FAMILY at best (a
 * replaced surname). *tf = the skeleton hash the two share (S_EQ, S_FAMILY).
 */
static int
cmp_surname(const fk_match *m, const struct person *a, const struct person *b, uint32_t *tf,
    int *kept)
{
	const struct var *va = m->v + a->v0 + a->nv[NV_GIVEN];
	const struct var *vb = m->v + b->v0 + b->nv[NV_GIVEN];
	int i, j, best = S_N, l, bestkept = 0;
	uint32_t besttf = 0;

	*tf = 0;
	*kept = 0;
	if (a->nv[NV_SUR] == 0 || b->nv[NV_SUR] == 0)
		return L_NULL;
	/*
	 * The best level over every pair of spellings; at one level, a pair of
	 * the two name fields (the surname kept) before one through other names
	 * (an adoptive or earlier surname: the name field was replaced)
	 */
	for (i = 0; i < a->nv[NV_SUR]; i++)
		for (j = 0; j < b->nv[NV_SUR]; j++) {
			const struct var *x = va + i, *y = vb + j;
			int k = x->kind != 'a' && y->kind != 'a';
			if (x->sk == y->sk && k) {
				*tf = x->sk;
				*kept = 1;
				return S_EQ;
			}
			if (x->sk == y->sk)
				l = S_EQ;
			else if (x->stemh == y->stemh)
				l = S_STEM;
			else {
				const char *xs = STR(m, x->off), *ys = STR(m, y->off);
				int typos = strlen(xs) >= 8 && strlen(ys) >= 8 ? 2 : 1;
				l = fk_mn_dl_within(xs, ys, typos) ? S_JW92 : x->dm == y->dm ? S_DM : S_DIFF;
			}
			if (l < best || (l == best && k && !bestkept)) {
				best = l;
				bestkept = k;
				besttf = l == S_EQ ? x->sk : 0;
			}
		}
	if (best < S_FAMILY) {
		*tf = besttf;
		*kept = bestkept;
		return best;
	}
	if (best > S_FAMILY) {
		/* a replaced surname: the relatives of either may still carry the old one */
		const struct person *pp[2] = {a, b}, *qq[2] = {b, a};
		int s;
		for (s = 0; s < 2; s++) {
			const struct var *r = m->v + pp[s]->v0 + pp[s]->nv[0] + pp[s]->nv[1] +
			    pp[s]->nv[2];
			const struct var *q = m->v + qq[s]->v0 + qq[s]->nv[NV_GIVEN];
			for (i = 0; i < pp[s]->nv[NV_REL]; i++) {
				if (r[i].kind != 's')
					continue;
				for (j = 0; j < qq[s]->nv[NV_SUR]; j++)
					if (r[i].stemh == q[j].stemh) {
						*tf = q[j].sk;
						return S_FAMILY;
					}
			}
		}
	}
	return best;
}

/* Patronymics (and fathers' names): P_EQ, P_JW92 or P_DIFF. */
static int
cmp_patr(const fk_match *m, const struct person *a, const struct person *b)
{
	const struct var *va = m->v + a->v0 + a->nv[0] + a->nv[1];
	const struct var *vb = m->v + b->v0 + b->nv[0] + b->nv[1];
	int i, j, best = P_DIFF + 1, l;

	if (a->nv[NV_PATR] == 0 || b->nv[NV_PATR] == 0)
		return L_NULL;
	for (i = 0; i < a->nv[NV_PATR]; i++)
		for (j = 0; j < b->nv[NV_PATR]; j++) {
			const struct var *x = va + i, *y = vb + j;
			if (groups_meet(m, x, y) || x->sk == y->sk ||
			    x->stemh == y->stemh)
				return P_EQ;
			l = fk_mn_jw(STR(m, x->off), STR(m, y->off)) >= 0.92 ? P_JW92 : P_DIFF;
			if (l < best)
				best = l;
		}
	return best;
}

static void
digits8(char *o, int y, int m, int d)
{
	unsigned v = (unsigned)((y % 10000 + 10000) % 10000) * 10000u + (unsigned)(m % 100) * 100u +
	    (unsigned)(d % 100);
	int i;

	for (i = 7; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
}

/* Damerau-Levenshtein distance <= 1 between two 8-digit dates. */
static int
dl1(int y1, int m1, int d1, int y2, int m2, int d2)
{
	char a[8], b[8];
	int i, diff = 0, first = -1;

	digits8(a, y1, m1, d1);
	digits8(b, y2, m2, d2);
	for (i = 0; i < 8; i++)
		if (a[i] != b[i]) {
			if (first < 0)
				first = i;
			diff++;
		}
	if (diff <= 1)
		return 1;
	return diff == 2 && first < 7 && a[first] == b[first + 1] && a[first + 1] == b[first];
}

static int
cmp_dob(const struct person *a, const struct person *b)
{
	int32_t gap;

	if (a->dk == DK_NONE || b->dk == DK_NONE)
		return L_NULL;
	if (a->dk == DK_EXACT && b->dk == DK_EXACT) {
		int32_t dd = a->dob > b->dob ? a->dob - b->dob : b->dob - a->dob;
		if (dd == 0)
			return D_EXACT;
		if (dl1(a->y, a->mo, a->d, b->y, b->mo, b->d) ||
		    (a->y == b->y && a->mo == b->d && a->d == b->mo))
			return D_TYPO;
		if (dd <= 31)
			return D_MONTH;
		if (dd <= 366 || (a->mo == b->mo && a->d == b->d && abs(a->y - b->y) == 1))
			return D_YEAR;
		return dd <= 731 ? D_NEAR2 : D_DIFF;
	}
	/* an estimated date or an age: how far apart the possible days are */
	gap = a->dlo > b->dhi ? a->dlo - b->dhi : b->dlo > a->dhi ? b->dlo - a->dhi : 0;
	return gap == 0 ? D_OVERLAP : gap <= 366 ? D_NEAR1A : gap <= 731 ? D_NEAR2A : D_DIFFA;
}

static int
cmp_docs(const fk_match *m, const struct person *a, const struct person *b)
{
	const struct doc *da = m->doc + a->d0, *db = m->doc + b->d0;
	int i, j, best = C_N, any = 0;

	for (i = 0; i < a->ndoc; i++)
		for (j = 0; j < b->ndoc; j++) {
			int ka = (int)(da[i].h & 3), kb = (int)(db[j].h & 3), l = C_N;
			if (ka != kb || (ka != 2 && (ka & 1) != (kb & 1)))
				continue;
			/* a report's own reference against an intake's mention of it; two
			 * reports' references are two reports, not two children */
			if (ka == 2 && a->kind == b->kind)
				continue;
			any = 1;
			if (da[i].h == db[j].h)
				l = ka & 1 ? C_EQ : ka == 2 ? C_REF : C_DIGITS;
			else if (ka == 0 && da[i].dig != UINT32_MAX && db[j].dig != UINT32_MAX &&
			    fk_mn_dl_within(STR(m, da[i].dig), STR(m, db[j].dig), 1))
				l = C_TYPO; /* one digit mistyped, or two swapped */
			if (l < best)
				best = l;
		}
	if (best != C_N)
		return best;
	return any ? C_DIFF : L_NULL;
}

static int
roles_fit(int a, int b)
{
	return a == ROLE_ANY || b == ROLE_ANY || a == b;
}

/*
 * The reporter (a relative of a report child) against the other's
 * relatives: a given name or a surname agrees for a relative whose role fits
 * (an aunt is not the mother); the same parent (mother, father) named
 * differently is a conflict. With the surnames agreeing (sagree), the
 * relatives' surnames say nothing new: only given names are compared.
 */
static int
cmp_rel(const fk_match *m, const struct person *a, const struct person *b, int sagree)
{
	const struct var *ra = m->v + a->v0 + a->nv[0] + a->nv[1] + a->nv[2];
	const struct var *rb = m->v + b->v0 + b->nv[0] + b->nv[1] + b->nv[2];
	int i, j, conflict = 0, ok;
	uint64_t gmask = 0, smask = 0, gknown = 0, gagree = 0; /* per pair of relatives */

	if (a->nv[NV_REL] == 0 || b->nv[NV_REL] == 0)
		return L_NULL;
	for (i = 0; i < a->nv[NV_REL]; i++)
		for (j = 0; j < b->nv[NV_REL]; j++) {
			const struct var *x = ra + i, *y = rb + j;
			uint64_t bit = (uint64_t)1 << ((x->rel & 7) * 8 + (y->rel & 7));
			if (x->kind != y->kind)
				continue;
			if (x->kind == 'g') {
				ok = groups_meet(m, x, y) || x->sk == y->sk;
				if (ok && roles_fit(x->role, y->role))
					gmask |= bit;
				if (x->role == y->role && ROLE_UNIQUE(x->role)) {
					/* the same parent: does any spelling of the name agree? */
					gknown |= bit;
					if (ok || x->fuzzy || y->fuzzy || (!x->ng) != (!y->ng) ||
					    fk_mn_jw(STR(m, x->off), STR(m, y->off)) >= 0.85)
						gagree |= bit;
				}
			} else if ((x->sk == y->sk || x->stemh == y->stemh ||
			    fk_mn_jw(STR(m, x->off), STR(m, y->off)) >= 0.92) &&
			    roles_fit(x->role, y->role))
				smask |= bit;
		}
	conflict = (gknown & ~gagree) != 0;
	if (sagree)
		return gmask ? R_GIVENS : conflict ? R_CONFLICTS : R_DIFFS;
	if (gmask & smask)
		return R_FULL;
	if (gmask)
		return R_GIVEN;
	if (conflict)
		return R_CONFLICT;
	return smask ? R_SURNAME : R_DIFF;
}

struct cmp {
	uint8_t level[MF_N];
	int gtf;        /* shared given group + 1 */
	uint32_t stf;   /* shared surname hash */
};

static void
compare(const fk_match *m, const struct person *a, const struct person *b, int dedup,
    struct cmp *c)
{
	int sl, pl, kept;

	c->level[MF_GIVEN] = (uint8_t)cmp_given(m, a, b, &c->gtf);
	c->level[MF_SURNAME] = (uint8_t)(sl = cmp_surname(m, a, b, &c->stf, &kept));
	pl = cmp_patr(m, a, b);
	/* with the family name kept, another patronymic is a typo at most; through an
	 * adoptive or earlier surname, or a relative's, the patronymic may be replaced too */
	c->level[MF_PATR] = (uint8_t)(pl != L_NULL && S_AGREES(sl) && kept ? pl + P_DIFF : pl);
	c->level[MF_DOB] = (uint8_t)cmp_dob(a, b);
	c->level[MF_SEX] = (uint8_t)(a->sex && b->sex ? (a->sex == b->sex ? X_EQ : X_DIFF) :
	    L_NULL);
	c->level[MF_DOC] = (uint8_t)cmp_docs(m, a, b);
	c->level[MF_REL] = (uint8_t)cmp_rel(m, a, b, S_AGREES(sl));
	c->level[MF_PLACE] = (uint8_t)(dedup && a->oblast && b->oblast ?
	    (a->oblast == b->oblast ? O_EQ : O_DIFF) : L_NULL);
}

/* ---- term frequencies ---- */

static size_t
sf_slot(const fk_match *m, uint32_t k)
{
	size_t i = (k * 2654435761u) & (m->sf.cap - 1);

	while (m->sf.key[i] != 0 && m->sf.key[i] != k)
		i = (i + 1) & (m->sf.cap - 1);
	return i;
}

static int
build_tf(fk_match *m, int kind1, int kind2, fk_err *e)
{
	size_t i, cap = 1024;
	int f, j, k;

	free(m->gfreq);
	free(m->sf.key);
	free(m->sf.cnt);
	m->gfreq = calloc((size_t)fk_mn_names_count(m->t) + 1, sizeof *m->gfreq);
	while (cap < m->np * 2 + 16)
		cap *= 2;
	m->sf.cap = cap;
	m->sf.key = calloc(cap, sizeof *m->sf.key);
	m->sf.cnt = calloc(cap, sizeof *m->sf.cnt);
	if (m->gfreq == NULL || m->sf.key == NULL || m->sf.cnt == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	m->ntf = 0;
	for (i = 0; i < m->np; i++) {
		const struct person *p = m->p + i;
		const struct var *v = m->v + p->v0;
		int16_t seen[MAXV * FK_MN_MAXG];
		int ns = 0;
		if (p->skip || (p->kind != kind1 && p->kind != kind2))
			continue;
		m->ntf++;
		for (j = 0; j < p->nv[NV_GIVEN]; j++)
			for (k = 0; k < v[j].ng && !v[j].fuzzy; k++) {
				int s, dup = 0, g = GRP(m, v + j)[k];
				for (s = 0; s < ns; s++)
					dup |= seen[s] == g;
				if (!dup && ns < (int)(sizeof seen / sizeof seen[0])) {
					seen[ns++] = (int16_t)g;
					m->gfreq[g] += 1;
				}
			}
		v += p->nv[NV_GIVEN];
		for (j = 0; j < p->nv[NV_SUR]; j++) {
			size_t s = sf_slot(m, v[j].sk);
			m->sf.key[s] = v[j].sk;
			m->sf.cnt[s]++;
		}
	}
	for (f = 0; f < fk_mn_names_count(m->t); f++)
		m->gfreq[f] = (m->gfreq[f] + TF_PRIOR_N * GF_REF) / (m->ntf + TF_PRIOR_N);
	m->sumsq = 0;
	for (i = 0; i < m->sf.cap; i++)
		if (m->sf.key[i] != 0) {
			double x = m->sf.cnt[i] / (m->ntf > 0 ? m->ntf : 1);
			m->sumsq += x * x;
		}
	m->sumsq = (m->sumsq * m->ntf + TF_PRIOR_N * SF_REF) / (m->ntf + TF_PRIOR_N);
	return 0;
}

static double
given_tf(const fk_match *m, int g)
{
	double f = m->gfreq[g - 1], floor = m->ntf > 0 ? 1.0 / m->ntf : 1e-4;

	return f > floor ? f : floor;
}

static double
surname_tf(const fk_match *m, uint32_t k)
{
	size_t s = sf_slot(m, k);
	double f = ((m->sf.key[s] == k ? m->sf.cnt[s] : 0) + TF_PRIOR_N * SF_REF) /
	    (m->ntf + TF_PRIOR_N);
	double floor = m->ntf > 0 ? 1.0 / m->ntf : 1e-4;

	return f > floor ? f : floor;
}

/*
 * The weight of a pair, and what each field added (fw, may be NULL). An
 * agreeing name is weighed by how common it is (term frequency): log2(m /
 * f) for a given-name group or a surname shared, and the level's own weight
 * scaled by f against the average chance of a shared surname for a relative's
 * surname (Шевченко carried by an aunt says less than a rare name).
 */
static double
pair_weight(const fk_match *m, const struct cmp *c, double *fw)
{
	double w = 0, x;
	int f;

	for (f = 0; f < MF_N; f++) {
		int l = c->level[f];
		if (l == L_NULL)
			x = 0;
		else if (f == MF_GIVEN && l == G_EQ && c->gtf > 0)
			x = log2(m->mp[f][l] / given_tf(m, c->gtf));
		else if (f == MF_SURNAME && l == S_EQ && c->stf != 0)
			x = log2(m->mp[f][l] / surname_tf(m, c->stf));
		else if (f == MF_SURNAME && l == S_FAMILY && c->stf != 0)
			x = m->w[f][l] + log2(m->sumsq / surname_tf(m, c->stf));
		else
			x = m->w[f][l];
		if (fw != NULL)
			fw[f] = x;
		w += x;
	}
	return w;
}

/* ---- u from random pairs ---- */

/* Levels that are only possible for some pairs form their own class. */
static int
cls_of(int f, int l)
{
	if (f == MF_DOB)
		return l >= D_OVERLAP;
	if (f == MF_GIVEN)
		return !G_KNOWN(l);
	if (f == MF_PATR)
		return l >= P_EQS;
	if (f == MF_REL)
		return l >= R_GIVENS;
	return 0;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct ujob {
	const fk_match *m;
	const uint32_t *A, *B;
	size_t na, nb, n;
	int dedup;
	uint64_t seed;
	double cnt[MF_N][FK_MATCH_MAXLEVEL], tot[MF_N][2];
};

static void *
run_ujob(void *arg)
{
	struct ujob *u = arg;
	uint64_t s = u->seed;
	size_t i;
	struct cmp c;
	int f, l;

	for (i = 0; i < u->n; i++) {
		uint32_t a = u->A[rnd(&s) % u->na], b = u->B[rnd(&s) % u->nb];
		if (a == b || u->m->p[a].rec == u->m->p[b].rec)
			continue;
		compare(u->m, u->m->p + a, u->m->p + b, u->dedup, &c);
		for (f = 0; f < MF_N; f++) {
			l = c.level[f];
			if (l == L_NULL)
				continue;
			u->cnt[f][l]++;
			u->tot[f][cls_of(f, l)]++;
		}
	}
	return NULL;
}

/* u from max random pairs (A x B), on two threads. */
static int
estimate_u(fk_match *m, const uint32_t *A, size_t na, const uint32_t *B, size_t nb, int dedup,
    size_t *nsample, size_t max)
{
	struct ujob *u;
	pthread_t th;
	size_t n = na * nb;
	int f, l, t, started = 0;

	if (n > max)
		n = max;
	if (na == 0 || nb == 0)
		n = 0;
	if ((u = calloc(2, sizeof *u)) == NULL)
		return -1;
	for (t = 0; t < 2; t++) {
		u[t].m = m;
		u[t].A = A;
		u[t].B = B;
		u[t].na = na;
		u[t].nb = nb;
		u[t].n = n / 2 + (t == 0 ? n % 2 : 0);
		u[t].dedup = dedup;
		u[t].seed = t ? 0xd1b54a32d192ed03ULL : 0x9e3779b97f4a7c15ULL;
	}
	if (n > 1000 && fk_threads() > 1)
		started = pthread_create(&th, NULL, run_ujob, &u[1]) == 0;
	run_ujob(&u[0]);
	if (started)
		pthread_join(th, NULL);
	else
		run_ujob(&u[1]);
	*nsample = n;
	for (f = 0; f < MF_N; f++)
		for (l = 1; l < nlevels[f]; l++) {
			int cls = cls_of(f, l);
			/* the hub's pairs on top of the reference, and a floor: no level is certain */
			double uu = (u[0].cnt[f][l] + u[1].cnt[f][l] + U_PRIOR_N * u_ref[dedup][f][l]) /
			    (u[0].tot[f][cls] + u[1].tot[f][cls] + U_PRIOR_N);
			if (uu < 1e-7)
				uu = 1e-7;
			m->w[f][l] = log2(m->mp[f][l] / uu);
		}
	free(u);
	return 0;
}

/* ---- blocking ---- */

struct bk {
	uint64_t key;
	uint32_t p;
};

static int
bk_cmp(const void *x, const void *y)
{
	const struct bk *a = x, *b = y;

	return a->key < b->key ? -1 : a->key > b->key ? 1 : (a->p > b->p) - (a->p < b->p);
}

static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t h = (a ^ 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;

	h ^= b + 0x94d049bb133111ebULL + (h << 6) + (h >> 2);
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/*
 * Blocking keys of a person (the union of rules, docs/matching.md); a pair
 * is compared when the two share a key:
 *  1 given-name group (or unknown spelling) x birth year (query: +-1 year),
 *    only where that block holds at most B1_CAP children (odd keys): the
 *    rare names; a common name in a year is too weak alone anyway
 *  2 surname Daitch-Mokotoff code x sex, capped as rule 1
 *  3 document number or report reference
 *  4 given-name group x the exact date of birth
 *  5 given-name group x surname DM, of the child or of a relative
 *  6 given-name group x father's name group (from the patronymic)
 *  7 given-name group x the first three letters of the surname skeleton
 *  8 the exact date of birth x sex, capped (a child renamed after adoption
 *    usually keeps the date)
 *  9 a surname's DM code x birth year (query: +-1), the child's own or a
 *    relative's (the reporter; the intake's family), capped: the family's
 *    name survives a replaced surname and a replaced given name
 * 10 given-name group x birth year x sex, capped (rule 1 for common names)
 * 11 father's name group (patronymic) x the exact date of birth
 * query = 1 widens the years; returns the number of keys written (no key
 * twice).
 */
#define B1_CAP 40

static int
u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static size_t
keys_of(const fk_match *m, const struct person *p, int query, uint64_t *k, size_t max)
{
	const struct var *v = m->v + p->v0;
	const struct var *sv = v + p->nv[0], *rv = v + p->nv[0] + p->nv[1] + p->nv[2];
	size_t n = 0, i, o;
	int j, y, gi;

	for (i = 0; i < p->nv[NV_GIVEN]; i++) {
		int ng = v[i].ng ? v[i].ng : 1;
		for (gi = 0; gi < ng; gi++) {
			uint64_t g = v[i].ng ? (uint64_t)GRP(m, v + i)[gi] + 1 :
			    ((uint64_t)v[i].sk << 16);
			if (p->dk == DK_EXACT && n < max)
				k[n++] = mix(8, g * 1000003 + (uint64_t)p->dob) & ~(uint64_t)1;
			if (p->dk != DK_NONE)
				for (y = p->ylo - query; y <= p->yhi + query && n + 3 < max; y++) {
					k[n++] = mix(1, g * 4096 + (uint64_t)(y & 4095)) | 1; /* odd: capped */
					/* the same with sex: a common name in a year still blocks */
					if (p->sex != 'f')
						k[n++] = mix(11, (g * 4096 + (uint64_t)(y & 4095)) * 4 + 1) | 1;
					if (p->sex != 'm')
						k[n++] = mix(11, (g * 4096 + (uint64_t)(y & 4095)) * 4 + 2) | 1;
				}
			for (j = 0; j < p->nv[NV_REL] && n < max; j++)
				if (rv[j].kind == 's')
					k[n++] = mix(5, g * 1000003 + rv[j].dm) & ~(uint64_t)1;
			for (j = 0; j < p->nv[NV_SUR] && n < max; j++)
				k[n++] = mix(5, g * 1000003 + sv[j].dm) & ~(uint64_t)1;
			{
				const struct var *pv = v + p->nv[0] + p->nv[1];
				for (j = 0; j < p->nv[NV_PATR] && n < max; j++) {
					int pg;
					for (pg = 0; pg < pv[j].ng && n < max; pg++)
						k[n++] = mix(6, g * 1000003 +
						    (uint64_t)GRP(m, pv + j)[pg]) & ~(uint64_t)1;
				}
			}
			for (j = 0; j < p->nv[NV_SUR] && n < max; j++) {
				const char *ss = STR(m, sv[j].off);
				uint64_t pre = 0;
				int c2;
				for (c2 = 0; c2 < 3 && ss[c2]; c2++)
					pre = pre * 256 + (uint8_t)ss[c2];
				k[n++] = mix(7, g * 1000003 + pre) & ~(uint64_t)1;
			}
		}
	}
	for (i = 0; i < p->nv[NV_SUR] && n + 2 < max; i++) {
		if (p->sex == 0) {  /* unknown sex: under both */
			k[n++] = mix(2, (uint64_t)sv[i].dm * 4 + 1) | 1;
			k[n++] = mix(2, (uint64_t)sv[i].dm * 4 + 2) | 1;
		} else
			k[n++] = mix(2, (uint64_t)sv[i].dm * 4 + (p->sex == 'm' ? 1 : 2)) | 1;
	}
	if (p->dk == DK_EXACT && n + 2 < max) {
		if (p->sex != 'f')
			k[n++] = mix(9, (uint64_t)p->dob * 4 + 1) | 1;
		if (p->sex != 'm')
			k[n++] = mix(9, (uint64_t)p->dob * 4 + 2) | 1;
	}
	if (p->dk == DK_EXACT) {
		/* the father's name (patronymic) x the exact date: a given name replaced, the
		 * patronymic kept */
		const struct var *pv = v + p->nv[0] + p->nv[1];
		int pg;
		for (j = 0; j < p->nv[NV_PATR]; j++)
			for (pg = 0; pg < pv[j].ng && n < max; pg++)
				k[n++] = mix(12, (uint64_t)GRP(m, pv + j)[pg] * 1000003 +
				    (uint64_t)p->dob) & ~(uint64_t)1;
	}
	if (p->dk != DK_NONE)
		for (i = 0; i < (size_t)(p->nv[NV_SUR] + p->nv[NV_REL]); i++) {
			const struct var *s = sv + (i < p->nv[NV_SUR] ? i : i + p->nv[NV_PATR]);
			if (i >= p->nv[NV_SUR] && s->kind != 's')
				continue;
			for (y = p->ylo - query; y <= p->yhi + query && n < max; y++)
				k[n++] = mix(10, (uint64_t)s->dm * 4096 + (uint64_t)(y & 4095)) | 1;
		}
	for (i = 0; i < p->ndoc && n < max; i++)
		k[n++] = mix(3, m->doc[p->d0 + i].h & ~(uint64_t)1) & ~(uint64_t)1;
	if (n > 1)
		qsort(k, n, sizeof *k, u64_cmp);
	for (i = 0, o = 0; i < n; i++)
		if (o == 0 || k[o - 1] != k[i])
			k[o++] = k[i];
	return o;
}

struct index {
	struct bk *e;
	size_t n;
	uint64_t *hk;   /* hash: key -> first entry */
	uint32_t *hs, *hc;
	size_t cap;
};

static void
index_free(struct index *x)
{
	free(x->e);
	free(x->hk);
	free(x->hs);
	free(x->hc);
	memset(x, 0, sizeof *x);
}

static int
index_build(const fk_match *m, const uint32_t *P, size_t np, struct index *x, fk_err *e)
{
	uint64_t k[FK_MATCH_MAXKEYS];
	size_t i, j, cap = 0, kn;

	memset(x, 0, sizeof *x);
	for (i = 0; i < np; i++) {
		kn = keys_of(m, m->p + P[i], 0, k, FK_MATCH_MAXKEYS);
		if (grow((void **)&x->e, &cap, x->n + kn, sizeof *x->e, e) != 0)
			return -1;
		for (j = 0; j < kn; j++) {
			x->e[x->n].key = k[j];
			x->e[x->n++].p = P[i];
		}
	}
	if (x->n > 1)
		qsort(x->e, x->n, sizeof *x->e, bk_cmp);
	/* drop repeated (key, person) */
	for (i = 0, j = 0; i < x->n; i++)
		if (j == 0 || x->e[j - 1].key != x->e[i].key || x->e[j - 1].p != x->e[i].p)
			x->e[j++] = x->e[i];
	x->n = j;
	for (x->cap = 1024; x->cap < x->n * 2 + 16; x->cap *= 2)
		;
	x->hk = calloc(x->cap, sizeof *x->hk);
	x->hs = calloc(x->cap, sizeof *x->hs);
	x->hc = calloc(x->cap, sizeof *x->hc);
	if (x->hk == NULL || x->hs == NULL || x->hc == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 0; i < x->n;) {
		size_t s = (size_t)(x->e[i].key * 0x9e3779b97f4a7c15ULL >> 20) & (x->cap - 1);
		for (j = i; j < x->n && x->e[j].key == x->e[i].key; j++)
			;
		while (x->hc[s] != 0)
			s = (s + 1) & (x->cap - 1);
		x->hk[s] = x->e[i].key;
		x->hs[s] = (uint32_t)i;
		x->hc[s] = (uint32_t)(j - i);
		i = j;
	}
	return 0;
}

static const struct bk *
index_get(const struct index *x, uint64_t key, size_t *n)
{
	size_t s = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 20) & (x->cap - 1);

	while (x->hc[s] != 0) {
		if (x->hk[s] == key) {
			*n = x->hc[s];
			return x->e + x->hs[s];
		}
		s = (s + 1) & (x->cap - 1);
	}
	*n = 0;
	return NULL;
}

/* ---- linking ---- */

struct job {
	fk_match *m;
	const struct index *x;
	const uint32_t *A;
	size_t na, from, to;
	int dedup;
	double wmin;
	uint32_t *stamp;
	fk_match_pair *out;
	size_t n, cap;
	int err;
	size_t ncand;
};

static void *
run_job(void *arg)
{
	struct job *j = arg;
	fk_match *m = j->m;
	uint64_t k[FK_MATCH_MAXKEYS];
	size_t ai, ki, kn, c, cn;
	struct cmp cm;

	for (ai = j->from; ai < j->to; ai++) {
		uint32_t a = j->A[ai];
		const struct person *pa = m->p + a;
		kn = keys_of(m, pa, 1, k, FK_MATCH_MAXKEYS);
		for (ki = 0; ki < kn; ki++) {
			const struct bk *b = index_get(j->x, k[ki], &cn);
			if ((k[ki] & 1) && cn > B1_CAP)
				continue;
			for (c = 0; c < cn; c++) {
				uint32_t bp = b[c].p;
				double w;
				if (j->stamp[bp] == a + 1)
					continue;
				j->stamp[bp] = a + 1;
				if (j->dedup && (bp <= a || m->p[bp].rec == pa->rec))
					continue;
				j->ncand++;
				compare(m, pa, m->p + bp, j->dedup, &cm);
				w = pair_weight(m, &cm, NULL);
				if (w < j->wmin)
					continue; /* could never matter, not even to lambda */
				if (j->n == j->cap) {
					size_t nc = j->cap ? j->cap * 2 : 4096;
					fk_match_pair *np = realloc(j->out, nc * sizeof *np);
					if (np == NULL) {
						j->err = 1;
						return NULL;
					}
					j->out = np;
					j->cap = nc;
				}
				j->out[j->n].a = a;
				j->out[j->n].b = bp;
				j->out[j->n].weight = (float)w;
				memcpy(j->out[j->n].level, cm.level, MF_N);
				j->n++;
			}
		}
	}
	return NULL;
}

static int
pair_cmp(const void *x, const void *y)
{
	const fk_match_pair *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->p > b->p ? -1 : a->p < b->p ? 1 : (a->b > b->b) - (a->b < b->b);
}

static int
collect(const fk_match *m, int kind, uint32_t **out, size_t *n, fk_err *e)
{
	size_t i;

	*n = 0;
	if ((*out = malloc((m->np + 1) * sizeof **out)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 0; i < m->np; i++)
		if (m->p[i].kind == kind && !m->p[i].skip)
			(*out)[(*n)++] = (uint32_t)i;
	return 0;
}

static void
set_model(fk_match *m, int dedup)
{
	int f, l;

	m->mp = dedup ? m_dedup : m_link;
	for (f = 0; f < MF_N; f++)
		for (l = 0; l < FK_MATCH_MAXLEVEL; l++)
			m->w[f][l] = 0;
}

/* Scores all blocked pairs of A against the index of B (threads). */
static int
score_all(fk_match *m, const uint32_t *A, size_t na, const struct index *x, int dedup,
    double lambda0, int threads, fk_match_pair **pairs, size_t *n, size_t *ncand, fk_err *e)
{
	struct job j[8];
	pthread_t th[8];
	int t, nt = threads < 1 ? 1 : threads > 8 ? 8 : threads, started[8] = {0}, bad = 0;
	size_t total = 0, o = 0;

	memset(j, 0, sizeof j);
	for (t = 0; t < nt; t++) {
		j[t].m = m;
		j[t].x = x;
		j[t].A = A;
		j[t].na = na;
		j[t].from = na * (size_t)t / (size_t)nt;
		j[t].to = na * (size_t)(t + 1) / (size_t)nt;
		j[t].dedup = dedup;
		/* pairs whose odds stay under 1e-5 even if lambda grew tenfold */
		j[t].wmin = m->wmin = log2(1e-6 / lambda0);
		if ((j[t].stamp = calloc(m->np + 1, sizeof *j[t].stamp)) == NULL)
			bad = 1;
	}
	for (t = 1; t < nt && !bad; t++)
		started[t] = pthread_create(&th[t], NULL, run_job, &j[t]) == 0;
	if (!bad)
		run_job(&j[0]);
	for (t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		else if (!bad)
			run_job(&j[t]);
	}
	*ncand = 0;
	for (t = 0; t < nt; t++) {
		bad |= j[t].err;
		total += j[t].n;
		*ncand += j[t].ncand;
	}
	*pairs = bad ? NULL : malloc((total + 1) * sizeof **pairs);
	for (t = 0; t < nt; t++) {
		if (*pairs != NULL && j[t].n)
			memcpy(*pairs + o, j[t].out, j[t].n * sizeof **pairs);
		o += j[t].n;
		free(j[t].out);
		free(j[t].stamp);
	}
	if (*pairs == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	*n = total;
	return 0;
}

/* log2 of P(levels | the child) / P(levels | a sibling), child-level fields. */
static double
sib_delta(const fk_match *m, const uint8_t *lv)
{
	double d = 0;

	if (lv[MF_GIVEN])
		d += log2(m->mp[MF_GIVEN][lv[MF_GIVEN]] / s_given[lv[MF_GIVEN]]);
	if (lv[MF_DOB])
		d += log2(m->mp[MF_DOB][lv[MF_DOB]] / s_dob[lv[MF_DOB]]);
	if (lv[MF_SEX])
		d += log2(m->mp[MF_SEX][lv[MF_SEX]] / s_sex[lv[MF_SEX]]);
	if (lv[MF_DOC])
		d += log2(m->mp[MF_DOC][lv[MF_DOC]] / s_doc[lv[MF_DOC]]);
	return d;
}

/*
 * Two candidates of one intake compete (cannot both be its child) when
 * they are provably different children: in one report (siblings), another
 * sex, different given names, exact dates of birth more than a month apart
 * that no typo explains (nor the same day a year off), dates years apart,
 * different patronymics, or the same parent (the reporting mother, say)
 * named differently. Reports of one child by different relatives, which
 * differ only by what relatives get wrong, do not compete.
 */
static int
other_child(const fk_match *m, uint32_t j, uint32_t k)
{
	const struct person *a = m->p + j, *b = m->p + k;
	int tf, dl, gl, pl, rl;

	if (a->rec == b->rec)
		return 1;
	if (a->sex && b->sex && a->sex != b->sex)
		return 1;
	gl = cmp_given(m, a, b, &tf);
	if (gl == G_KDIFF || gl == G_DIFF)
		return 1;
	dl = cmp_dob(a, b);
	if (dl == D_NEAR2 || dl == D_DIFF || dl == D_DIFFA || dl == D_NEAR2A)
		return 1;
	if (dl == D_YEAR && !(a->mo == b->mo && a->d == b->d))
		return 1;
	pl = cmp_patr(m, a, b);
	if (pl == P_DIFF)
		return 1;
	rl = cmp_rel(m, a, b, 0);
	return rl == R_CONFLICT;
}

static int
pair_cmp_w(const void *x, const void *y)
{
	const fk_match_pair *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->weight > b->weight ? -1 : a->weight < b->weight ? 1 : (a->b > b->b) - (a->b < b->b);
}

/*
 * The probability of each pair (sorted by intake, then weight) against
 * three explanations: the same child, a sibling, an unrelated child; with
 * compete, the other candidates of the same intake that cannot be the same
 * child share the evidence.
 */
static int
probabilities(const fk_match *m, fk_match_pair *pr, size_t n, double lambda, int compete,
    fk_err *e)
{
	double *R;
	size_t i, g0, g1, j, k;

	if (n == 0)
		return 0;
	if ((R = malloc(n * sizeof *R)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 0; i < n; i++) {
		double odds = lambda / (1 - lambda) * exp2(pr[i].weight);
		R[i] = odds * (1 + SIBLING_PRIOR * exp2(-sib_delta(m, pr[i].level)));
		pr[i].p = (float)(odds / (1 + R[i]));
	}
	for (g0 = 0; compete && g0 < n; g0 = g1) {
		for (g1 = g0 + 1; g1 < n && pr[g1].a == pr[g0].a; g1++)
			;
		for (j = g0; j < g1; j++) {
			double den = 1 + R[j];
			if (pr[j].p < 0.01)
				continue;
			for (k = g0; k < g1; k++)
				if (k != j && R[k] > 1e-3 && other_child(m, pr[j].b, pr[k].b))
					den += R[k];
			pr[j].p = (float)(lambda / (1 - lambda) * exp2(pr[j].weight) / den);
		}
	}
	free(R);
	return 0;
}

/*
 * EM for lambda; then the probability of each pair against three
 * explanations: the same child, a sibling (who shares the family's
 * fields), an unrelated child. With compete, the other candidates of the
 * same intake that cannot be the same child as this one share the
 * evidence (one child is one child). Keeps pairs with p >= min_p.
 */
static int
calibrate(fk_match *m, fk_match_pair *pr, size_t *n, double npairs, double lambda0,
    double min_p, int compete, fk_err *e)
{
	double lambda = lambda0, s;
	size_t i, o = 0;
	int it;

	if (npairs < 1)
		npairs = 1;
	for (it = 0; it < 30; it++) {
		double nl;
		s = 0;
		for (i = 0; i < *n; i++) {
			double bf = exp2(pr[i].weight);
			s += lambda * bf / (lambda * bf + 1 - lambda);
		}
		nl = s / npairs;
		if (nl <= 0)
			break;
		if (fabs(nl - lambda) < 1e-9 * lambda) {
			lambda = nl;
			break;
		}
		lambda = nl;
	}
	if (lambda <= 0 || lambda >= 1)
		lambda = lambda0;
	m->lambda = lambda;
	if (*n > 1)
		qsort(pr, *n, sizeof *pr, pair_cmp_w);
	if (probabilities(m, pr, *n, lambda, compete, e) != 0)
		return -1;
	for (i = 0; i < *n; i++)
		if (pr[i].p >= min_p)
			pr[o++] = pr[i];
	*n = o;
	return 0;
}

int
fk_match_link(fk_match *m, double min_p, int threads, fk_match_pair **pairs, size_t *n,
    fk_match_stats *st, fk_err *e)
{
	uint32_t *A = NULL, *B = NULL;
	size_t na, nb, nsample = 0, ncand = 0;
	struct index x = {0};
	int rc = -1;
	double lambda0;

	*pairs = NULL;
	*n = 0;
	set_model(m, 0);
	if (collect(m, FK_MP_INTAKE, &A, &na, e) != 0 || collect(m, FK_MP_REPORT, &B, &nb, e) != 0)
		goto out;
	lambda0 = na && nb ? 0.5 / (double)(na > nb ? na : nb) : 1e-6;
	m->fixed = 0;
	if (build_tf(m, FK_MP_INTAKE, FK_MP_REPORT, e) != 0 ||
	    estimate_u(m, A, na, B, nb, 0, &nsample, 1000000) != 0 || index_build(m, B, nb, &x, e) != 0 ||
	    score_all(m, A, na, &x, 0, lambda0, threads, pairs, n, &ncand, e) != 0)
		goto out;
	if (calibrate(m, *pairs, n, (double)na * (double)nb, lambda0, min_p, 1, e) != 0)
		goto out;
	m->npop[0] = (double)na;
	m->npop[1] = (double)nb;
	if (*n > 1)
		qsort(*pairs, *n, sizeof **pairs, pair_cmp);
	if (st != NULL) {
		memset(st, 0, sizeof *st);
		st->nintake = na;
		st->nreport = nb;
		st->nskip_intake = m->nskip[1];
		st->nskip_report = m->nskip[0];
		st->ncandidates = ncand;
		st->lambda = m->lambda;
		st->nsample = nsample;
	}
	rc = 0;
out:
	index_free(&x);
	free(A);
	free(B);
	return rc;
}

int
fk_match_blocked(fk_match *m, uint32_t **ab, size_t *n, fk_err *e)
{
	uint32_t *A = NULL, *B = NULL, *stamp = NULL;
	size_t na, nb, ai, ki, kn, c, cn, cap = 0;
	struct index x = {0};
	uint64_t k[FK_MATCH_MAXKEYS];
	int rc = -1;

	*ab = NULL;
	*n = 0;
	if (collect(m, FK_MP_INTAKE, &A, &na, e) != 0 || collect(m, FK_MP_REPORT, &B, &nb, e) != 0 ||
	    index_build(m, B, nb, &x, e) != 0)
		goto out;
	if ((stamp = calloc(m->np + 1, sizeof *stamp)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	for (ai = 0; ai < na; ai++) {
		kn = keys_of(m, m->p + A[ai], 1, k, FK_MATCH_MAXKEYS);
		for (ki = 0; ki < kn; ki++) {
			const struct bk *b = index_get(&x, k[ki], &cn);
			if ((k[ki] & 1) && cn > B1_CAP)
				continue;
			for (c = 0; c < cn; c++) {
				if (stamp[b[c].p] == A[ai] + 1)
					continue;
				stamp[b[c].p] = A[ai] + 1;
				if (grow((void **)ab, &cap, 2 * (*n + 1), sizeof **ab, e) != 0)
					goto out;
				(*ab)[2 * *n] = A[ai];
				(*ab)[2 * *n + 1] = b[c].p;
				(*n)++;
			}
		}
	}
	rc = 0;
out:
	index_free(&x);
	free(A);
	free(B);
	free(stamp);
	return rc;
}

static uint32_t
uf_find(uint32_t *c, uint32_t x)
{
	while (c[x] != x) {
		c[x] = c[c[x]];
		x = c[x];
	}
	return x;
}

static int
pair_cmp_p(const void *x, const void *y)
{
	const fk_match_pair *a = x, *b = y;

	if (a->p != b->p)
		return a->p > b->p ? -1 : 1;
	return a->a != b->a ? (a->a > b->a) - (a->a < b->a) : (a->b > b->b) - (a->b < b->b);
}

int
fk_match_dedup(fk_match *m, double min_p, int threads, fk_match_pair **pairs, size_t *n,
    uint32_t **clusters, fk_err *e)
{
	uint32_t *B = NULL, *nxt = NULL;
	fk_match_pair *order = NULL;
	size_t nb, nsample = 0, ncand = 0, i;
	struct index x = {0};
	int rc = -1;

	*pairs = NULL;
	*n = 0;
	*clusters = NULL;
	set_model(m, 1);
	if (collect(m, FK_MP_REPORT, &B, &nb, e) != 0 ||
	    build_tf(m, FK_MP_REPORT, FK_MP_REPORT, e) != 0 ||
	    estimate_u(m, B, nb, B, nb, 1, &nsample, 1000000) != 0 || index_build(m, B, nb, &x, e) != 0 ||
	    score_all(m, B, nb, &x, 1, nb ? 0.3 / (double)nb : 1e-6, threads, pairs, n, &ncand,
	    e) != 0)
		goto out;
	if (calibrate(m, *pairs, n, (double)nb * (double)(nb > 1 ? nb - 1 : 1) / 2,
	    nb ? 0.3 / (double)nb : 1e-6, min_p, 0, e) != 0)
		goto out;
	if (*n > 1)
		qsort(*pairs, *n, sizeof **pairs, pair_cmp);
	if ((*clusters = malloc((m->np + 1) * sizeof **clusters)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((nxt = malloc((m->np + 1) * sizeof *nxt)) == NULL ||
	    (order = malloc((*n + 1) * sizeof *order)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < m->np; i++)
		(*clusters)[i] = nxt[i] = (uint32_t)i;  /* nxt: each cluster's members, a ring */
	/*
	 * Clusters join from the surest pair down, never so that two children of
	 * one report end up as one child (one child is one child: a chain of
	 * likely pairs must not merge twins or siblings).
	 */
	if (*n > 0)
		memcpy(order, *pairs, *n * sizeof *order);
	if (*n > 1)
		qsort(order, *n, sizeof *order, pair_cmp_p);
	for (i = 0; i < *n; i++) {
		const fk_match_pair *pr = order + i;
		uint32_t ra = uf_find(*clusters, pr->a), rb = uf_find(*clusters, pr->b), x1, x2, t;
		int clash = 0;
		if (ra == rb)
			continue;
		x1 = ra;
		do {
			x2 = rb;
			do {
				clash |= m->p[x1].rec == m->p[x2].rec;
				x2 = nxt[x2];
			} while (x2 != rb && !clash);
			x1 = nxt[x1];
		} while (x1 != ra && !clash);
		if (clash)
			continue;
		if (ra < rb)
			(*clusters)[rb] = ra;
		else
			(*clusters)[ra] = rb;
		t = nxt[ra];
		nxt[ra] = nxt[rb];
		nxt[rb] = t;
	}
	for (i = 0; i < m->np; i++)
		(*clusters)[i] = uf_find(*clusters, (uint32_t)i);
	rc = 0;
out:
	index_free(&x);
	free(B);
	free(nxt);
	free(order);
	return rc;
}

/* ---- search ---- */

/* 1 if a skeleton word is one typo from w (two when either has 7 letters or more). */
static int
near_word(const char *a, const char *w)
{
	size_t la = strlen(a), lw = strlen(w);

	if (la < 4 || lw < 4)
		return 0;
	return fk_mn_dl_within(a, w, la >= 7 || lw >= 7 ? 2 : 1);
}

/*
 * How close the query's words are to a person's names, spelling alone: the
 * best Jaro-Winkler of each query word against the person's given names and
 * surnames, summed. It orders persons the model weighs the same (the same
 * levels), so that "Хапко" finds Храпко before Гопко.
 */
static double
spelling(const fk_match *m, const struct person *p, char **words, size_t nw)
{
	const struct var *v = m->v + p->v0;
	size_t i;
	int j;
	double sum = 0;

	for (i = 0; i < nw; i++) {
		double best = 0, x;
		for (j = 0; j < p->nv[NV_GIVEN] + p->nv[NV_SUR]; j++)
			if ((x = fk_mn_jw(words[i], STR(m, v[j].off))) > best)
				best = x;
		sum += best;
	}
	return sum;
}

int
fk_match_find(fk_match *m, const char *query, int by, int bm, int bd, int sex, size_t max,
    fk_match_pair **res, size_t *n, double **fwout, fk_err *e)
{
	struct pb b;
	struct person q;
	char sk[1024], *w, *save = NULL, *words[16];
	size_t nw = 0, i, cap = 0;
	int wi, wj;
	fk_match_pair *out = NULL;
	const char *p;
	int32_t *pos = NULL;
	uint32_t *cand = NULL;
	double *fw = NULL, *sp = NULL;
	size_t ncand = 0, ci;

	*res = NULL;
	*n = 0;
	if (fwout != NULL)
		*fwout = NULL;
	memset(&q, 0, sizeof q);
	/* a 4-digit number in the query is the birth year */
	for (p = query; *p; p++)
		if (p[0] >= '1' && p[0] <= '2' && (p == query || p[-1] < '0' || p[-1] > '9') &&
		    p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] >= '0' &&
		    p[3] <= '9' && (p[4] < '0' || p[4] > '9'))
			by = atoi(p);
	fk_mn_skeleton(query, strlen(query), sk, sizeof sk);
	for (w = strtok_r(sk, " ", &save); w && nw < 16; w = strtok_r(NULL, " ", &save))
		words[nw++] = w;
	if (nw == 0)
		return fk_fail(e, FK_EUSAGE, _("the query holds no name"));
	if (!m->fixed && (m->gfreq == NULL || m->mp != m_link)) {
		set_model(m, 0);
		if (build_tf(m, FK_MP_INTAKE, FK_MP_REPORT, e) != 0)
			return -1;
	}
	{
		uint32_t *A = NULL, *B = NULL;
		size_t na, nb, ns;
		if (collect(m, FK_MP_INTAKE, &A, &na, e) != 0 ||
		    collect(m, FK_MP_REPORT, &B, &nb, e) != 0) {
			free(A);
			return -1;
		}
		if (!m->fixed && m->w[MF_GIVEN][G_EQ] == 0)
			estimate_u(m, A, na, B, nb, 0, &ns, 200000);
		free(A);
		free(B);
	}
	if ((pos = malloc((m->np + 1) * sizeof *pos)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 0; i <= m->np; i++)
		pos[i] = -1;
	q.sex = (uint8_t)sex;
	if (by > 0) {
		if (bm > 0 && bd > 0) {
			q.dk = DK_EXACT;
			q.dob = q.dlo = q.dhi = fk_match_civil_days(by, bm, bd);
			q.y = (int16_t)by;
			q.mo = (int16_t)bm;
			q.d = (int16_t)bd;
			q.ylo = q.yhi = (int16_t)by;
		} else {
			q.dk = DK_EST;
			q.ylo = q.yhi = (int16_t)by;
			q.dlo = fk_match_civil_days(by, 1, 1);
			q.dhi = fk_match_civil_days(by, 12, 31);
		}
	}
	/*
	 * candidates: a given-name group, a spelling or a surname code in common,
	 * or a name one typo away (two for long surnames)
	 */
	{
		int qg[16 * FK_MN_MAXG], nqg = 0, gg[FK_MN_MAXG], kk, x;
		uint32_t qdm[16], qsk[16];
		for (i = 0; i < nw; i++) {
			kk = fk_mn_given(m->t, words[i], gg);
			if (kk == 0)
				kk = fk_mn_given_near(m->t, words[i], gg);
			for (x = 0; x < kk; x++)
				qg[nqg++] = gg[x];
			qdm[i] = fk_mn_dm_skel(words[i]);
			qsk[i] = h32(words[i]);
		}
		if ((cand = malloc((m->np + 1) * sizeof *cand)) == NULL) {
			free(pos);
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		for (i = 0; i < m->np; i++) {
			const struct person *pp = m->p + i;
			const struct var *v = m->v + pp->v0;
			int hit = 0, vi, gi2;
			if (pp->skip)
				continue;
			for (vi = 0; vi < pp->nv[0] + pp->nv[1] && !hit; vi++) {
				for (gi2 = 0; gi2 < v[vi].ng && vi < pp->nv[0] && !hit; gi2++)
					for (x = 0; x < nqg; x++)
						hit |= GRP(m, v + vi)[gi2] == qg[x];
				for (x = 0; x < (int)nw && !hit; x++)
					hit |= v[vi].sk == qsk[x] || (vi >= pp->nv[0] && v[vi].dm == qdm[x]) ||
					    near_word(STR(m, v[vi].off), words[x]);
			}
			if (hit)
				cand[ncand++] = (uint32_t)i;
		}
	}
	/* every split of the words into a given name and a surname */
	for (wi = -1; wi < (int)nw; wi++)
		for (wj = -1; wj < (int)nw; wj++) {
			size_t pi, k, vmark = m->nv, amark = m->alen, gmark = m->ngrp;
			struct person qq = q;
			if (wi == wj && wi >= 0)
				continue;
			if (wi < 0 && wj < 0)
				continue;
			/* with two words or more, both a given name and a surname */
			if (nw >= 2 && (wi < 0 || wj < 0))
				continue;
			memset(&b, 0, sizeof b);
			b.m = m;
			for (k = 0; k < nw; k++) {
				if ((int)k == wi && add_word(&b, NV_GIVEN, words[k], 0, 0, 0, e) != 0)
					goto fail;
				if ((int)k == wj && add_word(&b, NV_SUR, words[k], 0, 0, 0, e) != 0)
					goto fail;
				if ((int)k != wi && (int)k != wj && fk_mn_is_patronymic(words[k]) &&
				    add_word(&b, NV_PATR, words[k], 0, 0, 0, e) != 0)
					goto fail;
			}
			if (commit(&b, &qq, e) != 0)
				goto fail;
			m->np--; /* the query is not a person */
			for (ci = 0; ci < ncand; ci++) {
				struct cmp c;
				double wgt, f[MF_N];
				const struct person *pp = m->p + (pi = cand[ci]);
				int lv;
				compare(m, &qq, pp, 0, &c);
				c.level[MF_REL] = c.level[MF_DOC] = L_NULL;
				if (qq.nv[NV_SUR] == 0)
					c.level[MF_SURNAME] = L_NULL;
				if (qq.nv[NV_GIVEN] == 0)
					c.level[MF_GIVEN] = L_NULL;
				/* the patronymic's class follows a surname the query may lack */
				if (c.level[MF_PATR] >= P_EQS && !S_AGREES(c.level[MF_SURNAME]))
					c.level[MF_PATR] -= P_DIFF;
				lv = c.level[MF_GIVEN];
				if ((lv == L_NULL || lv >= G_KDIFF) && (c.level[MF_SURNAME] == L_NULL ||
				    c.level[MF_SURNAME] >= S_DM))
					continue;
				wgt = pair_weight(m, &c, f);
				/* keep the best split per person */
				if (pos[pi] >= 0) {
					k = (size_t)pos[pi];
					if (wgt > out[k].weight) {
						out[k].weight = (float)wgt;
						memcpy(out[k].level, c.level, MF_N);
						memcpy(fw + k * MF_N, f, sizeof f);
					}
					continue;
				}
				if (*n == cap) {
					size_t nc = cap ? 2 * cap : 64;
					void *o2 = realloc(out, nc * sizeof *out), *f2;
					if (o2 == NULL)
						goto oom;
					out = o2;
					if ((f2 = realloc(fw, nc * MF_N * sizeof *fw)) == NULL)
						goto oom;
					fw = f2;
					cap = nc;
				}
				pos[pi] = (int32_t)*n;
				out[*n].a = UINT32_MAX;
				out[*n].b = (uint32_t)pi;
				out[*n].weight = (float)wgt;
				memcpy(out[*n].level, c.level, MF_N);
				memcpy(fw + *n * MF_N, f, sizeof f);
				(*n)++;
			}
			m->nv = vmark;
			m->alen = amark;
			m->ngrp = gmark;
		}
	for (i = 0; i < *n; i++) {
		double bf = exp2(out[i].weight), lam = 1.0 / (double)(m->np + 1);
		out[i].p = (float)(lam * bf / (lam * bf + 1 - lam));
	}
	if (*n > 0 && (sp = malloc(*n * sizeof *sp)) == NULL)
		goto oom;
	for (i = 0; i < *n; i++)
		sp[i] = spelling(m, m->p + out[i].b, words, nw);
	{
		size_t k2;
		double t[MF_N], ts;
		/* rank by weight (to a hundredth), then spelling; a selection of the best max */
		for (i = 0; i < *n && i < max; i++)
			for (k2 = i + 1; k2 < *n; k2++)
				if (lrint(out[k2].weight * 100) > lrint(out[i].weight * 100) ||
				    (lrint(out[k2].weight * 100) == lrint(out[i].weight * 100) &&
				    sp[k2] > sp[i])) {
					ts = sp[i];
					sp[i] = sp[k2];
					sp[k2] = ts;
					fk_match_pair tp = out[i];
					out[i] = out[k2];
					out[k2] = tp;
					memcpy(t, fw + i * MF_N, sizeof t);
					memcpy(fw + i * MF_N, fw + k2 * MF_N, sizeof t);
					memcpy(fw + k2 * MF_N, t, sizeof t);
				}
	}
	if (*n > max)
		*n = max;
	*res = out;
	if (fwout != NULL)
		*fwout = fw;
	else
		free(fw);
	free(pos);
	free(cand);
	free(sp);
	return 0;
oom:
	fk_fail(e, FK_ENOMEM, _("out of memory"));
fail:
	free(out);
	free(fw);
	free(pos);
	free(cand);
	free(sp);
	*n = 0;
	return -1;
}

/* ---- the model, kept between runs ---- */

#define MODEL_MAGIC 0x464b4d32u /* "FKM2" */

int
fk_match_model_save(const fk_match *m, fk_buf *out, fk_err *e)
{
	uint32_t hdr[4];
	size_t i, ns = 0;
	int ng = fk_mn_names_count(m->t);
	double d[6];

	if (m->gfreq == NULL || m->mp != m_link)
		return fk_fail(e, FK_ESTATE, _("no model to save: run the matching first"));
	for (i = 0; i < m->sf.cap; i++)
		ns += m->sf.key[i] != 0;
	hdr[0] = MODEL_MAGIC;
	hdr[1] = (uint32_t)ng;
	hdr[2] = (uint32_t)ns;
	hdr[3] = MF_N * FK_MATCH_MAXLEVEL;
	d[0] = m->lambda;
	d[1] = m->ntf;
	d[2] = m->sumsq;
	d[3] = m->wmin;
	d[4] = m->npop[0];
	d[5] = m->npop[1];
	if (fk_buf_append(out, hdr, sizeof hdr, e) != 0 ||
	    fk_buf_append(out, m->w, sizeof m->w, e) != 0 ||
	    fk_buf_append(out, d, sizeof d, e) != 0 ||
	    fk_buf_append(out, m->gfreq, (size_t)ng * sizeof *m->gfreq, e) != 0)
		return -1;
	for (i = 0; i < m->sf.cap; i++)
		if (m->sf.key[i] != 0 && (fk_buf_append(out, &m->sf.key[i], 4, e) != 0 ||
		    fk_buf_append(out, &m->sf.cnt[i], 4, e) != 0))
			return -1;
	return 0;
}

int
fk_match_model_load(fk_match *m, const void *p, size_t n, fk_err *e)
{
	const uint8_t *b = p;
	uint32_t hdr[4];
	size_t need, i, cap = 1024;
	int ng = fk_mn_names_count(m->t);
	double d[6];

	if (n < sizeof hdr)
		goto bad;
	memcpy(hdr, b, sizeof hdr);
	if (hdr[0] != MODEL_MAGIC || hdr[1] != (uint32_t)ng || hdr[3] != MF_N * FK_MATCH_MAXLEVEL)
		goto bad;
	need = sizeof hdr + sizeof m->w + sizeof d + (size_t)ng * sizeof(double) +
	    (size_t)hdr[2] * 8;
	if (n != need)
		goto bad;
	b += sizeof hdr;
	set_model(m, 0);
	memcpy(m->w, b, sizeof m->w);
	b += sizeof m->w;
	memcpy(d, b, sizeof d);
	b += sizeof d;
	if (!(d[0] > 0 && d[0] < 1) || !(d[1] >= 1) || !(d[2] > 0 && d[2] <= 1) ||
	    !(d[3] > -1e9 && d[3] < 1e9) || !(d[4] >= 0) || !(d[5] >= 0))
		goto bad;
	m->lambda = d[0];
	m->ntf = d[1];
	m->sumsq = d[2];
	m->wmin = d[3];
	m->npop[0] = d[4];
	m->npop[1] = d[5];
	free(m->gfreq);
	free(m->sf.key);
	free(m->sf.cnt);
	while (cap < (size_t)hdr[2] * 2 + 16)
		cap *= 2;
	m->gfreq = malloc(((size_t)ng + 1) * sizeof *m->gfreq);
	m->sf.key = calloc(cap, sizeof *m->sf.key);
	m->sf.cnt = calloc(cap, sizeof *m->sf.cnt);
	m->sf.cap = cap;
	if (m->gfreq == NULL || m->sf.key == NULL || m->sf.cnt == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	memcpy(m->gfreq, b, (size_t)ng * sizeof(double));
	b += (size_t)ng * sizeof(double);
	for (i = 0; i < hdr[2]; i++, b += 8) {
		uint32_t k, c;
		size_t s;
		memcpy(&k, b, 4);
		memcpy(&c, b + 4, 4);
		if (k == 0)
			goto bad;
		s = sf_slot(m, k);
		m->sf.key[s] = k;
		m->sf.cnt[s] = c;
	}
	m->fixed = 1;
	return 0;
bad:
	return fk_fail(e, FK_EINPUT, _("the stored matching model is damaged or from another "
	    "version; run `fieldkit hub match` to rebuild it"));
}

void
fk_match_model_population(const fk_match *m, double *nintake, double *nreport)
{
	*nintake = m->npop[0];
	*nreport = m->npop[1];
}

int
fk_match_score(fk_match *m, const uint32_t *ab, size_t nab, double min_p,
    fk_match_pair **pairs, size_t *n, fk_err *e)
{
	size_t i, o = 0;
	struct cmp c;

	*pairs = NULL;
	*n = 0;
	if (!m->fixed)
		return fk_fail(e, FK_ESTATE, _("no matching model loaded"));
	if (nab > 0 && (*pairs = malloc(nab * sizeof **pairs)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 0; i < nab; i++) {
		const struct person *a = m->p + ab[2 * i], *b = m->p + ab[2 * i + 1];
		fk_match_pair *pr = *pairs + *n;
		double w;
		if (a->skip || b->skip || a->kind != FK_MP_INTAKE || b->kind != FK_MP_REPORT)
			continue;
		compare(m, a, b, 0, &c);
		w = pair_weight(m, &c, NULL);
		if (w < m->wmin)
			continue; /* as the full run drops it */
		pr->a = ab[2 * i];
		pr->b = ab[2 * i + 1];
		pr->weight = (float)w;
		memcpy(pr->level, c.level, MF_N);
		(*n)++;
	}
	/* probabilities with the stored lambda, siblings and competition */
	if (*n > 1)
		qsort(*pairs, *n, sizeof **pairs, pair_cmp_w);
	if (probabilities(m, *pairs, *n, m->lambda, 1, e) != 0)
		return -1;
	for (i = 0; i < *n; i++)
		if ((*pairs)[i].p >= min_p)
			(*pairs)[o++] = (*pairs)[i];
	*n = o;
	if (*n > 1)
		qsort(*pairs, *n, sizeof **pairs, pair_cmp);
	return 0;
}

int
fk_match_may_matter(const fk_match *m, uint32_t a, uint32_t b, double min_p)
{
	struct cmp c;
	double w, odds, r;

	if (m->p[a].skip || m->p[b].skip)
		return 0;
	compare(m, m->p + a, m->p + b, 0, &c);
	if ((w = pair_weight(m, &c, NULL)) < m->wmin)
		return 0;
	odds = m->lambda / (1 - m->lambda) * exp2(w);
	r = odds * (1 + SIBLING_PRIOR * exp2(-sib_delta(m, c.level)));
	/* proposed even alone, or a competitor of the intake's other candidates */
	return odds / (1 + r) >= min_p || r > 1e-3;
}

void
fk_match_reset(fk_match *m)
{
	m->np = m->nv = m->ngrp = m->ndoc = m->alen = 0;
	m->nskip[0] = m->nskip[1] = 0;
}

double
fk_match_explain(const fk_match *m, uint32_t a, uint32_t b, double *fw)
{
	struct cmp c;

	compare(m, m->p + a, m->p + b, m->mp == m_dedup, &c);
	return pair_weight(m, &c, fw);
}

size_t
fk_match_keys(const fk_match *m, uint32_t person, int query, uint64_t *keys, size_t max)
{
	return keys_of(m, m->p + person, query, keys, max);
}

/* ---- search keys ---- */

static uint64_t
skey(int kind, uint64_t a, uint64_t b)
{
	return mix(16 + (uint64_t)kind, a * 1000003 + b) & ~(uint64_t)1;
}

static uint64_t
gkey(const fk_match *m, const struct var *v, int gi)
{
	return v->ng ? (uint64_t)GRP(m, v)[gi] + 1 : ((uint64_t)v->sk << 16);
}

/*
 * The surname's one-deletion neighbourhood (the word, and the word less each
 * letter): two spellings one typo apart (a letter changed, added, dropped or
 * two swapped) always share one of these.
 */
static size_t
typo_keys(const char *w, uint64_t *k, size_t n, size_t max)
{
	size_t l = strlen(w), i;
	char t[FK_MN_WORD_MAX + 1];

	if (l < 4 || l > 16)
		return n;
	if (n < max)
		k[n++] = skey(4, h64(w, 4), 0);
	for (i = 0; i < l && n < max; i++) {
		size_t j, o = 0;
		/* less letter i, doubled letters collapsed as the skeleton does ("бачиіна"
		 * is "baqina": one letter short of "baqihina") */
		for (j = 0; j < l; j++)
			if (j != i && (o == 0 || t[o - 1] != w[j]))
				t[o++] = w[j];
		t[o] = 0;
		k[n++] = skey(4, h64(t, 4), 0);
	}
	return n;
}

size_t
fk_match_search_keys(const fk_match *m, uint32_t person, uint64_t *k, size_t max)
{
	const struct person *p = m->p + person;
	const struct var *v = m->v + p->v0, *sv = v + p->nv[0];
	size_t n = 0, o;
	int i, j, gi;

	for (i = 0; i < p->nv[NV_GIVEN]; i++)
		for (gi = 0; gi < (v[i].ng ? v[i].ng : 1); gi++) {
			if (n < max)
				k[n++] = skey(1, gkey(m, v + i, gi), 0);
			for (j = 0; j < p->nv[NV_SUR] && n + 1 < max; j++) {
				k[n++] = skey(3, gkey(m, v + i, gi), sv[j].dm);
				/* x the surname's first letter: a surname two typos away */
				k[n++] = skey(5, gkey(m, v + i, gi), (uint8_t)STR(m, sv[j].off)[0]);
			}
		}
	for (j = 0; j < p->nv[NV_SUR] && n < max; j++) {
		k[n++] = skey(2, sv[j].dm, 0);
		n = typo_keys(STR(m, sv[j].off), k, n, max);
	}
	if (n > 1)
		qsort(k, n, sizeof *k, u64_cmp);
	for (i = 0, o = 0; (size_t)i < n; i++)
		if (o == 0 || k[o - 1] != k[i])
			k[o++] = k[i];
	return o;
}

size_t
fk_match_query_keys(const fk_match *m, const char *query, uint64_t *k, size_t max,
    int *tiers)
{
	char sk[1024], *w, *save = NULL, *words[16];
	size_t nw = 0, i, j, n = 0;
	int g[FK_MN_MAXG], ng, x;

	fk_mn_skeleton(query, strlen(query), sk, sizeof sk);
	for (w = strtok_r(sk, " ", &save); w && nw < 16; w = strtok_r(NULL, " ", &save))
		words[nw++] = w;
	/* 1: the given-name x surname-code keys of every split */
	for (i = 0; i < nw; i++) {
		if ((ng = fk_mn_given(m->t, words[i], g)) == 0)
			ng = fk_mn_given_near(m->t, words[i], g);
		for (j = 0; j < nw; j++) {
			uint32_t dm = fk_mn_dm_skel(words[j]);
			if (i == j)
				continue;
			for (x = 0; x < ng && n + 1 < max; x++) {
				k[n++] = skey(3, (uint64_t)g[x] + 1, dm);
				k[n++] = skey(5, (uint64_t)g[x] + 1, (uint8_t)words[j][0]);
			}
			if (n + 1 < max) {
				k[n++] = skey(3, (uint64_t)h32(words[i]) << 16, dm);
				k[n++] = skey(5, (uint64_t)h32(words[i]) << 16, (uint8_t)words[j][0]);
			}
		}
	}
	tiers[0] = (int)n;
	/* 2: a surname alone: its code, or one typo away */
	for (i = 0; i < nw; i++) {
		if (n < max)
			k[n++] = skey(2, fk_mn_dm_skel(words[i]), 0);
		n = typo_keys(words[i], k, n, max);
	}
	tiers[1] = (int)n;
	/* 3: a given name alone */
	for (i = 0; i < nw; i++) {
		if ((ng = fk_mn_given(m->t, words[i], g)) == 0)
			ng = fk_mn_given_near(m->t, words[i], g);
		for (x = 0; x < ng && n < max; x++)
			k[n++] = skey(1, (uint64_t)g[x] + 1, 0);
	}
	return n;
}

/* ---- names for explanations ---- */

const char *
fk_match_field_name(int f)
{
	return f >= 0 && f < MF_N ? fnames[f] : "";
}

const char *
fk_match_level_name(int f, int l)
{
	if (f < 0 || f >= MF_N || l < 0 || l >= nlevels[f])
		return "";
	return lnames[f][l];
}

double
fk_match_level_weight(const fk_match *m, int f, int l)
{
	if (f < 0 || f >= MF_N || l <= 0 || l >= nlevels[f])
		return 0;
	return m->w[f][l];
}
