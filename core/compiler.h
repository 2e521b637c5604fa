/* Compiler attributes, with a plain fallback for compilers that lack them. */
#ifndef VX86_COMPILER_H
#define VX86_COMPILER_H

/* printf-style format checking. On MinGW, "printf" means Microsoft's formats (no %zu,
 * %llu); the build uses MinGW's own C99 stdio, whose formats are "gnu_printf". */
#if defined(__MINGW32__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#elif defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

#endif
