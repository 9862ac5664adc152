/* Starting one requested command (see launch.c). */
#ifndef QREW_SUPERVISE_LAUNCH_H
#define QREW_SUPERVISE_LAUNCH_H

#include <sys/types.h>

#include "protocol.h"

/* Reads the request's payload and starts the command; its pid, or -1 with `report` filled in
 * with the failure to send back. `null_fd` is an open /dev/null for the command's stdin. */
pid_t launch_command(const int fds[REQUEST_FDS], int null_fd, struct report *failure);

#endif
