/*
 * client-ref/fleet/fleet.c: lwm2m-fleet's main: options, the shared object
 * model and tree, and the shards. A process may hold at most 20,000 open
 * files here (a hard limit), and every device has its own socket, so a
 * fleet larger than --shard-size is split across forked shard processes,
 * each raising its soft RLIMIT_NOFILE to the hard limit. Shards report their
 * counters through a pipe; this process adds them up, prints one progress
 * line per interval and the summary, and passes SIGINT/SIGTERM on.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "lwm2m/model_int.h"

#define DEFAULT_SHARD 19000

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak RSS of this process in KiB (VmHWM). */
static uint64_t peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t kb = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %llu", (unsigned long long *)&kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: lwm2m-fleet [-u coap://127.0.0.1:5683] [-c COUNT] [-r REG_PER_S] [-n PREFIX]\n"
	        "         [-l LIFETIME] [-f senml-cbor|senml-json|lwm2m-cbor|tlv] [-V 1.0|1.1|1.2]\n"
	        "         [-d SECONDS] [--notify-interval S] [--send-interval S] [--con-notify]\n"
	        "         [--queue-share 0..1] [--awake S] [--sleep S] [--no-deregister]\n"
	        "         [--progress-interval S] [--json FILE] [--shard-size N] [-v]\n"
	        "  DTLS (-u coaps://HOST:5684): [--psk-key HEX | --psk-seed SEED | --rpk DIR |\n"
	        "         --cert DIR] [--priority GNUTLS_PRIORITY] [--handshake-only]\n"
	        "  bootstrap: [--bootstrap coap[s]://HOST:5783]   provisioning: --print-credentials\n");
}

int fleet_parse_uri(const char *uri, struct sockaddr_in *addr, bool *secure)
{
	char host[128];
	int port = 5683;
	const char *p = uri;
	*secure = false;
	if (!strncmp(p, "coap://", 7)) {
		p += 7;
	} else if (!strncmp(p, "coaps://", 8)) {
		p += 8;
		port = 5684;
		*secure = true;
	} else if (strstr(p, "://")) {
		return -1; /* TCP and the rest: not simulated */
	}
	const char *colon = strrchr(p, ':');
	size_t hl = colon ? (size_t)(colon - p) : strlen(p);
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, p, hl);
	host[hl] = 0;
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if ((*end && *end != '/') || v <= 0 || v > 65535)
			return -1;
		port = (int)v;
	}
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
	if (getaddrinfo(host, NULL, &hints, &res))
		return -1;
	memcpy(addr, res->ai_addr, sizeof(*addr));
	addr->sin_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

