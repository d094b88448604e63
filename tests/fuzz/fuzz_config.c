/*
 * tests/fuzz/fuzz_config.c: libFuzzer harness for the config reader
 * (core/config.c over inih): arbitrary bytes as a config file. It must load
 * or refuse with one "FILE:LINE: ..." line, never crash or leak; a file that
 * loads must load the same way twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lwm2m/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static int load(const uint8_t *data, size_t size, struct lw_config *cfg, char *err, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	lw_config_defaults(cfg);
	return lw_config_load(cfg, path, err, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/lwm2md-fuzz-config.%d.ini", (int)getpid());
	struct lw_config a, b;
	char ea[1024] = "", eb[1024] = "";
	int ra = load(data, size, &a, ea, sizeof(ea));
	int rb = load(data, size, &b, eb, sizeof(eb));
	if (ra != rb || strcmp(ea, eb) != 0)
		abort();
	if (ra) {
		/* One line that names the file. */
		if (strncmp(ea, path, strlen(path)) != 0 || strchr(ea, '\n'))
			abort();
	} else if (a.coap_port != b.coap_port || a.n_extra != b.n_extra ||
	           strcmp(a.state_dir, b.state_dir) != 0) {
		abort();
	}
	lw_config_free(&a);
	lw_config_free(&b);
	return 0;
}
