/*
 * tests/unit/test_config.c: the daemon's configuration (core/config.c).
 *
 * Built-in defaults, a file over them, the environment over both, and the
 * one-line "FILE:LINE: what" error of every kind of bad file. The line
 * numbers matter: an operator fixing a config reads them, so each bad file
 * puts its fault after comments and blank lines that a wrong count would miss.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "helpers.h"
#include "lwm2m/error.h"

static char *tmp;
static struct lw_config cfg;
static char err[1024];

static void setup(void)
{
	tmp = th_tmpdir();
	lw_config_defaults(&cfg);
	err[0] = '\0';
}

static void teardown(void)
{
	lw_config_free(&cfg);
	th_rmtree(tmp);
	th_cleanup();
	th_check_leaks();
}

TestSuite(config, .init = setup, .fini = teardown);

/* Loads text as NAME in the temp dir; returns the status, path in *pathp. */
static int load_text(const char *name, const char *text, char **pathp)
{
	char *path = th_write_file(tmp, name, text);
	int rc = lw_config_load(&cfg, path, err, sizeof(err));

	if (pathp)
		*pathp = path;
	return rc;
}

/*
 * Asserts err is exactly one line "PATH:LINE: ..." that contains what. The
 * prefix is rebuilt from the path and line we expect, so that an off-by-one
 * count fails.
 */
static void assert_error_at(const char *path, int line, const char *what)
{
	char *prefix = th_strdupf("%s:%d: ", path, line);

	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0, "error \"%s\" does not start with \"%s\"",
	          err, prefix);
	cr_assert_null(strchr(err, '\n'), "error is more than one line: \"%s\"", err);
	cr_assert(strlen(err) > strlen(prefix), "error has no reason: \"%s\"", err);
	if (what)
		cr_assert_not_null(strstr(err, what), "error \"%s\" lacks \"%s\"", err, what);
}

Test(config, defaults_match_the_table)
{
	cr_assert_null(cfg.path);
	cr_assert_eq(cfg.coap_port, 5683);
	cr_assert_eq(cfg.coaps_port, 5684);
	cr_assert_eq(cfg.bootstrap_port, 5783);
	cr_assert_eq(cfg.bootstrap_secure_port, 5784);
	cr_assert_eq(cfg.http_port, 8080);
	cr_assert_str_eq(cfg.state_dir, "./lwm2md-state");
	cr_assert_str_eq(cfg.storage_plugin, "sqlite");
	cr_assert_str_eq(cfg.log_level, "info");
	cr_assert_str_eq(cfg.log_target, "stderr");
	cr_assert_str_eq(cfg.coap_bind, "0.0.0.0");
	cr_assert_not_null(cfg.plugin_dir);
	cr_assert_null(cfg.plugins, "no list: every plugin of plugin_dir");
	cr_assert_null(cfg.http_admin_token);
	cr_assert_null(cfg.storage_conninfo);
	cr_assert_eq(cfg.workers, 2);
	cr_assert_eq(cfg.worker_queue, 65536);
	cr_assert_eq(cfg.coap_ack_timeout_ms, 2000);
	cr_assert_eq(cfg.coap_max_retransmit, 4);
	cr_assert_eq(cfg.coap_nstart, 1);
	cr_assert_eq(cfg.n_extra, 0);
	cr_assert_eq(lw_config_line(&cfg, "coap", "port"), 0);
	cr_assert_eq(lw_config_line(&cfg, "server", "state_dir"), 0);
	char buf[64];
	cr_assert_str_eq(lw_config_where(&cfg, 0, buf, sizeof(buf)), "defaults");
}

