/*
 * tests/unit/test_plugin_loader.c: the plugin loader (core/plugin.c) with
 * real shared objects built from tests/plugins/: one good plugin per feature
 * of the ABI and one broken plugin per reason to refuse one.
 *
 * The host is real: an event bus and a started worker pool with no event
 * base, so the test itself runs completions (lw_worker_pool_stop drains them
 * on this thread). The plugins report what they do through lwt_trace(),
 * which this program exports; the trace shows values read, call order and
 * what fini saw.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../plugins/trace.h"
#include "config.h"
#include "events.h"
#include "helpers.h"
#include "log.h"
#include "lwm2m/error.h"
#include "plugin.h"
#include "worker.h"

/* ---- the trace the plugins write to ---- */

static pthread_mutex_t trace_mu = PTHREAD_MUTEX_INITIALIZER;
static char trace_buf[16384];
static size_t trace_len;

LW_API void lwt_trace(const char *line)
{
	pthread_mutex_lock(&trace_mu);
	int n = snprintf(trace_buf + trace_len, sizeof(trace_buf) - trace_len, "%s\n", line);
	if (n > 0 && (size_t)n < sizeof(trace_buf) - trace_len)
		trace_len += (size_t)n;
	pthread_mutex_unlock(&trace_mu);
}

/* Where line starts in the trace (a whole line), or -1. */
static long trace_pos(const char *line)
{
	size_t n = strlen(line);
	for (const char *p = trace_buf; (p = strstr(p, line)); p++)
		if ((p == trace_buf || p[-1] == '\n') && p[n] == '\n')
			return p - trace_buf;
	return -1;
}

static int trace_count(const char *line)
{
	int count = 0;
	size_t n = strlen(line);
	for (const char *p = trace_buf; (p = strstr(p, line)); p++)
		if ((p == trace_buf || p[-1] == '\n') && p[n] == '\n')
			count++;
	return count;
}

/* Asserts the lines appear in the trace, each once, in this order. */
static void assert_trace_order(const char *const *lines)
{
	long last = -1;
	for (; *lines; lines++) {
		long at = trace_pos(*lines);
		cr_assert_geq(at, 0, "\"%s\" not in trace:\n%s", *lines, trace_buf);
		cr_assert_eq(trace_count(*lines), 1, "\"%s\" more than once:\n%s", *lines, trace_buf);
		cr_assert_gt(at, last, "\"%s\" out of order:\n%s", *lines, trace_buf);
		last = at;
	}
}

/* ---- the host ---- */

static char *tmp, *cfg_path;
static struct lw_events events;
static struct lw_worker_pool pool;
static int pool_up;
static struct lw_plugin_host host;
static struct lw_config cfg;
static struct lw_plugins ps;
static char err[2048];

static void setup(void)
{
	lw_log_set_level(LW_LOG_WARN);
	tmp = th_tmpdir();
	lw_events_init(&events);
	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 2, 64), 0);
	pool_up = 1;
	host = (struct lw_plugin_host){.events = &events, .workers = &pool,
	                               .state_dir = "/state/for-tests"};
	lw_config_defaults(&cfg);
}

static void stop_pool(void)
{
	if (pool_up)
		lw_worker_pool_stop(&pool);
	pool_up = 0;
}

/* The daemon's order: drain the workers, then fini and unload the plugins. */
static void teardown(void)
{
	stop_pool();
	lw_plugins_unload(&ps);
	cr_assert_null(events.subs, "a subscription outlived its plugin");
	lw_events_free(&events);
	lw_config_free(&cfg);
	th_rmtree(tmp);
	th_cleanup();
	th_check_leaks();
}

TestSuite(loader, .init = setup, .fini = teardown);

/*
 * A symlink tmp/plugins/NAME.so to the built plugin: a short full path (inih
 * reads lines of at most 199 characters, and build trees can be deep).
 */
static char *link_plugin(const char *name)
{
	char *dir = th_strdupf("%s/plugins", tmp);
	char *so = th_plugin_so(name);
	char *path = th_strdupf("%s/%s.so", dir, name);

	mkdir(dir, 0700);
	cr_assert_eq(symlink(so, path), 0, "symlink %s", path);
	return path;
}

static void load_config(const char *text)
{
	cfg_path = th_write_file(tmp, "lwm2md.ini", text);
	cr_assert_eq(lw_config_load(&cfg, cfg_path, err, sizeof(err)), 0, "config: %s", err);
}

