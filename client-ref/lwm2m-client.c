/*
 * client-ref/lwm2m-client.c: the lwm2m-client command (API.md): parses the
 * options, runs the reference client (lwclient.h) until SIGINT or SIGTERM,
 * and exits 0 once it has deregistered. Exit 2 means a usage error or an
 * option this build does not support yet.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwclient.h"

static struct lwc_client *client;

static void on_signal(int sig)
{
	(void)sig;
	if (client)
		lwc_client_stop(client);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: lwm2m-client -u coap://HOST:PORT -n ENDPOINT [options]\n"
	        "  -u, --server URI        LwM2M server (default coap://127.0.0.1:5683)\n"
	        "  -n, --endpoint NAME     endpoint client name (required)\n"
	        "  -l, --lifetime SECONDS  registration lifetime (default 300)\n"
	        "  -v, --lwm2m-version V   1.0, 1.1 or 1.2 (default 1.1)\n"
	        "  -f, --format NAME       preferred format: senml-cbor, senml-json, lwm2m-cbor,\n"
	        "                          tlv, json, text, opaque (default senml-cbor; tlv for 1.0)\n"
	        "  -q, --queue             queue mode: sleep between updates\n"
	        "      --awake SECONDS     queue mode: stay awake this long after traffic (10)\n"
	        "      --send-interval S   Send the temperature every S seconds (1.1+)\n"
	        "      --listen-port PORT  also answer any peer on 127.0.0.1:PORT\n"
	        "  -m, --model PATH        DDF file or folder of more objects (e.g. 19)\n"
	        "  -b, --bootstrap         bootstrap first (not yet supported)\n"
	        "  -i, --identity ID       PSK identity (not yet supported)\n"
	        "  -k, --key HEX           PSK key (not yet supported)\n"
	        "  -V, --verbose           libcoap's own log on stderr\n"
	        "  -h, --help\n");
}

static int to_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_AWAKE = 256, OPT_SEND, OPT_LISTEN };
	static const struct option opts[] = {
		{"server", required_argument, NULL, 'u'},
		{"endpoint", required_argument, NULL, 'n'},
		{"lifetime", required_argument, NULL, 'l'},
		{"lwm2m-version", required_argument, NULL, 'v'},
		{"format", required_argument, NULL, 'f'},
		{"queue", no_argument, NULL, 'q'},
		{"awake", required_argument, NULL, OPT_AWAKE},
		{"send-interval", required_argument, NULL, OPT_SEND},
		{"listen-port", required_argument, NULL, OPT_LISTEN},
		{"model", required_argument, NULL, 'm'},
		{"bootstrap", no_argument, NULL, 'b'},
		{"identity", required_argument, NULL, 'i'},
		{"key", required_argument, NULL, 'k'},
		{"verbose", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct lwc_config cfg = {
		.server_uri = "coap://127.0.0.1:5683",
		.lifetime = 300,
		.version = "1.1",
		.awake_s = 10,
	};
	const char *unsupported = NULL;
	int ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "u:n:l:v:f:m:qbi:k:Vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': cfg.server_uri = optarg; break;
		case 'n': cfg.endpoint = optarg; break;
		case 'l': bad |= to_int(optarg, 1, 86400 * 365, &cfg.lifetime); break;
		case 'v':
			if (strcmp(optarg, "1.0") && strcmp(optarg, "1.1") && strcmp(optarg, "1.2"))
				bad = 1;
			cfg.version = optarg;
			break;
		case 'f': cfg.format = optarg; break;
		case 'm': cfg.model = optarg; break;
		case 'q': cfg.queue_mode = true; break;
		case OPT_AWAKE: bad |= to_int(optarg, 1, 86400, &cfg.awake_s); break;
		case OPT_SEND: bad |= to_int(optarg, 1, 86400, &cfg.send_interval); break;
		case OPT_LISTEN: bad |= to_int(optarg, 1, 65535, &cfg.listen_port); break;
		case 'b': unsupported = "bootstrap (-b)"; break;
		case 'i':
		case 'k': unsupported = "PSK security (-i/-k)"; break;
		case 'V': cfg.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (bad || optind != argc || !cfg.endpoint || !*cfg.endpoint) {
		fprintf(stderr, "lwm2m-client: %s\n",
		        !cfg.endpoint ? "an endpoint name (-n) is required" : "bad arguments");
		usage(stderr);
		return 2;
	}
	if (unsupported) {
		fprintf(stderr, "lwm2m-client: %s: not yet supported\n", unsupported);
		return 2;
	}
	if (cfg.format && !lwc_codec_by_name(cfg.format)) {
		fprintf(stderr, "lwm2m-client: unknown format '%s'\n", cfg.format);
		return 2;
	}

	client = lwc_client_new(&cfg);
	if (!client) {
		fprintf(stderr, "lwm2m-client: cannot start\n");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int rc = lwc_client_run(client);
	lwc_client_free(client);
	client = NULL;
	return rc ? 1 : 0;
}
