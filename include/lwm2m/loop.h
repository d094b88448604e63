/*
 * lwm2m/loop.h: file-descriptor watches and timers on the daemon's loop, for
 * plugins that drive their own connections without a thread (libpq's
 * asynchronous API, an MQTT client's socket) and that retry with back-off.
 *
 * Threads: loop thread only; callbacks run on the loop thread and must not
 * block. Ownership: the plugin owns each watch and timer it creates and
 * frees it (before or in its fini); the daemon frees any left at unload.
 */
#ifndef LWM2M_LOOP_H
#define LWM2M_LOOP_H

#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/plugin.h"

#define LW_WATCH_READ 1u
#define LW_WATCH_WRITE 2u

typedef struct lw_watch lw_watch;
/* what: the LW_WATCH_* bits that are ready. */
typedef void (*lw_watch_cb)(int fd, unsigned what, void *ctx);

/*
 * Calls cb whenever fd is ready for one of the LW_WATCH_* bits in what,
 * until lw_watch_free(). NULL when out of memory or what is 0. The fd stays
 * the plugin's: freeing the watch does not close it.
 */
LW_API lw_watch *lw_watch_fd(lw_plugin *self, int fd, unsigned what, lw_watch_cb cb,
                             void *ctx);
/* Changes what is watched (0 pauses the watch). 0 or LW_EIO. */
LW_API int lw_watch_set(lw_watch *w, unsigned what);
LW_API void lw_watch_free(lw_watch *w);

typedef struct lw_ptimer lw_ptimer;
typedef void (*lw_ptimer_cb)(void *ctx);

/* A one-shot timer, not armed. NULL when out of memory. */
LW_API lw_ptimer *lw_ptimer_new(lw_plugin *self, lw_ptimer_cb cb, void *ctx);
/* Arms (or re-arms) the timer to fire once, ms milliseconds from now. */
LW_API int lw_ptimer_arm(lw_ptimer *t, uint64_t ms);
LW_API void lw_ptimer_cancel(lw_ptimer *t);
LW_API void lw_ptimer_free(lw_ptimer *t);

#endif
