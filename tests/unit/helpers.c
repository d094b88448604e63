/*
 * tests/unit/helpers.c: see helpers.h. Failures here are failures of the
 * test's set-up, so they abort through Criterion with the reason.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the helpers handed out, freed by th_cleanup(). */
static void **owned;
static size_t n_owned, cap_owned;

static void *own(void *p)
{
	if (n_owned == cap_owned) {
		size_t cap = cap_owned ? cap_owned * 2 : 64;
		void **grown = realloc(owned, cap * sizeof(*grown));
		cr_assert_not_null(grown, "out of memory");
		owned = grown;
		cap_owned = cap;
	}
	owned[n_owned++] = p;
	return p;
}

void th_cleanup(void)
{
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	owned = NULL;
	n_owned = cap_owned = 0;
}

char *th_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0, "out of memory");
	return own(s);
}

char *th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = th_strdupf("%s/lwt-XXXXXX", base && *base ? base : "/tmp");

	cr_assert_not_null(mkdtemp(path), "mkdtemp %s: %s", path, strerror(errno));
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void th_rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *th_write_file(const char *dir, const char *name, const char *text)
{
	char *path = th_strdupf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	return path;
}

char *th_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	cr_assert_not_null(mem);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	fclose(mem);
	return own(buf);
}

const char *th_builddir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("LW_BUILDDIR");

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	/* Run by hand: the program lives in BUILDDIR/tests/unit/. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert(n > 0, "LW_BUILDDIR is not set and /proc/self/exe is unreadable");
	exe[n] = '\0';
	char *d = dirname(exe); /* tests/unit */
	snprintf(dir, sizeof(dir), "%s/../..", d);
	return dir;
}

char *th_plugin_so(const char *name)
{
	char *path = th_strdupf("%s/tests/plugins/.libs/%s.so", th_builddir(), name);

	cr_assert_eq(access(path, R_OK), 0,
	             "test plugin %s is missing (build it with make check): %s", path,
	             strerror(errno));
	return path;
}
