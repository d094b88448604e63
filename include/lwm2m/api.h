/*
 * lwm2m/api.h: the visibility macro of the plugin ABI.
 *
 * The daemon is built with -fvisibility=hidden and exports only what is marked
 * LW_API, so a plugin can link against nothing but the functions declared in
 * include/lwm2m/. A plugin marks its one entry symbol the same way.
 */
#ifndef LWM2M_API_H
#define LWM2M_API_H

#define LW_API __attribute__((visibility("default")))

#if defined(__GNUC__)
#define LW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LW_PRINTF(fmt, args)
#endif

#endif
