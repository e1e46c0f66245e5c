/*
 * main.c - the fieldkit executable. Everything lives in the modules.
 */
#include "cli.h"

int
main(int argc, char **argv)
{
	return fk_main(argc, argv);
}
