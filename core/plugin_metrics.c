/*
 * plugin_metrics.c: the counters and gauges plugins publish
 * (lwm2m/metrics.h), written after the daemon's own at GET /metrics.
 */
#include "plugin_loop.h"

#include <stdlib.h>
#include <string.h>

#include "lwm2m/metrics.h"

struct lw_metric {
	const lw_plugin *owner;
	int type;
	double value;
	char *name, *help;
	struct lw_metric *next;
};

static struct lw_metric *metrics; /* in creation order */

static int valid_name(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

lw_metric *lw_metric_new(lw_plugin *self, int type, const char *name, const char *help)
{
	if (!self || (type != LW_METRIC_COUNTER && type != LW_METRIC_GAUGE) || !valid_name(name))
		return NULL;
	struct lw_metric **tail = &metrics;
	for (; *tail; tail = &(*tail)->next)
		if (strcmp((*tail)->name, name) == 0)
			return NULL;
	struct lw_metric *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->owner = self;
	m->type = type;
	m->name = strdup(name);
	/* Help text is one line in the exposition format. */
	m->help = strdup(help ? help : "");
	if (!m->name || !m->help) {
		free(m->name);
		free(m->help);
		free(m);
		return NULL;
	}
	for (char *c = m->help; *c; c++)
		if (*c == '\n' || *c == '\\')
			*c = ' ';
	*tail = m;
	return m;
}

void lw_metric_add(lw_metric *m, double v)
{
	if (m)
		m->value += v;
}

void lw_metric_set(lw_metric *m, double v)
{
	if (m)
		m->value = v;
}

void lw_plugin_metrics_write(FILE *f)
{
	for (const struct lw_metric *m = metrics; m; m = m->next)
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", m->name, m->help, m->name,
		        m->type == LW_METRIC_COUNTER ? "counter" : "gauge", m->name, m->value);
}

void lw_plugin_metrics_release(const lw_plugin *owner)
{
	for (struct lw_metric **p = &metrics; *p;) {
		struct lw_metric *m = *p;
		if (m->owner != owner) {
			p = &m->next;
			continue;
		}
		*p = m->next;
		free(m->name);
		free(m->help);
		free(m);
	}
}