/* A config whose [server] plugins lists these plugins' paths, then extra lines. */
static void config_with(const char *const *names, const char *extra)
{
	char *list = th_strdupf("%s", "");
	for (; *names; names++) {
		char *path = link_plugin(*names);
		char *grown = th_strdupf("%s%s%s", list, *list ? " " : "", path);
		list = grown;
	}
	char *text = th_strdupf("[server]\nplugins = %s\n%s", list, extra ? extra : "");
	load_config(text);
}

static int load(void)
{
	err[0] = '\0';
	return lw_plugins_load(&ps, &cfg, &host, err, sizeof(err));
}

static struct lw_plugin *find(const char *name)
{
	for (struct lw_plugin *p = ps.head; p; p = p->next)
		if (strcmp(p->desc->name, name) == 0)
			return p;
	return NULL;
}

static void assert_err_has(const char *what)
{
	cr_assert_not_null(strstr(err, what), "error \"%s\" lacks \"%s\"", err, what);
	cr_assert_null(strchr(err, '\n'), "error is more than one line: \"%s\"", err);
}

/* What a load in a child process saw. */
struct child_load {
	int rc;
	size_t count;
	int head_null;
	size_t trace_len;
	char err[sizeof(err)];
};

/*
 * Runs load() in a child process and brings back what it saw: a refusal that
 * crashes the loader must fail (or, for a known core bug, skip) this test
 * with a message rather than kill the whole test program. Returns 0, or the
 * child's wait status when it died before answering.
 */
static int load_in_child(struct child_load *out)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* A crash report from the sanitizers would only be noise here. */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		struct child_load r = {0};
		r.rc = load();
		r.count = ps.count;
		r.head_null = ps.head == NULL;
		r.trace_len = trace_len;
		memcpy(r.err, err, sizeof(r.err));
		ssize_t w = write(fds[1], &r, sizeof(r));
		_exit(w == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	size_t got = 0;
	while (got < sizeof(*out)) {
		ssize_t n = read(fds[0], (char *)out + got, sizeof(*out) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (got == sizeof(*out) && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return status ? status : -1;
}

/*
 * Loading must refuse one plugin with status rc; err names file and reason.
 * after_dlclose: the refusal is one of those where core/plugin.c open_one()
 * reads the descriptor after dlclose() (a known crash).
 */
static void assert_refused_how(int rc, const char *file, const char *reason, int after_dlclose)
{
	struct child_load r;
	int died = load_in_child(&r);
	TH_FAIL_IF_BUG(died && after_dlclose,
	                  "core/plugin.c open_one() reads d->abi after dlclose(dl) when it "
	                  "refuses a descriptor; the loader crashed or a sanitizer stopped it "
	                  "(wait status %#x)", died);
	cr_assert_eq(died, 0, "the loader crashed (wait status %#x)", died);
	memcpy(err, r.err, sizeof(err));
	cr_assert_eq(r.rc, rc, "status %d (%s), want %d; error: %s", r.rc, lw_strerror(r.rc), rc,
	             err);
	assert_err_has(file);
	assert_err_has(reason);
	cr_assert(r.head_null, "a refused load leaves no plugin loaded");
	cr_assert_eq(r.count, 0);
	cr_assert_eq(r.trace_len, 0, "a refused plugin's code ran");
}

static void assert_refused(int rc, const char *file, const char *reason)
{
	assert_refused_how(rc, file, reason, 0);
}

/* ---- loading and starting ---- */

Test(loader, good_plugin_from_its_build_path)
{
	char *so = th_plugin_so("good");
	char *text = th_strdupf("; plugins by full path\n"
	                        "[server]\n"
	                        "plugins = %s\n"
	                        "[good]\n"
	                        "greeting = hi there\n"
	                        "count = 7\n"
	                        "verbose = yes\n",
	                        so);
	load_config(text);
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(ps.count, 1);
	cr_assert_str_eq(ps.head->path, so);
	cr_assert_str_eq(lw_plugin_name(ps.head), "good");
	cr_assert_eq(trace_len, 0, "init ran before lw_plugins_start");

	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), 0, "%s", err);
	/* A kind this daemon does not know: LW_ENOTSUP through lw_event_subscribe. */
	char *future = th_strdupf("good future-kind %d", LW_ENOTSUP);
	assert_trace_order((const char *const[]){
		"init good greeting=hi there count=7 verbose=1 label=(null) "
		"state_dir=/state/for-tests name=good",
		future,
		NULL});
}

Test(loader, plugin_gets_events_and_uses_workers)
{
	config_with((const char *const[]){"good", NULL}, NULL);
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), 0, "%s", err);

	lw_events_publish(&events, LW_EVENT_REGISTRATION, "ep1", "\"lifetime\":60");
	lw_events_publish(&events, LW_EVENT_UPDATE, "ep1", NULL); /* not subscribed */
	lw_events_publish(&events, LW_EVENT_DEREGISTRATION, "ep2", NULL);
	cr_assert_eq(trace_count("good event update ep1"), 0);
	/* Drain the pool: every done runs here, before any fini. */
	stop_pool();
	lw_plugins_unload(&ps);
	assert_trace_order((const char *const[]){
		"good event registration ep1",
		"good event deregistration ep2",
		"fini good data=ok events=2",
		NULL});
	/* Jobs may finish in any order, but each done ran once, off-thread work first. */
	long fini = trace_pos("fini good data=ok events=2");
	cr_assert_lt(trace_pos("good done ep1 worked=1 offthread=1 status=0"), fini, "%s", trace_buf);
	cr_assert_lt(trace_pos("good done ep2 worked=1 offthread=1 status=0"), fini, "%s", trace_buf);
	cr_assert_eq(trace_count("good done ep1 worked=1 offthread=1 status=0"), 1);
	cr_assert_null(events.subs, "unload drops the plugin's subscriptions");
}

