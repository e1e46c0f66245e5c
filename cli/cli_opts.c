/*
 * cli_opts.c - the one option parser of every command (see cli.h): exact
 * long names, short letters, values, lists and positional arguments in any
 * order, -h/--help, and sub-command dispatch.
 *
 * Must never: take an abbreviation or a prefix for an option, print more
 * than one line for a usage error, or take the next option as a value.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Each argument kept: a positional (tag 0) or a list's value (tag 1 + list). */
struct kept {
	char *v;
	unsigned tag;
};

struct parser {
	const char *cmd, *help;
	const struct fk_opt *opt;
	struct kept *k;
	size_t nk;
	unsigned long long given; /* value options already given (bit: index in opt) */
};

/* "--x": a long option, never a value given separately. */
static int
looks_like_option(const char *s)
{
	return s[0] == '-' && s[1] == '-' && s[2] != '\0';
}

static unsigned
list_tag(const struct fk_opt *opt, const struct fk_opt *o)
{
	unsigned t = 1;

	for (; opt != o; opt++)
		t += opt->kind == FK_OPT_LIST;
	return t;
}

/*
 * Stores value v (NULL for a flag) of option o. A value option given twice
 * with two values (--home A ... --home B) is a usage error, not the last
 * one silently taken: a script that imports into the wrong hub is worse.
 */
static int
store(struct parser *p, const struct fk_opt *o, char *v)
{
	size_t idx = (size_t)(o - p->opt);

	switch (o->kind) {
	case FK_OPT_FLAG:
		*(int *)o->dst = o->val;
		break;
	case FK_OPT_STR:
		if (idx < 64 && (p->given >> idx & 1) && strcmp(*(const char **)o->dst, v) != 0)
			return o->name != NULL ?
			    fk_usage_error(p->cmd, _("option --%s given twice, with two values"),
				o->name) :
			    fk_usage_error(p->cmd, _("option -%c given twice, with two values"),
				o->letter);
		if (idx < 64)
			p->given |= 1ull << idx;
		*(const char **)o->dst = v;
		break;
	case FK_OPT_LIST:
		p->k[p->nk].v = v;
		p->k[p->nk++].tag = list_tag(p->opt, o);
		break;
	}
	return FK_GO;
}

static void
show_help(const char *help)
{
	fputs(_(help), stdout);
}

/*
 * The long option in argv[*i] ("--name" or "--name=value"); advances *i past
 * a value taken from the next argument. Returns FK_GO or an exit status.
 */
