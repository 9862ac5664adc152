/*
 * The contract between qrew-supervise and the process that starts it (Swift side:
 * Sources/QrewProcess/SupervisorProtocol.swift and Spawner.swift; change both together).
 *
 * It is started once per starter process, with no arguments, fd 3 a SOCK_SEQPACKET socket to
 * the starter and fd 2 the starter's stderr. EOF on the socket means the starter is gone,
 * however it went (the kernel closes the socket of a SIGKILLed process): every command still
 * running, and everything they started, is SIGKILLed, and qrew-supervise exits.
 *
 * A request is one message: a `struct request` and, as SCM_RIGHTS, exactly REQUEST_FDS fds:
 *   stdout, stderr   the command's (its stdin is /dev/null)
 *   report           write end of a pipe the starter reads: a sequence of `struct report`, then
 *                    EOF once the command has been reaped
 *   payload          a stream holding the command, then shut down: NUL-terminated strings
 *                    argc, envc (decimal), cwd ("" keeps qrew-supervise's), path, argv[0..argc),
 *                    env[0..envc)
 */
#ifndef QREW_SUPERVISE_PROTOCOL_H
#define QREW_SUPERVISE_PROTOCOL_H

#include <stdint.h>

enum {
    REQUEST_SOCKET_FD = 3,
    REQUEST_VERSION = 1,
    REQUEST_FDS = 4,
};

/* Positions in a request's descriptors. */
enum {
    REQUEST_STDOUT = 0,
    REQUEST_STDERR = 1,
    REQUEST_REPORT = 2,
    REQUEST_PAYLOAD = 3,
};

/* The data part of a request message. */
struct request {
    int32_t version;
};

enum report_kind {
    REPORT_STARTED = 1,      /* value: the command's pid (also its process group id) */
    REPORT_EXEC_FAILED = 2,  /* value: errno of execve */
    REPORT_SETUP_FAILED = 3, /* value: errno of the read, fork or allocation that failed */
    REPORT_EXITED = 4,       /* value: the command's raw waitpid status */
    REPORT_CHDIR_FAILED = 5, /* value: errno of chdir to the requested cwd */
};

/* Native byte order: both ends run on the same machine. */
struct report {
    int32_t kind;
    int32_t value;
};

#endif