Test(loader, schema_defaults_when_the_file_is_silent)
{
	config_with((const char *const[]){"good", NULL}, "[good]\ncount = 10\n");
	cr_assert_eq(load(), 0, "%s", err);
	struct lw_plugin *p = find("good");
	cr_assert_not_null(p);
	cr_assert_str_eq(lw_plugin_conf(p, "greeting"), "hello");
	cr_assert_eq(lw_plugin_conf_int(p, "count"), 10, "set by the file");
	cr_assert_eq(lw_plugin_conf_bool(p, "verbose"), 0);
	cr_assert_str_eq(lw_plugin_conf(p, "verbose"), "false");
	cr_assert_null(lw_plugin_conf(p, "label"), "no default and not in the file");
	cr_assert_null(lw_plugin_conf(p, "no-such-key"));
	cr_assert_eq(lw_plugin_conf_int(p, "no-such-key"), 0);
	cr_assert_str_eq(lw_plugin_state_dir(p), "/state/for-tests");
	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), 0, "%s", err);
	assert_trace_order((const char *const[]){
		"init good greeting=hello count=10 verbose=0 label=(null) "
		"state_dir=/state/for-tests name=good",
		NULL});
}

Test(loader, fini_in_reverse_order)
{
	config_with((const char *const[]){"good", "good-two", NULL}, "[good]\nlabel = x y\n");
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(ps.count, 2);
	cr_assert_str_eq(ps.head->desc->name, "good", "load order is the list's order");
	cr_assert_str_eq(ps.head->next->desc->name, "good-two");
	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), 0, "%s", err);
	stop_pool();
	lw_plugins_unload(&ps);
	assert_trace_order((const char *const[]){
		"init good greeting=hello count=3 verbose=0 label=x y "
		"state_dir=/state/for-tests name=good",
		"init good-two",
		"fini good-two",
		"fini good data=ok events=0",
		NULL});
	cr_assert_null(ps.head);
	/* A second unload finds nothing to do. */
	lw_plugins_unload(&ps);
	cr_assert_eq(trace_count("fini good-two"), 1);
}

Test(loader, unload_without_start_calls_no_fini)
{
	config_with((const char *const[]){"good", "good-two", NULL}, NULL);
	cr_assert_eq(load(), 0, "%s", err);
	lw_plugins_unload(&ps);
	cr_assert_eq(trace_len, 0, "%s", trace_buf);
}

Test(loader, failed_init_stops_those_started_before_it)
{
	config_with((const char *const[]){"good", "good-two", "fail-init", NULL}, NULL);
	cr_assert_eq(load(), 0, "%s", err);
	struct lw_plugin *bad = find("fail-init");
	cr_assert_not_null(bad);
	char *path = th_strdupf("%s", bad->path);

	int rc = lw_plugins_start(&ps, err, sizeof(err));
	cr_assert_eq(rc, LW_EIO, "status %d: %s", rc, err);
	assert_err_has(path);
	assert_err_has("failed to start");
	assert_err_has("cannot reach the moon");
	/* Its subscription went with it, whatever happens to the others. */
	lw_events_publish(&events, LW_EVENT_STARTED, NULL, NULL);
	cr_assert_eq(trace_count("fail-init event started"), 0, "%s", trace_buf);

	stop_pool();
	lw_plugins_unload(&ps);
	assert_trace_order((const char *const[]){
		"init good greeting=hello count=3 verbose=0 label=(null) "
		"state_dir=/state/for-tests name=good",
		"init good-two",
		"init fail-init",
		"fini good-two",
		"fini good data=ok events=0",
		NULL});
	cr_assert_eq(trace_count("fini fail-init"), 0, "fini of a plugin whose init failed");
}

