/*
 * tests/unit/helpers.h: small chores the core unit tests share: a private
 * temporary directory per test, writing files into it, and finding files of
 * the build tree (test plugins) whether the test runs under `make check` or
 * straight from the shell.
 */
#ifndef LW_TESTS_HELPERS_H
#define LW_TESTS_HELPERS_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define TH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TH_ASAN 1
#endif
#endif
#ifdef TH_ASAN
#include <sanitizer/lsan_interface.h>
#endif

/*
 * Every string the th_ functions return belongs to the helpers and stays
 * valid until th_cleanup(), which each suite's teardown calls: a test never
 * frees them, so that a test that stops early (an assertion, a skip) leaks
 * nothing.
 */
void th_cleanup(void);

/* Creates a fresh directory under $TMPDIR (or /tmp); returns its path. */
char *th_tmpdir(void);
/* Removes dir and everything below it; ignores a NULL dir. */
void th_rmtree(const char *dir);
/* Writes text to dir/name (created or truncated); returns its path. */
char *th_write_file(const char *dir, const char *name, const char *text);
/* Reads a whole file into a NUL-terminated string, or NULL. */
char *th_read_file(const char *path);
/* The top build directory: $LW_BUILDDIR, else two levels above this program. */
const char *th_builddir(void);
/* BUILDDIR/tests/plugins/.libs/NAME.so; fails the test when it is missing. */
char *th_plugin_so(const char *name);
/*
 * A regression check for a core bug found and fixed: fails with the bug's
 * description when cond shows it again.
 */
#define TH_FAIL_IF_BUG(cond, ...)                                                        \
	do {                                                                                \
		if (cond)                                                                   \
			cr_assert_fail("core bug is back: " __VA_ARGS__);                   \
	} while (0)

/*
 * Criterion ignores what LeakSanitizer reports when a test's process exits
 * (the result was sent before), so a leak would pass unnoticed. Suites call
 * this last in their teardown: under ASan it checks for leaks now and aborts
 * the test's process if there are any, which fails the run.
 */
static inline void th_check_leaks(void)
{
#ifdef TH_ASAN
	if (__lsan_do_recoverable_leak_check()) {
		fprintf(stderr, "LeakSanitizer found leaks in this test (report above)\n");
		abort();
	}
#endif
}

/* printf into a new string. */
char *th_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
