/*
 * expr.h - the forms' expression language: parsed once into a tree, then
 * evaluated against a record through callbacks. Used for relevant, required,
 * constraint and calculate (docs/schema-language.md, "Expressions").
 *
 * Owns: the tokenizer, the recursive-descent parser (bounded length and
 * depth), the value model (string, number, boolean) and the function library.
 * Must never: evaluate anything that is not in the grammar (no eval, no
 * regular expressions, no I/O), recurse without bound, or read a record
 * itself (fields are reached only through fk_expr_env).
 *
 * Grammar (EBNF; keywords are case-sensitive, blanks between tokens ignored):
 *   expr    = or ;
 *   or      = and { "or" and } ;
 *   and     = cmp { "and" cmp } ;
 *   cmp     = add [ ( "=" | "!=" | "<" | "<=" | ">" | ">=" ) add ] ;
 *   add     = mul { ( "+" | "-" ) mul } ;
 *   mul     = unary { ( "*" | "/" | "div" | "mod" ) unary } ;
 *   unary   = "-" unary | primary ;
 *   primary = number | string | "true" | "false" | "." | "${" name "}"
 *           | fname "(" [ expr { "," expr } ] ")" | "(" expr ")" ;
 *   number  = digit { digit } [ "." digit { digit } ] ;
 *   string  = "'" { any but "'" } "'" | '"' { any but '"' } '"' ;
 *   name    = ( letter | "_" ) { letter | digit | "_" } ;   (ASCII, <= 64)
 *   fname   = letter { letter | digit | "-" } ;
 */
#ifndef FK_EXPR_H
#define FK_EXPR_H

#include <stddef.h>
#include <time.h>

#include "fk.h"

#define FK_EXPR_MAX_LEN 4096   /* bytes of source */
#define FK_EXPR_MAX_DEPTH 48   /* nesting of sub-expressions */
#define FK_EXPR_MAX_NAME 64
#define FK_EXPR_MAX_STR (1 << 20) /* concat() cuts its result here */

/* A value: an empty string is "unanswered". */
enum fk_vtype { FK_VAL_STR = 0, FK_VAL_NUM, FK_VAL_BOOL };

typedef struct fk_value {
	int type;
	double num;      /* FK_VAL_NUM */
	int b;           /* FK_VAL_BOOL */
	const char *str; /* FK_VAL_STR: len bytes, NUL-terminated */
	size_t len;
	char *own;       /* when not NULL, str points into it and fk_value_free frees it */
} fk_value;

void fk_value_free(fk_value *v);
void fk_value_str(fk_value *v, const char *s, size_t len); /* borrowed */
void fk_value_num(fk_value *v, double n);
void fk_value_bool(fk_value *v, int b);
int fk_value_truthy(const fk_value *v);
/* The number a value converts to (NaN when it is not one). */
double fk_value_to_num(const fk_value *v);

/* What an expression may reach. */
typedef struct fk_expr_env {
	/* ${name}: sets out (borrowed strings must outlive the evaluation). */
	int (*field)(void *ctx, const char *name, fk_value *out, fk_err *e);
	/* count(${name}): the number of instances of repeat name. */
	int (*count)(void *ctx, const char *name, double *out, fk_err *e);
	void *ctx;
	const fk_value *self; /* the value of "."; NULL means "" */
	time_t now;           /* the clock of today() and now(); 0 = time(NULL) */
} fk_expr_env;

typedef struct fk_expr fk_expr;

/*
 * Parses len bytes of src. On error returns -1 with FK_EINPUT and a message
 * "at character N: what" (N counts code points from 1).
 */
int fk_expr_parse(const char *src, size_t len, fk_expr **out, fk_err *e) FK_WUR;
void fk_expr_free(fk_expr *x);

/* Evaluates x; out must be released with fk_value_free. */
int fk_expr_eval(const fk_expr *x, const fk_expr_env *env, fk_value *out, fk_err *e) FK_WUR;
/* Evaluates x to a boolean (see fk_value_truthy) in *b. */
int fk_expr_eval_bool(const fk_expr *x, const fk_expr_env *env, int *b, fk_err *e) FK_WUR;

/*
 * Calls fn for every ${name} in x, in source order; counted is 1 when the
 * reference is the argument of count(). Stops and returns fn's value if
 * it is not 0. pos is the 1-based character position of the reference.
 */
int fk_expr_each_ref(const fk_expr *x,
    int (*fn)(void *ctx, const char *name, int counted, size_t pos), void *ctx);
/* 1 if x uses "." (the current answer). */
int fk_expr_uses_self(const fk_expr *x);

/* Dates. fk_date_parse accepts exactly YYYY-MM-DD (a real calendar day, years 1000-9999). */
int fk_date_parse(const char *s, size_t len, int *y, int *m, int *d);
/* YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM) or without zone; 0 if valid. */
int fk_datetime_parse(const char *s, size_t len);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
long fk_days_from_civil(int y, int m, int d);
/* Writes today's local date (of now, 0 = time(NULL)) as YYYY-MM-DD into buf[11]. */
void fk_today(time_t now, char buf[11]);
/* Writes the local time (of now, 0 = time(NULL)) as YYYY-MM-DDTHH:MM:SS+HH:MM into buf[32]. */
void fk_now_iso(time_t now, char buf[32]);

#endif