Test(loader, plugins_after_a_failed_init_are_not_started)
{
	config_with((const char *const[]){"fail-init", "good-two", NULL}, NULL);
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), LW_EIO, "%s", err);
	stop_pool();
	lw_plugins_unload(&ps);
	cr_assert_eq(trace_count("init good-two"), 0, "%s", trace_buf);
	cr_assert_eq(trace_count("fini good-two"), 0, "%s", trace_buf);
	cr_assert_eq(trace_count("fini fail-init"), 0, "%s", trace_buf);
}

/*
 * The plugin ABI promises that every accepted job completes before any
 * plugin's fini. A job submitted by init is still pending when a later
 * plugin fails to start: its done must not run after its plugin's fini.
 */
Test(loader, failed_start_completes_jobs_before_fini)
{
	config_with((const char *const[]){"good", "fail-init", NULL}, "[good]\ninit_job = on\n");
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), LW_EIO, "%s", err);
	/* The daemon's order after a failed start: drain the workers, unload. */
	stop_pool();
	lw_plugins_unload(&ps);
	long done = trace_pos("good done init worked=1 offthread=1 status=0");
	long fini = trace_pos("fini good data=ok events=0");
	cr_assert_geq(done, 0, "%s", trace_buf);
	cr_assert_geq(fini, 0, "%s", trace_buf);
	TH_FAIL_IF_BUG(done > fini, "core/plugin.c lw_plugins_start() calls fini of the "
	                  "started plugins itself, before the caller can drain their worker "
	                  "jobs; a job's done then runs after its plugin's fini");
	cr_assert_lt(done, fini, "%s", trace_buf);
}

/* ---- by name and by directory ---- */

Test(loader, names_resolve_in_plugin_dir)
{
	char *a = link_plugin("good"), *b = link_plugin("good-two");
	char *text = th_strdupf("[server]\nplugin_dir = %s/plugins\nplugins = good-two,good.so\n",
	                        tmp);
	load_config(text);
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(ps.count, 2);
	cr_assert_str_eq(ps.head->path, b);
	cr_assert_str_eq(ps.head->next->path, a);
}

Test(loader, plugin_dir_scan_loads_every_so_in_name_order)
{
	char *a = link_plugin("good"), *b = link_plugin("good-two");
	char *dir = th_strdupf("%s/plugins", tmp);
	th_write_file(dir, "README", "not a plugin\n");
	th_write_file(dir, "notes.so.txt", "not a plugin either\n");
	char *text = th_strdupf("[server]\nplugin_dir = %s\n", dir);
	load_config(text);
	cr_assert_null(cfg.plugins);
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(ps.count, 2);
	/* "good-two.so" sorts before "good.so" ('-' < '.'). */
	cr_assert_str_eq(ps.head->path, b);
	cr_assert_str_eq(ps.head->next->path, a);
	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), 0, "%s", err);
	stop_pool();
	lw_plugins_unload(&ps);
	assert_trace_order((const char *const[]){
		"init good-two",
		"init good greeting=hello count=3 verbose=0 label=(null) "
		"state_dir=/state/for-tests name=good",
		"fini good data=ok events=0",
		"fini good-two",
		NULL});
}

Test(loader, plugin_dir_scan_refuses_a_broken_plugin)
{
	link_plugin("good");
	char *bad = link_plugin("bad-abi");
	char *text = th_strdupf("[server]\nplugin_dir = %s/plugins\n", tmp);
	load_config(text);
	assert_refused_how(LW_EABI, bad, "ABI 2", 1);
}

Test(loader, missing_plugin_dir_loads_nothing)
{
	char *text = th_strdupf("[server]\nplugin_dir = %s/none\n", tmp);
	load_config(text);
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(ps.count, 0);
	cr_assert_eq(lw_plugins_start(&ps, err, sizeof(err)), 0, "%s", err);
}

/* ---- refusals ---- */

Test(loader, bad_abi)
{
	config_with((const char *const[]){"bad-abi", NULL}, NULL);
	char *so = th_strdupf("%s/plugins/bad-abi.so", tmp);
	assert_refused_how(LW_EABI, so, "ABI 2", 1);
	/* Both versions, so the operator knows which side to rebuild. */
	assert_err_has("ABI 1");
}

Test(loader, no_entry_symbol)
{
	config_with((const char *const[]){"good-two", "no-entry", NULL}, NULL);
	char *so = th_strdupf("%s/plugins/no-entry.so", tmp);
	assert_refused(LW_EINVAL, so, "no lw_plugin_entry symbol");
}

