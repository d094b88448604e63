/* error.c: the one table of status phrases behind lw_strerror(). */

#include "lwm2m/error.h"

const char *lw_strerror(int status)
{
	switch (status) {
	case LW_OK: return "success";
	case LW_EINVAL: return "invalid argument or input";
	case LW_ENOMEM: return "out of memory";
	case LW_ENOENT: return "not found";
	case LW_EEXIST: return "already exists";
	case LW_EIO: return "I/O error";
	case LW_ETIMEDOUT: return "timed out";
	case LW_ECANCELED: return "cancelled";
	case LW_EABI: return "ABI version mismatch";
	case LW_ERANGE: return "out of range";
	case LW_ENOSPC: return "no space left (queue or table full)";
	case LW_ENOTSUP: return "not supported";
	case LW_EPROTO: return "protocol error";
	case LW_EAGAIN: return "try again later";
	}
	return "unknown error";
}
