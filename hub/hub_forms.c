/*
 * hub_forms.c - see hub_forms.h.
 */
#include "hub_forms.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "schema.h"

struct fk_hub_forms {
	size_t n, cap;
	fk_form **v;
};

size_t
fk_hub_forms_count(const fk_hub_forms *f)
{
	return f->n;
}

static int
find(const fk_hub_forms *f, const char *id, int version)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (fk_form_version(f->v[i]) == version && strcmp(fk_form_id(f->v[i]), id) == 0)
			return (int)i;
	return -1;
}

int
fk_hub_forms_add_dir(fk_hub_forms *f, const char *dir, fk_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4200];

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		fk_form *form;
		fk_err e2;
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (fk_form_load_file(path, &form, NULL, &e2) != 0)
			continue;
		if (find(f, fk_form_id(form), fk_form_version(form)) >= 0) {
			fk_form_free(form);
			continue;
		}
		if (f->n == f->cap) {
			fk_form **nv = realloc(f->v, (f->cap * 2 + 8) * sizeof *nv);
			if (nv == NULL) {
				fk_form_free(form);
				closedir(d);
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
			}
			f->v = nv;
			f->cap = f->cap * 2 + 8;
		}
		f->v[f->n++] = form;
	}
	closedir(d);
	return 0;
}

int
fk_hub_forms_load(fk_hub_forms **out, fk_hubdb *h, fk_err *e)
{
	fk_hub_forms *f = calloc(1, sizeof *f);
	char *own = NULL;
	const char *dirs[2];
	size_t i, nd = fk_schema_dirs(dirs);

	*out = NULL;
	if (f == NULL || (own = fk_path_join(fk_hub_home(h), "forms")) == NULL) {
		free(f);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (fk_hub_forms_add_dir(f, own, e) != 0)
		goto fail;
	for (i = 0; i < nd; i++)
		if (fk_hub_forms_add_dir(f, dirs[i], e) != 0)
			goto fail;
	free(own);
	*out = f;
	return 0;
fail:
	free(own);
	fk_hub_forms_free(f);
	return -1;
}

const fk_form *
fk_hub_forms_get(const fk_hub_forms *f, const char *id, int version)
{
	int i = find(f, id, version);

	return i < 0 ? NULL : f->v[i];
}

void
fk_hub_forms_free(fk_hub_forms *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		fk_form_free(f->v[i]);
	free(f->v);
	free(f);
}

int
fk_hub_forms_validate(void *ctx, const char *form_id, int version, json_t *record,
    fk_err *e)
{
	fk_hub_forms *f = ctx;
	fk_issues is = {0};
	fk_vopts o = {0};
	int i = find(f, form_id, version), rc = 0;

	if (i < 0)
		return fk_fail(e, FK_ESTATE, _("form %s version %d is not known to this hub; "
		    "add the form to the hub's forms/ folder and import again"), form_id,
		    version);
	if (fk_form_validate(f->v[i], json_object_get(record, "answers"), &o, &is, e) != 0)
		return -1;
	if (is.n > 0 || is.dropped > 0)
		rc = fk_fail(e, FK_EINPUT, _("does not fit form %s version %d: %s: %s"), form_id,
		    version, is.n ? is.v[0].path : "", is.n ? is.v[0].msg : "");
	fk_issues_free(&is);
	return rc;
}
