/*
 * cli_net.h - the hub's network-sync commands (cmd_hub_net.c), rows of the
 * `hub` command's table (cmd_hub.c): `hub serve`, `hub tls renew`, `hub url`.
 * They take the shape of the matching commands (cmd_match.h): their name,
 * --home and --passphrase-file as given before the name, their arguments.
 */
#ifndef FK_CLI_NET_H
#define FK_CLI_NET_H

#include "cmd_match.h"

extern const struct fk_match_cmd fk_hub_serve_sub, fk_hub_tls_sub, fk_hub_url_sub;

#endif
