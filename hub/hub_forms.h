/*
 * hub_forms.h - the forms a hub knows, by id and version, for validating
 * imported records (capture/schema.h does the validation).
 *
 * Forms are read from HOME/forms/, $FIELDKIT_SCHEMAS, $FK_SCHEMAS and the installed schemas
 * directory (the build's schemas/ when run from a build tree). A record
 * naming a form version not found there is refused with FK_ESTATE, so its
 * bundle is quarantined until the form is added - never dropped.
 */
#ifndef FK_HUB_FORMS_H
#define FK_HUB_FORMS_H

#include "hub.h"

typedef struct fk_hub_forms fk_hub_forms;

int fk_hub_forms_load(fk_hub_forms **out, fk_hubdb *h, fk_err *e) FK_WUR;
/* Adds every loadable form in dir (others are skipped). */
int fk_hub_forms_add_dir(fk_hub_forms *f, const char *dir, fk_err *e) FK_WUR;
void fk_hub_forms_free(fk_hub_forms *f);
/* A form by id and version, or NULL (borrowed: lives as long as f). */
const struct fk_form *fk_hub_forms_get(const fk_hub_forms *f, const char *id, int version);
size_t fk_hub_forms_count(const fk_hub_forms *f);
/* fk_hub_validator. */
int fk_hub_forms_validate(void *ctx, const char *form_id, int version, json_t *record,
    fk_err *e);

#endif
