/*
 * client-ref/lwm2m-client.c: the lwm2m-client command (API.md): parses the
 * options, runs the reference client (lwclient.h) until SIGINT or SIGTERM,
 * and exits 0 once it has deregistered. Exit 2 means a usage error, 1 a
 * start-up failure or giving up (--give-up).
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
	        "  -u, --server URI        LwM2M server: coap://, coaps:// (DTLS), coap+tcp://\n"
	        "                          or coaps+tcp:// (TLS, RFC 8323) (default\n"
	        "                          coap://127.0.0.1:5683); with -b the bootstrap server\n"
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
	        "  -b, --bootstrap         -u is the bootstrap server: bootstrap first\n"
	        "  -i, --identity ID       PSK identity (coaps://, coaps+tcp://)\n"
	        "  -k, --key HEX           PSK key in hex (coaps://, coaps+tcp://)\n"
	        "      --cert FILE         X.509: own certificate (PEM)\n"
	        "      --key FILE          with --cert: own private key (PEM; or --key-file)\n"
	        "      --ca FILE           X.509: CA certificates to check the server with\n"
	        "      --rpk-key FILE      raw public key: own EC private key (PEM)\n"
	        "      --server-key FILE   raw public key: the server's public key to pin (PEM)\n"
	        "      --give-up N         exit 1 after N failures in a row (default: never)\n"
	        "      --state FILE        keep the accounts a bootstrap provisioned here\n"
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
	enum {
		OPT_AWAKE = 256,
		OPT_SEND,
		OPT_LISTEN,
		OPT_CERT,
		OPT_KEYFILE,
		OPT_CA,
		OPT_RPK,
		OPT_SRVKEY,
		OPT_GIVEUP,
		OPT_STATE,
	};
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
		{"cert", required_argument, NULL, OPT_CERT},
		{"key-file", required_argument, NULL, OPT_KEYFILE},
		{"ca", required_argument, NULL, OPT_CA},
		{"rpk-key", required_argument, NULL, OPT_RPK},
		{"server-key", required_argument, NULL, OPT_SRVKEY},
		{"give-up", required_argument, NULL, OPT_GIVEUP},
		{"state", required_argument, NULL, OPT_STATE},
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
		case 'b': cfg.bootstrap = true; break;
		case 'i': cfg.psk_identity = optarg; break;
		case 'k': cfg.psk_key_hex = optarg; break;
		case OPT_CERT: cfg.cert_file = optarg; break;
		case OPT_KEYFILE: cfg.key_file = optarg; break;
		case OPT_CA: cfg.ca_file = optarg; break;
		case OPT_RPK: cfg.rpk_key_file = optarg; break;
		case OPT_SRVKEY: cfg.server_key_file = optarg; break;
		case OPT_GIVEUP: bad |= to_int(optarg, 1, 1000000, &cfg.give_up); break;
		case OPT_STATE: cfg.state_file = optarg; break;
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
	/* --key is the PSK's hex with -i, the private key's file with --cert. */
	if (cfg.cert_file && !cfg.key_file && cfg.psk_key_hex && !cfg.psk_identity) {
		cfg.key_file = cfg.psk_key_hex;
		cfg.psk_key_hex = NULL;
	}
	int kinds = (cfg.psk_identity || cfg.psk_key_hex) + (cfg.cert_file || cfg.key_file) +
	            (cfg.rpk_key_file != NULL);
	if (kinds > 1 || (cfg.ca_file && !cfg.cert_file) ||
	    (cfg.server_key_file && !cfg.rpk_key_file)) {
		fprintf(stderr, "lwm2m-client: one kind of credentials: -i/-k, --cert/--key-file[/--ca] "
		                "or --rpk-key[/--server-key]\n");
		return 2;
	}
	bool secure = !strncmp(cfg.server_uri, "coaps://", 8) ||
	              !strncmp(cfg.server_uri, "coaps+tcp://", 12);
	if (secure != (kinds == 1)) {
		fprintf(stderr, "lwm2m-client: %s\n",
		        secure ? "a coaps:// or coaps+tcp:// server needs credentials: -i/-k, "
		                 "--cert/--key or "
		                 "--rpk-key"
		               : "credentials need a coaps:// or coaps+tcp:// server");
		return 2;
	}
	if (cfg.state_file && !cfg.bootstrap) {
		fprintf(stderr, "lwm2m-client: --state keeps bootstrapped accounts: it needs -b\n");
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