static int parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);
	if (n == 0 || n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || end == s || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(struct fleet_cfg *cfg, int argc, char **argv)
{
	enum { O_NOTIFY = 256, O_SEND, O_QUEUE, O_NODEREG, O_PROGRESS, O_JSON, O_SHARD, O_CON,
	       O_AWAKE, O_SLEEP, O_PSK_KEY, O_PSK_SEED, O_RPK, O_CERT, O_PRIORITY, O_BOOTSTRAP,
	       O_HS_ONLY, O_PRINT_CREDS };
	static const struct option longs[] = {
		{"uri", required_argument, NULL, 'u'},
		{"count", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'r'},
		{"name", required_argument, NULL, 'n'},
		{"lifetime", required_argument, NULL, 'l'},
		{"format", required_argument, NULL, 'f'},
		{"version", required_argument, NULL, 'V'},
		{"duration", required_argument, NULL, 'd'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"notify-interval", required_argument, NULL, O_NOTIFY},
		{"send-interval", required_argument, NULL, O_SEND},
		{"queue-share", required_argument, NULL, O_QUEUE},
		{"no-deregister", no_argument, NULL, O_NODEREG},
		{"progress-interval", required_argument, NULL, O_PROGRESS},
		{"json", required_argument, NULL, O_JSON},
		{"shard-size", required_argument, NULL, O_SHARD},
		{"con-notify", no_argument, NULL, O_CON},
		{"awake", required_argument, NULL, O_AWAKE},
		{"sleep", required_argument, NULL, O_SLEEP},
		{"psk-key", required_argument, NULL, O_PSK_KEY},
		{"psk-seed", required_argument, NULL, O_PSK_SEED},
		{"rpk", required_argument, NULL, O_RPK},
		{"cert", required_argument, NULL, O_CERT},
		{"priority", required_argument, NULL, O_PRIORITY},
		{"bootstrap", required_argument, NULL, O_BOOTSTRAP},
		{"handshake-only", no_argument, NULL, O_HS_ONLY},
		{"print-credentials", no_argument, NULL, O_PRINT_CREDS},
		{NULL, 0, NULL, 0},
	};
	const char *fmt = NULL;
	double v;
	int c;
	cfg->uri = "coap://127.0.0.1:5683";
	cfg->count = 100;
	cfg->rate = 1000;
	cfg->notify_interval = 10;
	cfg->lifetime = 300;
	cfg->prefix = "fleet";
	cfg->version = "1.1";
	cfg->progress_interval = 1;
	cfg->awake_s = 10;
	cfg->sleep_s = 30;
	cfg->shard_size = DEFAULT_SHARD;
	while ((c = getopt_long(argc, argv, "u:c:r:n:l:f:V:d:vh", longs, NULL)) != -1) {
		switch (c) {
		case 'u':
			cfg->uri = optarg;
			break;
		case 'c':
			if (num(optarg, 1, 10000000, &v))
				goto bad;
			cfg->count = (unsigned)v;
			break;
		case 'r':
			if (num(optarg, 0, 1e9, &cfg->rate))
				goto bad;
			break;
		case 'n':
			cfg->prefix = optarg;
			if (!*optarg || strlen(optarg) > 64)
				goto bad;
			break;
		case 'l':
			if (num(optarg, 1, 1e8, &v))
				goto bad;
			cfg->lifetime = (int)v;
			break;
		case 'f':
			fmt = optarg;
			break;
		case 'V':
			cfg->version = optarg;
			if (strcmp(optarg, "1.0") && strcmp(optarg, "1.1") && strcmp(optarg, "1.2"))
				goto bad;
			break;
		case 'd':
			if (num(optarg, 0, 1e9, &cfg->duration))
				goto bad;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case O_NOTIFY:
			if (num(optarg, 0, 1e6, &cfg->notify_interval))
				goto bad;
			break;
		case O_SEND:
			if (num(optarg, 0, 1e6, &cfg->send_interval))
				goto bad;
			break;
		case O_QUEUE:
			if (num(optarg, 0, 1, &cfg->queue_share))
				goto bad;
			break;
		case O_NODEREG:
			cfg->no_deregister = true;
			break;
		case O_PROGRESS:
			if (num(optarg, 0.05, 1e6, &cfg->progress_interval))
				goto bad;
			break;
		case O_JSON:
			cfg->json = optarg;
			break;
		case O_SHARD:
			if (num(optarg, 1, 1e7, &v))
				goto bad;
			cfg->shard_size = (unsigned)v;
			break;
		case O_CON:
			cfg->con_notify = true;
			break;
		case O_AWAKE:
			if (num(optarg, 0.05, 1e6, &cfg->awake_s))
				goto bad;
			break;
		case O_SLEEP:
			if (num(optarg, 0.05, 1e6, &cfg->sleep_s))
				goto bad;
			break;
		case O_PSK_KEY:
			if (parse_hex(optarg, cfg->psk_key, sizeof(cfg->psk_key), &cfg->psk_key_len))
				goto bad;
			break;
		case O_PSK_SEED:
			if (!*optarg)
				goto bad;
			cfg->psk_seed = optarg;
			break;
		case O_RPK:
		case O_CERT:
			cfg->key_dir = optarg;
			cfg->mode = c == O_RPK ? SEC_RPK : SEC_X509;
			break;
		case O_PRIORITY:
			cfg->priority = optarg;
			break;
		case O_BOOTSTRAP:
			cfg->bs_uri = optarg;
			break;
		case O_HS_ONLY:
			cfg->handshake_only = true;
			break;
		case O_PRINT_CREDS:
			cfg->print_creds = true;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc)
		goto bad;
	cfg->vnum = cfg->version[2] == '0' ? 10 : cfg->version[2] == '2' ? 12 : 11;
	if (!fmt)
		fmt = cfg->vnum == 10 ? "tlv" : "senml-cbor";
	cfg->fmt = lwc_codec_by_name(fmt);
	if (!cfg->fmt || !cfg->fmt->encode) {
		fprintf(stderr, "lwm2m-fleet: unknown format %s\n", fmt);
		return -1;
	}
	if (cfg->vnum == 10 && cfg->fmt->content_format == LW_CF_TLV)
		cfg->fmt = lwc_codec_by_format(LW_CF_TLV_LEGACY);
	if (fleet_parse_uri(cfg->uri, &cfg->server, &cfg->secure)) {
		fprintf(stderr, "lwm2m-fleet: bad server URI %s (coap[s]://HOST:PORT, IPv4)\n",
		        cfg->uri);
		return -1;
	}
	if (cfg->bs_uri && fleet_parse_uri(cfg->bs_uri, &cfg->bs_server, &cfg->bs_secure)) {
		fprintf(stderr, "lwm2m-fleet: bad bootstrap URI %s (coap[s]://HOST:PORT, IPv4)\n",
		        cfg->bs_uri);
		return -1;
	}
	/* The credentials are for the -u server, or the bootstrap server when
	 * bootstrapping (the DM server's come from it). */
	bool needs = cfg->bs_uri ? cfg->bs_secure : cfg->secure;
	if ((needs || cfg->print_creds) && cfg->mode == SEC_PSK && !cfg->psk_key_len &&
	    !cfg->psk_seed) {
		fprintf(stderr, "lwm2m-fleet: coaps:// needs --psk-key, --psk-seed, --rpk or --cert\n");
		return -1;
	}
	if (cfg->handshake_only && !cfg->secure) {
		fprintf(stderr, "lwm2m-fleet: --handshake-only needs a coaps:// server\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "lwm2m-fleet: bad argument%s%s\n", optarg ? ": " : "", optarg ? optarg : "");
	usage(stderr);
	return -1;
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct child {
	pid_t pid;
	int fd; /* read end of its report pipe, -1 at EOF */
	struct fleet_stats *final;
	struct fleet_counters last;
};

/* Reads exactly len bytes (the shard writes whole messages). */
static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int run_sharded(const struct fleet_cfg *cfg, struct fleet_shard *proto, unsigned nshards,
                       struct fleet_stats *total)
{
	struct child *ch = calloc(nshards, sizeof(*ch));
	if (!ch)
		return -1;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	unsigned per = (cfg->count + nshards - 1) / nshards;
	for (unsigned i = 0; i < nshards; i++) {
		int p[2];
		if (pipe(p))
			return -1;
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			close(p[0]);
			for (unsigned k = 0; k < i; k++)
				close(ch[k].fd);
			close(sfd);
			free(ch);
			struct fleet_shard s = *proto;
			s.first = 1 + i * per;
			s.n = i + 1 == nshards ? cfg->count - i * per : per;
			s.rate = cfg->rate / nshards;
			s.report_fd = p[1];
			int rc = fleet_shard_run(&s);
			_exit(rc ? 1 : 0);
		}
		close(p[1]);
		ch[i].pid = pid;
		ch[i].fd = p[0];
	}
	double t0 = mono_s(), last_print = t0;
	struct fleet_counters prev = {0};
	unsigned open_fds = nshards;
	bool signalled = false;
	while (open_fds) {
		struct pollfd pf[nshards + 1];
		for (unsigned i = 0; i < nshards; i++)
			pf[i] = (struct pollfd){.fd = ch[i].fd, .events = POLLIN};
		pf[nshards] = (struct pollfd){.fd = sfd, .events = POLLIN};
		double next = last_print + cfg->progress_interval;
		int to = (int)((next - mono_s()) * 1000.0);
		poll(pf, nshards + 1, to < 0 ? 0 : to);
		if (pf[nshards].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			if (!signalled)
				for (unsigned i = 0; i < nshards; i++)
					kill(ch[i].pid, SIGTERM);
			signalled = true;
		}
		for (unsigned i = 0; i < nshards; i++) {
			if (ch[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP)))
				continue;
			uint32_t tag;
			int ok = read_full(ch[i].fd, &tag, sizeof(tag)) == 0;
			if (ok && tag == 1) {
				ok = read_full(ch[i].fd, &ch[i].last, sizeof(ch[i].last)) == 0;
			} else if (ok && tag == 2) {
				ch[i].final = malloc(sizeof(*ch[i].final));
				ok = ch[i].final &&
				     read_full(ch[i].fd, ch[i].final, sizeof(*ch[i].final)) == 0;
				if (ok)
					ch[i].last = ch[i].final->c;
			}
			if (!ok) {
				close(ch[i].fd);
				ch[i].fd = -1;
				open_fds--;
			}
		}
		double now = mono_s();
		if (now >= last_print + cfg->progress_interval && open_fds) {
			struct fleet_stats sum;
			memset(&sum.c, 0, sizeof(sum.c));
			for (unsigned i = 0; i < nshards; i++) {
				struct fleet_counters *c = &ch[i].last;
				sum.c.registered += c->registered;
				sum.c.registrations += c->registrations;
				sum.c.updates += c->updates;
				sum.c.requests += c->requests;
				sum.c.notifications += c->notifications;
				sum.c.sends += c->sends;
				sum.c.errors += c->errors;
				sum.c.retransmits += c->retransmits;
				sum.c.handshakes += c->handshakes;
				sum.c.hs_failures += c->hs_failures;
				sum.c.bootstraps += c->bootstraps;
			}
			fleet_print_progress(cfg, now - t0, &sum.c, &prev, now - last_print);
			prev = sum.c;
			last_print = now;
		}
	}
	int rc = 0;
	for (unsigned i = 0; i < nshards; i++) {
		int st;
		waitpid(ch[i].pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) || !ch[i].final) {
			fprintf(stderr, "lwm2m-fleet: shard %u failed\n", i);
			rc = -1;
		}
		if (ch[i].final)
			fleet_stats_merge(total, ch[i].final);
		free(ch[i].final);
	}
	close(sfd);
	free(ch);
	return rc;
}

int main(int argc, char **argv)
{
	struct fleet_cfg cfg = {0};
	if (parse_args(&cfg, argc, argv))
		return 2;
	if (cfg.print_creds) {
		/* One line per device: the endpoint and the body of its
		 * PUT /api/v1/security/{ep}. */
		char json[2048], ep[96];
		for (uint32_t i = 1; i <= cfg.count; i++) {
			fleet_endpoint(&cfg, i, ep, sizeof(ep));
			if (fleet_credential_json(&cfg, i, json, sizeof(json))) {
				fprintf(stderr, "lwm2m-fleet: no credential for %s\n", ep);
				return 1;
			}
			printf("%s %s\n", ep, json);
		}
		return fflush(stdout) ? 1 : 0;
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);

	lw_model *model = lw_model_new();
	struct lwc_objects *tree = calloc(1, sizeof(*tree));
	if (!model || !tree || lw_model_add_builtin(model) ||
	    lwc_objects_init(tree, model, cfg.uri, "", cfg.lifetime, "U")) {
		fprintf(stderr, "lwm2m-fleet: cannot build the object tree\n");
		return 1;
	}
	struct fleet_shard proto = {
		.cfg = &cfg,
		.model = model,
		.tree = tree,
		.tree_mask = 1,
		.report_fd = -1,
		.first = 1,
		.n = cfg.count,
		.rate = cfg.rate,
	};
	unsigned nshards = (cfg.count + cfg.shard_size - 1) / cfg.shard_size;
	struct fleet_stats *total = calloc(1, sizeof(*total));
	if (!total)
		return 1;
	double t0 = mono_s();
	int rc;
	if (nshards <= 1) {
		struct fleet_shard *s = malloc(sizeof(*s));
		if (!s)
			return 1;
		*s = proto;
		rc = fleet_shard_run(s);
		s->stats.c.rss_kb = peak_rss_kb();
		*total = s->stats;
		free(s);
	} else {
		fprintf(stderr, "lwm2m-fleet: %u devices in %u shard processes\n", cfg.count, nshards);
		rc = run_sharded(&cfg, &proto, nshards, total);
		total->c.rss_kb += peak_rss_kb();
	}
	double elapsed = mono_s() - t0;
	double rss_mb = (double)total->c.rss_kb / 1024.0;
	fleet_print_summary(&cfg, elapsed, total->c.last_reg_s, total, rss_mb);
	if (cfg.json && fleet_write_json(&cfg, cfg.json, elapsed, total->c.last_reg_s, total, rss_mb)) {
		fprintf(stderr, "lwm2m-fleet: cannot write %s: %s\n", cfg.json, strerror(errno));
		rc = -1;
	}
	free(total);
	free(tree);
	lw_model_free(model);
	return rc ? 1 : 0;
}
