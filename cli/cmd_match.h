/*
 * cmd_match.h - `hub find`, `hub match`, `hub duplicates` (cmd_match.c),
 * sub-commands of `hub` (cmd_hub.c).
 */
#ifndef FK_CMD_MATCH_H
#define FK_CMD_MATCH_H

/* A matching command: cmd its name for messages ("hub match"); home and
 * passfile as given before its name (or NULL); argv[0] is its name. */
struct fk_match_cmd {
	int (*run)(const char *cmd, const char *home, const char *passfile, int argc,
	    char **argv);
};
extern const struct fk_match_cmd fk_hub_find_cmd, fk_hub_match_cmd, fk_hub_dups_cmd;

#endif
