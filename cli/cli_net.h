/*
 * cli_net.h - the hub's network-sync commands (cmd_hub_net.c), run from the
 * `hub` command's table (cmd_hub.c): `hub serve`, `hub tls renew`, `hub url`.
 */
#ifndef FK_CLI_NET_H
#define FK_CLI_NET_H

/* cmd: the whole name ("hub serve"); home and passfile: as given before it
 * (may be NULL); argv[0] is the sub-command's name. Returns an exit status. */
typedef int (*fk_hub_net_fn)(const char *cmd, const char *home, const char *passfile,
    int argc, char **argv);
int fk_hub_serve_cmd(const char *cmd, const char *home, const char *passfile, int argc,
    char **argv);
int fk_hub_tls_cmd(const char *cmd, const char *home, const char *passfile, int argc,
    char **argv);
int fk_hub_url_cmd(const char *cmd, const char *home, const char *passfile, int argc,
    char **argv);

#endif
