/*
 * tests/plugins/trace.h: how the test plugins tell the loader test what they
 * saw. The test program exports lwt_trace() (it is linked -export-dynamic);
 * a plugin looks it up at run time rather than at link time, so that loading
 * one of these files into a program without the hook still works.
 */
#ifndef LW_TEST_PLUGIN_TRACE_H
#define LW_TEST_PLUGIN_TRACE_H

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>

/* Defined by the test program: appends one line to its trace. */
void lwt_trace(const char *line);

static inline void plug_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void plug_trace(const char *fmt, ...)
{
	void (*hook)(const char *);
	char line[512];
	va_list ap;

	*(void **)&hook = dlsym(RTLD_DEFAULT, "lwt_trace");
	if (!hook)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hook(line);
}

#endif