Test(config, good_file_overrides_defaults_and_records_lines)
{
	char *path;
	int rc = load_text("good.ini",
	                   "; lwm2md test config\n"                /* 1 */
	                   "# both comment styles\n"               /* 2 */
	                   "\n"                                     /* 3 */
	                   "[server]\n"                             /* 4 */
	                   "state_dir = /var/lib/lwm2md\n"          /* 5 */
	                   "workers = 8\n"                          /* 6 */
	                   "plugins = codec-tlv, storage-sqlite\n"  /* 7 */
	                   "\n"                                     /* 8 */
	                   "[log]\n"                                /* 9 */
	                   "level = debug\n"                        /* 10 */
	                   "[coap]\n"                               /* 11 */
	                   "port = 15683\n"                         /* 12 */
	                   "bind = 127.0.0.1\n"                     /* 13 */
	                   "[http]\n"                               /* 14 */
	                   "port = 18080\n"                         /* 15 */
	                   "admin_token = from-file\n"              /* 16 */
	                   "[storage]\n"                            /* 17 */
	                   "plugin = postgres\n"                    /* 18 */
	                   "conninfo = host=127.0.0.1 dbname=lw\n", /* 19 */
	                   &path);

	cr_assert_eq(rc, 0, "load failed (%d): %s", rc, err);
	cr_assert_str_eq(cfg.path, path);
	cr_assert_str_eq(cfg.state_dir, "/var/lib/lwm2md");
	cr_assert_eq(cfg.workers, 8);
	cr_assert_str_eq(cfg.plugins, "codec-tlv, storage-sqlite");
	cr_assert_str_eq(cfg.log_level, "debug");
	cr_assert_eq(cfg.coap_port, 15683);
	cr_assert_str_eq(cfg.coap_bind, "127.0.0.1");
	cr_assert_eq(cfg.http_port, 18080);
	cr_assert_str_eq(cfg.http_admin_token, "from-file");
	cr_assert_str_eq(cfg.storage_plugin, "postgres");
	cr_assert_str_eq(cfg.storage_conninfo, "host=127.0.0.1 dbname=lw");
	/* What the file does not set keeps its default. */
	cr_assert_eq(cfg.coaps_port, 5684);
	cr_assert_eq(cfg.bootstrap_port, 5783);
	cr_assert_str_eq(cfg.log_target, "stderr");

	cr_assert_eq(lw_config_line(&cfg, "server", "state_dir"), 5);
	cr_assert_eq(lw_config_line(&cfg, "server", "plugins"), 7);
	cr_assert_eq(lw_config_line(&cfg, "log", "level"), 10);
	cr_assert_eq(lw_config_line(&cfg, "coap", "port"), 12);
	cr_assert_eq(lw_config_line(&cfg, "http", "admin_token"), 16);
	cr_assert_eq(lw_config_line(&cfg, "storage", "conninfo"), 19);
	cr_assert_eq(lw_config_line(&cfg, "coaps", "port"), 0, "not in the file");
	cr_assert_eq(lw_config_line(&cfg, "coap", "no_such_key"), 0);
	cr_assert_eq(cfg.n_extra, 0);

	char buf[600], *want = th_strdupf("%s:12", path);
	cr_assert_str_eq(lw_config_where(&cfg, 12, buf, sizeof(buf)), want);
}

Test(config, second_file_overrides_first_without_leaking)
{
	cr_assert_eq(load_text("a.ini", "[server]\nstate_dir = /a\n[coap]\nport = 1000\n", NULL), 0);
	cr_assert_eq(load_text("b.ini", "[server]\nstate_dir = /b\n", NULL), 0);
	cr_assert_str_eq(cfg.state_dir, "/b");
	cr_assert_eq(cfg.coap_port, 1000, "a key only the first file set stays");
	cr_assert_not_null(strstr(cfg.path, "b.ini"));
}

Test(config, comments_and_blank_lines_are_ignored)
{
	int rc = load_text("c.ini",
	                   "\n\n"
	                   "; [coap]\n"
	                   "# port = 1\n"
	                   "[coap]\n"
	                   "; port = 2\n"
	                   "\n"
	                   "# port = 3\n"
	                   "port = 4\n"
	                   "\n",
	                   NULL);

	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(cfg.coap_port, 4);
	cr_assert_eq(lw_config_line(&cfg, "coap", "port"), 9);
}

Test(config, empty_file_keeps_defaults)
{
	cr_assert_eq(load_text("empty.ini", "", NULL), 0, "%s", err);
	cr_assert_eq(cfg.coap_port, 5683);
	cr_assert_str_eq(cfg.state_dir, "./lwm2md-state");
}

Test(config, port_zero_is_accepted)
{
	int rc = load_text("zero.ini", "[coap]\nport = 0\n[http]\nport = 0\n[bootstrap]\nport = 0\n",
	                   NULL);

	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(cfg.coap_port, 0);
	cr_assert_eq(cfg.http_port, 0);
	cr_assert_eq(cfg.bootstrap_port, 0);
	cr_assert_eq(load_text("max.ini", "[coaps]\nport = 65535\n", NULL), 0, "%s", err);
	cr_assert_eq(cfg.coaps_port, 65535);
}

/* One bad file: its text, the line at fault and a word the reason must carry. */
struct bad_case {
	const char *text;
	int line;
	const char *what;
};

