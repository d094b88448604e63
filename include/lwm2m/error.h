/*
 * lwm2m/error.h: status codes shared by the core and every plugin.
 *
 * Every function of the plugin ABI that can fail returns an int: 0 (LW_OK) on
 * success or one of the negative LW_E* codes below. lw_strerror() turns a code
 * into a short constant English phrase (never NULL, never to be freed).
 */
#ifndef LWM2M_ERROR_H
#define LWM2M_ERROR_H

#include "lwm2m/api.h"

enum lw_status {
	LW_OK = 0,
	LW_EINVAL = -1,     /* bad argument or malformed input */
	LW_ENOMEM = -2,     /* out of memory */
	LW_ENOENT = -3,     /* no such thing (file, key, resource, peer) */
	LW_EEXIST = -4,     /* already exists (duplicate name, key) */
	LW_EIO = -5,        /* operating system or network I/O failed */
	LW_ETIMEDOUT = -6,  /* no answer in time */
	LW_ECANCELED = -7,  /* cancelled before it finished */
	LW_EABI = -8,       /* plugin built for another ABI version */
	LW_ERANGE = -9,     /* value out of its allowed range */
	LW_ENOSPC = -10,    /* a bounded queue or table is full */
	LW_ENOTSUP = -11,   /* not supported by this build or this peer */
	LW_EPROTO = -12,    /* protocol violation by the peer (RST, bad format) */
	LW_EAGAIN = -13,    /* try again later (back-pressure) */
};

/* A constant phrase for a status code. */
LW_API const char *lw_strerror(int status);

#endif