Test(loader, duplicate_name)
{
	config_with((const char *const[]){"good", "dup-name", NULL}, NULL);
	char *first = th_strdupf("%s/plugins/good.so", tmp);
	char *second = th_strdupf("%s/plugins/dup-name.so", tmp);
	assert_refused(LW_EEXIST, second, "duplicate name \"good\"");
	assert_err_has(first);
}

Test(loader, bad_name)
{
	config_with((const char *const[]){"bad-name", NULL}, NULL);
	char *so = th_strdupf("%s/plugins/bad-name.so", tmp);
	assert_refused_how(LW_EINVAL, so, "invalid name", 1);
}

Test(loader, not_a_shared_object)
{
	char *junk = th_write_file(tmp, "junk.so", "this is not ELF\n");
	char *text = th_strdupf("[server]\nplugins = %s\n", junk);
	load_config(text);
	assert_refused(LW_EINVAL, junk, "cannot load plugin");
}

Test(loader, missing_file_names_the_config_line)
{
	link_plugin("good");
	char *text = th_strdupf("# plugins\n"
	                        "\n"
	                        "[server]\n"
	                        "state_dir = /x\n"
	                        "plugins = %s/plugins/good.so %s/plugins/nope.so\n",
	                        tmp, tmp);
	load_config(text);
	char *where = th_strdupf("%s:5: ", cfg_path);
	char *nope = th_strdupf("%s/plugins/nope.so", tmp);
	assert_refused(LW_ENOENT, nope, "not found");
	cr_assert(strncmp(err, where, strlen(where)) == 0, "error \"%s\" does not start with \"%s\"",
	          err, where);
}

Test(loader, missing_plugin_by_name_in_plugin_dir)
{
	char *text = th_strdupf("[server]\nplugin_dir = %s\nplugins = ghost\n", tmp);
	load_config(text);
	char *so = th_strdupf("%s/ghost.so", tmp);
	assert_refused(LW_ENOENT, so, "\"ghost\"");
	char *where = th_strdupf("%s:3: ", cfg_path);
	cr_assert(strncmp(err, where, strlen(where)) == 0, "%s", err);
}

/* ---- plugin sections of the config ---- */

/* The config must be refused at line, naming what; no plugin code runs. */
static void assert_section_refused(const char *extra, int line, const char *what)
{
	config_with((const char *const[]){"good", "good-two", NULL}, extra);
	char *where = th_strdupf("%s:%d: ", cfg_path, line);
	assert_refused(LW_EINVAL, where, what);
	cr_assert(strncmp(err, where, strlen(where)) == 0, "error \"%s\" does not start with \"%s\"",
	          err, where);
}

/* Line 1 is [server], line 2 its plugins key: extra text starts at line 3. */
Test(loader, unknown_section)
{
	/* The header's line: where the misspelt name is. */
	assert_section_refused("[good]\ncount = 2\n\n[goood]\ncount = 2\n", 6, "[goood]");
}

Test(loader, unknown_empty_section)
{
	assert_section_refused("[good]\n[good-two]\n\n[typo]\n; nothing here\n", 6, "[typo]");
}

Test(loader, empty_known_section_is_fine)
{
	config_with((const char *const[]){"good", "good-two", NULL}, "[good]\n[good-two]\n");
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(ps.count, 2);
}

Test(loader, unknown_key_in_plugin_section)
{
	assert_section_refused("[good]\ncount = 2\n; c\ncolour = red\n", 6, "\"colour\"");
}

Test(loader, key_in_section_of_plugin_without_schema)
{
	assert_section_refused("[good-two]\nanything = 1\n", 4, "\"anything\"");
}

Test(loader, int_out_of_range)
{
	assert_section_refused("[good]\n\ncount = 11\n", 5, "from 1 to 10");
}

Test(loader, int_below_range)
{
	assert_section_refused("[good]\ncount = 0\n", 4, "count");
}

Test(loader, int_not_a_number)
{
	assert_section_refused("[good]\ncount = three\n", 4, "three");
}

Test(loader, bad_bool)
{
	assert_section_refused("[good]\ngreeting = yo\nverbose = maybe\n", 5, "maybe");
}

Test(loader, section_checks_also_apply_to_dir_scans)
{
	link_plugin("good");
	char *text = th_strdupf("[server]\nplugin_dir = %s/plugins\n[good]\nverbose = 2\n", tmp);
	load_config(text);
	char *where = th_strdupf("%s:4: ", cfg_path);
	assert_refused(LW_EINVAL, where, "verbose");
}