static void check_bad(const struct bad_case *c)
{
	char *path;
	int rc = load_text("bad.ini", c->text, &path);

	cr_assert_neq(rc, 0, "accepted:\n%s", c->text);
	/*
	 * inih goes on after the handler refuses a line, and the handler
	 * overwrites err with each later fault; the first fault must win.
	 */
	char *first = th_strdupf("%s:%d: ", path, c->line);
	TH_FAIL_IF_BUG(strncmp(err, first, strlen(first)) != 0 && strstr(err, path) == err,
	                  "core/config.c on_entry() reports the last faulty line, not the "
	                  "first (got \"%s\", want line %d)", err, c->line);
	assert_error_at(path, c->line, c->what);
	TH_FAIL_IF_BUG(rc == LW_ERANGE, "core/config.c set_field() returns LW_ERANGE for an "
	                  "out-of-range value; lw_config_load must answer LW_EINVAL");
	cr_assert_eq(rc, LW_EINVAL, "status %d (%s) for:\n%s\nerror: %s", rc, lw_strerror(rc),
	             c->text, err);
}

Test(config, unknown_key_in_core_section)
{
	check_bad(&(struct bad_case){"; c\n[coap]\nport = 5683\n\nprot = 5683\n", 5, "prot"});
	check_bad(&(struct bad_case){"[server]\n\n\n\nstatedir = /x\n", 5, "statedir"});
}

Test(config, bad_port_70000)
{
	check_bad(&(struct bad_case){"[coap]\n# comment\nport = 70000\n", 3, "70000"});
}

Test(config, bad_port_negative)
{
	check_bad(&(struct bad_case){"\n[http]\nbind = 127.0.0.1\nport = -1\n", 4, "-1"});
}

Test(config, bad_port_not_a_number)
{
	check_bad(&(struct bad_case){"[bootstrap]\n;\n;\nsecure_port = abc\n", 4, "abc"});
	check_bad(&(struct bad_case){"[coaps]\nport = 56 84\n", 2, "56 84"});
	check_bad(&(struct bad_case){"[coaps]\nport =\n", 2, "port"});
}

Test(config, bad_int_out_of_range)
{
	check_bad(&(struct bad_case){"[server]\nworkers = 0\n", 2, "workers"});
	check_bad(&(struct bad_case){"[server]\nworkers = 65\n", 2, "workers"});
	check_bad(&(struct bad_case){"[server]\nworkers = 99999999999999999999\n", 2, "workers"});
}

Test(config, bad_enum_value)
{
	check_bad(&(struct bad_case){"[log]\n\nlevel = loud\n", 3, "loud"});
	check_bad(&(struct bad_case){"[log]\ntarget = journal\n", 2, "journal"});
	/* Enum values are exact: a prefix of a choice is not a choice. */
	check_bad(&(struct bad_case){"[log]\nlevel = inf\n", 2, "inf"});
}

Test(config, key_outside_any_section)
{
	check_bad(&(struct bad_case){"# header\n\nport = 5683\n[coap]\n", 3, "outside"});
}

Test(config, syntax_error_line)
{
	check_bad(&(struct bad_case){"[coap]\nport = 5683\n\nthis line has no equals sign\n", 4,
	                             "syntax"});
	check_bad(&(struct bad_case){";\n[coap\nport = 5683\n", 2, "syntax"});
}

/*
 * Several faults: the first is the one reported, the error stays one line,
 * and the status stays LW_EINVAL.
 */
Test(config, first_of_several_errors_is_reported)
{
	check_bad(&(struct bad_case){"[coap]\nport = abc\nbogus = 1\n", 2, "abc"});
}

Test(config, first_error_wins_over_later_syntax_error)
{
	check_bad(&(struct bad_case){"[coap]\nbogus = 1\nno equals here\n", 2, "bogus"});
	check_bad(&(struct bad_case){"[coap]\nno equals here\nbogus = 1\n", 2, "syntax"});
}

/*
 * inih reads at most 199 characters of a line (INI_MAX_LINE 200 in Debian's
 * build); a longer line, such as a [server] plugins list of full paths, must
 * either load whole or fail at its own line, never be split into two.
 */
