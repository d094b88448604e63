/* http/server.c: the HTTP server (being written; see server.h). */
#include "http/server.h"

#include "daemon.h"

int lw_http_start(struct lw_daemon *d, char *err, size_t errlen)
{
	(void)d;
	(void)err;
	(void)errlen;
	return LW_EXIT_OK;
}

void lw_http_stop(struct lw_daemon *d)
{
	(void)d;
}
