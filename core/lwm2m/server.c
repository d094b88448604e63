/* lwm2m/server.c: the LwM2M server side (being written; see server.h). */
#include "lwm2m/server.h"

#include "daemon.h"

int lw_server_start(struct lw_daemon *d, char *err, size_t errlen)
{
	(void)d;
	(void)err;
	(void)errlen;
	return LW_EXIT_OK;
}

void lw_server_stop(struct lw_daemon *d)
{
	(void)d;
}

size_t lw_server_client_count(const struct lw_daemon *d)
{
	(void)d;
	return 0;
}