Test(config, long_line_is_read_whole_or_refused_at_its_line)
{
	char *path, *text, val[400];

	memset(val, 'x', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	val[0] = '/';
	text = th_strdupf("[server]\nstate_dir = %s\n[coap]\nport = 1000\n", val);
	int rc = load_text("long.ini", text, &path);
	if (rc == 0) {
		cr_assert_str_eq(cfg.state_dir, val);
		cr_assert_eq(lw_config_line(&cfg, "coap", "port"), 4);
	} else {
		char *at2 = th_strdupf("%s:2: ", path);
		TH_FAIL_IF_BUG(strncmp(err, at2, strlen(at2)) != 0,
		                  "core/config.c read_line() lets inih split lines over 199 "
		                  "characters (got \"%s\")", err);
		cr_assert_eq(rc, LW_EINVAL);
	}
}

/* A line that just fits inih's buffer must not shift the count of those after it. */
Test(config, line_of_199_characters_keeps_the_count)
{
	char *path, *text, val[200];

	/* "state_dir = " is 12 characters: the line is 199 without its newline. */
	memset(val, 'y', sizeof(val));
	val[0] = '/';
	val[199 - 12] = '\0';
	text = th_strdupf("[server]\nstate_dir = %s\n[coap]\nbogus = 1\n", val);
	cr_assert_eq(strlen(strchr(text, '\n') + 1), 199 + 1 + 7 + 10);
	int rc = load_text("fit.ini", text, &path);
	cr_assert_eq(rc, LW_EINVAL);
	char *at4 = th_strdupf("%s:4: ", path);
	TH_FAIL_IF_BUG(strncmp(err, at4, strlen(at4)) != 0,
	                  "core/config.c read_line() counts the newline after a 199-character "
	                  "line as one more line (got \"%s\")", err);
	assert_error_at(path, 4, "bogus");
	cr_assert_str_eq(cfg.state_dir, val);
}

Test(config, missing_file_is_eio)
{
	char *path = th_strdupf("%s/does-not-exist.ini", tmp);
	int rc = lw_config_load(&cfg, path, err, sizeof(err));

	cr_assert_eq(rc, LW_EIO, "status %d", rc);
	cr_assert_not_null(strstr(err, path), "error \"%s\" does not name the file", err);
	cr_assert_null(strchr(err, '\n'));
	cr_assert_eq(cfg.coap_port, 5683, "defaults left as they were");
}

Test(config, log_target_file_needs_a_path)
{
	char *path;
	int rc = load_text("log.ini", "[log]\ntarget = file\n", &path);

	cr_assert_eq(rc, LW_EINVAL, "%d", rc);
	cr_assert_not_null(strstr(err, path), "%s", err);
	cr_assert_not_null(strstr(err, "file"), "%s", err);
	lw_config_free(&cfg);
	lw_config_defaults(&cfg);
	rc = load_text("log2.ini", "[log]\ntarget = file\nfile = /tmp/x.log\n", NULL);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_str_eq(cfg.log_file, "/tmp/x.log");
}

Test(config, plugin_sections_are_kept_with_lines)
{
	int rc = load_text("plug.ini",
	                   "[server]\n"                /* 1 */
	                   "workers = 3\n"             /* 2 */
	                   "\n"                        /* 3 */
	                   "[storage-sqlite]\n"        /* 4 */
	                   "; the file\n"              /* 5 */
	                   "path = db.sqlite\n"        /* 6 */
	                   "batch = 1000\n"            /* 7 */
	                   "[coap]\n"                  /* 8 */
	                   "port = 5690\n"             /* 9 */
	                   "[fwd-mqtt]\n"              /* 10 */
	                   "broker = mqtt://127.0.0.1\n" /* 11 */
	                   "anything_goes = yes\n",    /* 12 */
	                   NULL);

	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(cfg.workers, 3);
	cr_assert_eq(cfg.coap_port, 5690);
	/*
	 * Each key with its line, and each section header as an entry with an
	 * empty key at the header's line (so an empty [typo] is still checked).
	 */
	static const struct {
		const char *section, *key, *value;
		int line;
	} want[] = {
		{"storage-sqlite", "", "", 4},
		{"storage-sqlite", "path", "db.sqlite", 6},
		{"storage-sqlite", "batch", "1000", 7},
		{"fwd-mqtt", "", "", 10},
		{"fwd-mqtt", "broker", "mqtt://127.0.0.1", 11},
		{"fwd-mqtt", "anything_goes", "yes", 12},
	};
	cr_assert_eq(cfg.n_extra, 6);
	for (size_t i = 0; i < 6; i++) {
		const struct lw_conf_entry *e = &cfg.extra[i];
		cr_assert_str_eq(e->section, want[i].section, "entry %zu", i);
		cr_assert_str_eq(e->key, want[i].key, "entry %zu", i);
		cr_assert_str_eq(e->value, want[i].value, "entry %zu", i);
		cr_assert_eq(e->line, want[i].line, "%s.%s: line %d, want %d", e->section, e->key,
		             e->line, want[i].line);
		cr_assert_eq(e->used, 0);
	}
	/* Plugin keys are not core keys. */
	cr_assert_eq(lw_config_line(&cfg, "storage-sqlite", "path"), 0);
}

Test(config, empty_plugin_section_is_kept)
{
	int rc = load_text("empty-sec.ini", "[coap]\nport = 1\n\n[typo]\n[http]\nport = 2\n", NULL);

	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(cfg.n_extra, 1);
	cr_assert_str_eq(cfg.extra[0].section, "typo");
	cr_assert_str_eq(cfg.extra[0].key, "");
	cr_assert_eq(cfg.extra[0].line, 4);
	cr_assert_eq(cfg.http_port, 2);
}

Test(config, env_admin_token_overrides_file)
{
	cr_assert_eq(load_text("tok.ini", "[http]\nadmin_token = from-file\n", NULL), 0, "%s", err);
	cr_assert_eq(setenv("LWM2MD_ADMIN_TOKEN", "from-env", 1), 0);
	lw_config_env(&cfg);
	cr_assert_str_eq(cfg.http_admin_token, "from-env");
	/* An empty variable does not wipe the token out. */
	cr_assert_eq(setenv("LWM2MD_ADMIN_TOKEN", "", 1), 0);
	lw_config_env(&cfg);
	cr_assert_str_eq(cfg.http_admin_token, "from-env");
}

Test(config, env_admin_token_over_defaults)
{
	cr_assert_eq(unsetenv("LWM2MD_ADMIN_TOKEN"), 0);
	lw_config_env(&cfg);
	cr_assert_null(cfg.http_admin_token);
	cr_assert_eq(setenv("LWM2MD_ADMIN_TOKEN", "s3cret", 1), 0);
	lw_config_env(&cfg);
	cr_assert_str_eq(cfg.http_admin_token, "s3cret");
}

Test(config, free_clears_everything)
{
	int rc = load_text("all.ini",
	                   "[server]\nstate_dir = /s\nplugins = a b\n"
	                   "[http]\nadmin_token = t\n[storage]\nconninfo = c\n"
	                   "[log]\ntarget = file\nfile = /tmp/l\n"
	                   "[p1]\nk = v\n[p2]\nk2 = v2\n",
	                   NULL);
	cr_assert_eq(rc, 0, "%s", err);
	lw_config_env(&cfg);
	lw_config_free(&cfg);
	/* Everything freed and zeroed (ASan and LSan check the "freed" half). */
	cr_assert_null(cfg.path);
	cr_assert_null(cfg.state_dir);
	cr_assert_null(cfg.plugins);
	cr_assert_null(cfg.extra);
	cr_assert_eq(cfg.n_extra, 0);
	/* Freeing twice, or freeing defaults, is harmless. */
	lw_config_free(&cfg);
	lw_config_defaults(&cfg);
}

Test(config, free_after_failed_load)
{
	cr_assert_eq(load_text("half.ini", "[p]\nk = v\n[server]\nstate_dir = /x\n[coap]\nport = x\n",
	                       NULL),
	             LW_EINVAL);
	/* teardown frees what the half-read file left: LSan must find nothing. */
}

Test(config, parse_helpers)
{
	int b = -1;
	long long v = -1;

	for (const char *const *s = (const char *const[]){"true", "YES", "on", "1", NULL}; *s; s++) {
		cr_assert_eq(lw_config_parse_bool(*s, &b), 0, "%s", *s);
		cr_assert_eq(b, 1, "%s", *s);
	}
	for (const char *const *s = (const char *const[]){"false", "No", "OFF", "0", NULL}; *s; s++) {
		cr_assert_eq(lw_config_parse_bool(*s, &b), 0, "%s", *s);
		cr_assert_eq(b, 0, "%s", *s);
	}
	cr_assert_eq(lw_config_parse_bool("maybe", &b), LW_EINVAL);
	cr_assert_eq(lw_config_parse_bool("", &b), LW_EINVAL);
	cr_assert_eq(lw_config_parse_int("42", 1, 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(lw_config_parse_int("-5", 0, 0, &v), 0, "min == max == 0: any value");
	cr_assert_eq(v, -5);
	cr_assert_eq(lw_config_parse_int("101", 1, 100, &v), LW_ERANGE);
	cr_assert_eq(lw_config_parse_int("0", 1, 100, &v), LW_ERANGE);
	cr_assert_eq(lw_config_parse_int("12x", 1, 100, &v), LW_EINVAL);
	cr_assert_eq(lw_config_parse_int("", 1, 100, &v), LW_EINVAL);
	cr_assert_eq(v, -5, "a failed parse leaves the output alone");
}