static int
one_long(struct parser *p, int argc, char **argv, int *i)
{
	char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct fk_opt *o;

	if (len == 4 && strncmp(name, "help", 4) == 0) {
		if (eq != NULL)
			return fk_usage_error(p->cmd, _("option --%s takes no value"), "help");
		show_help(p->help);
		return FK_EXIT_OK;
	}
	for (o = p->opt; o->dst != NULL; o++)
		if (o->name != NULL && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			break;
	if (o->dst == NULL)
		return fk_usage_error(p->cmd, _("unknown option --%.*s"), (int)len, name);
	if (o->kind == FK_OPT_FLAG) {
		if (eq != NULL)
			return fk_usage_error(p->cmd, _("option --%s takes no value"), o->name);
		return store(p, o, NULL);
	} else if (eq != NULL) {
		return store(p, o, eq + 1);
	} else if (*i + 1 < argc && !looks_like_option(argv[*i + 1])) {
		return store(p, o, argv[++*i]);
	} else {
		return fk_usage_error(p->cmd, _("option --%s needs a value"), o->name);
	}
	return FK_GO;
}

/* "-abc" or "-oFILE" or "-o FILE". */
static int
one_short(struct parser *p, int argc, char **argv, int *i)
{
	char *a = argv[*i];
	const struct fk_opt *o;
	size_t j;

	for (j = 1; a[j] != '\0'; j++) {
		if (a[j] == 'h') {
			show_help(p->help);
			return FK_EXIT_OK;
		}
		for (o = p->opt; o->dst != NULL; o++)
			if (o->letter == a[j])
				break;
		if (o->dst == NULL && !isprint((unsigned char)a[j]))
			return fk_usage_error(p->cmd, _("unknown option %s"), a);
		if (o->dst == NULL)
			return fk_usage_error(p->cmd, _("unknown option -%c"), a[j]);
		if (o->kind == FK_OPT_FLAG) {
			(void)store(p, o, NULL);
			continue;
		}
		if (a[j + 1] != '\0')
			return store(p, o, a + j + 1);
		else if (*i + 1 < argc && !looks_like_option(argv[*i + 1]))
			return store(p, o, argv[++*i]);
		else
			return fk_usage_error(p->cmd, _("option -%c needs a value"), a[j]);
	}
	return FK_GO;
}

/* Puts the arguments kept with tag at argv[w...]; returns the next free w. */
static size_t
gather(const struct parser *p, unsigned tag, char **argv, size_t w, fk_args *out)
{
	size_t j;

	out->v = argv + w;
	out->n = 0;
	for (j = 0; j < p->nk; j++)
		if (p->k[j].tag == tag) {
			argv[w++] = p->k[j].v;
			out->n++;
		}
	return w;
}

/*
 * The parser of fk_opts_parse; with stop set, the first positional argument
 * ends the options (it and everything after it are positional).
 */
static int
parse(const char *cmd, const char *help, const struct fk_opt *opt, int stop, int argc,
    char **argv, fk_args *pos)
{
	struct parser p = {cmd, help, opt, NULL, 0, 0};
	const struct fk_opt *o;
	int i, rc = FK_GO, opts = 1;
	size_t w;
	unsigned t = 1;

	if ((p.k = malloc((argc > 1 ? (size_t)argc : 1) * sizeof *p.k)) == NULL) {
		fk_warn(_("out of memory"));
		return FK_EXIT_FAIL;
	}
	for (i = 1; i < argc && rc == FK_GO; i++) {
		char *a = argv[i];
		if (opts && strcmp(a, "--") == 0) {
			opts = 0;
		} else if (opts && a[0] == '-' && a[1] == '-') {
			rc = one_long(&p, argc, argv, &i);
		} else if (opts && a[0] == '-' && a[1] != '\0') {
			rc = one_short(&p, argc, argv, &i);
		} else {
			p.k[p.nk].v = a;
			p.k[p.nk++].tag = 0;
			opts = opts && !stop;
		}
	}
	if (rc == FK_GO) {
		/* argv[1...]: the positional arguments, then each list's values. */
		w = gather(&p, 0, argv, argc > 0, pos);
		for (o = opt; o->dst != NULL; o++)
			if (o->kind == FK_OPT_LIST)
				w = gather(&p, t++, argv, w, o->dst);
	}
	free(p.k);
	return rc;
}

int
fk_opts_parse(const char *cmd, const char *help, const struct fk_opt *opt, int argc,
    char **argv, fk_args *pos)
{
	return parse(cmd, help, opt, 0, argc, argv, pos);
}

int
fk_args_max(const char *cmd, const fk_args *pos, size_t max)
{
	if (pos->n <= max)
		return FK_GO;
	return fk_usage_error(cmd, _("unexpected argument '%s'"), pos->v[max]);
}

/* "a, b, c" from the sub-commands' names. */
static const char *
names(const struct fk_sub *subs, size_t n)
{
	static char buf[256];
	size_t i, l = 0;

	buf[0] = '\0';
	for (i = 0; i < n && l < sizeof buf; i++)
		l += (size_t)snprintf(buf + l, sizeof buf - l, "%s%s", i ? ", " : "", subs[i].name);
	return buf;
}

static const struct fk_sub *
find_sub(const struct fk_sub *subs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(subs[i].name, name) == 0)
			return &subs[i];
	return NULL;
}

int
fk_subcommands(const char *cmd, const char *help, const struct fk_opt *common,
    const struct fk_sub *subs, size_t nsubs, void *ctx, int argc, char **argv)
{
	static const struct fk_opt none[] = {FK_OPT_END};
	const struct fk_sub *s;
	struct fk_call call;
	char full[64];
	fk_args pos;
	int rc;

	rc = parse(cmd, help, common != NULL ? common : none, 1, argc, argv, &pos);
	if (rc != FK_GO)
		return rc;
	if (pos.n == 0)
		return fk_usage_error(cmd, _("say which command: %s"), names(subs, nsubs));
	if (strcmp(pos.v[0], "help") == 0 && pos.n == 1) {
		show_help(help);
		return FK_EXIT_OK;
	}
	if (strcmp(pos.v[0], "help") == 0) { /* help SUB: SUB --help */
		pos.v[0] = pos.v[1];
		pos.v[1] = "--help";
		pos.n = 2;
	}
	if ((s = find_sub(subs, nsubs, pos.v[0])) == NULL)
		return fk_usage_error(cmd, _("unknown command '%s' (one of: %s)"), pos.v[0],
		    names(subs, nsubs));
	snprintf(full, sizeof full, "%s %s", cmd, s->name);
	call.cmd = full;
	call.data = s->data;
	call.ctx = ctx;
	return s->run(&call, (int)pos.n, pos.v);
}
