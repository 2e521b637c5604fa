/* The version of vx86, as -version prints it and state files record their writer. */
#ifndef VX86_VERSION_H
#define VX86_VERSION_H

#define VX86_VERSION "0.3"

#endif
