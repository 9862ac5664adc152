/*
 * Starting a requested command: it becomes leader of a new process group (so its starter can
 * signal the whole group), with default signal dispositions, an empty mask, stdin on /dev/null
 * and only fds 0-2 open, exactly as if its starter had spawned it itself. It also gets SIGKILL
 * as parent-death signal: should qrew-supervise itself be killed, the command does not outlive
 * it (what the command started is then beyond reach; qrew-supervise is small and never killed
 * on purpose).
 */
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* The command as the payload describes it; pointers into the payload buffer. */
struct command_line {
    const char *cwd;
    const char *path;
    char **argv;
    char **envp;
};

/* Set by the vfork child when it fails; read by qrew-supervise once the child is gone. */
static volatile int child_failure_kind = 0;
static volatile int child_failure_errno = 0;

/* Reads the payload to EOF; NULL (errno set) on failure. The caller frees it. */
static char *read_payload(int fd, size_t *length) {
    size_t capacity = 4096, used = 0;
    char *buffer = malloc(capacity);
    if (buffer == NULL) return NULL;
    for (;;) {
        if (used == capacity) {
            char *grown = realloc(buffer, capacity * 2);
            if (grown == NULL) {
                free(buffer);
                return NULL;
            }
            buffer = grown;
            capacity *= 2;
        }
        ssize_t n = read(fd, buffer + used, capacity - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int code = errno;
            free(buffer);
            errno = code;
            return NULL;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    *length = used;
    return buffer;
}

/* The next NUL-terminated string at `*offset`, advancing it; NULL when none is left. */
static char *next_string(char *payload, size_t length, size_t *offset) {
    if (*offset >= length) return NULL;
    char *start = payload + *offset;
    char *end = memchr(start, '\0', length - *offset);
    if (end == NULL) return NULL;
    *offset = (size_t)(end - payload) + 1;
    return start;
}

/* Splits the payload into `command` (arrays allocated); 0, or -1 when it is malformed. */
static int parse_payload(char *payload, size_t length, struct command_line *command) {
    size_t offset = 0;
    char *argc_text = next_string(payload, length, &offset);
    char *envc_text = next_string(payload, length, &offset);
    command->cwd = next_string(payload, length, &offset);
    command->path = next_string(payload, length, &offset);
    if (argc_text == NULL || envc_text == NULL || command->cwd == NULL || command->path == NULL) return -1;
    long argc = strtol(argc_text, NULL, 10), envc = strtol(envc_text, NULL, 10);
    if (argc < 1 || envc < 0 || argc > (long)length || envc > (long)length) return -1;
    command->argv = calloc((size_t)argc + 1, sizeof(char *));
    command->envp = calloc((size_t)envc + 1, sizeof(char *));
    if (command->argv == NULL || command->envp == NULL) return -1;
    for (long i = 0; i < argc; i++) {
        if ((command->argv[i] = next_string(payload, length, &offset)) == NULL) return -1;
    }
    for (long i = 0; i < envc; i++) {
        if ((command->envp[i] = next_string(payload, length, &offset)) == NULL) return -1;
    }
    return 0;
}

static void __attribute__((noreturn)) fail_in_child(int kind) {
    child_failure_errno = errno;
    child_failure_kind = kind;
    _exit(127);
}

/* In the vfork child: only system calls, as it borrows qrew-supervise's memory until it execs. */
static void __attribute__((noreturn)) exec_command(const struct command_line *command, const int fds[REQUEST_FDS], int null_fd, pid_t parent) {
    /* The sources are >= 4 (0-3 are qrew-supervise's own), so no dup2 overwrites another. */
    if (dup2(null_fd, 0) < 0 || dup2(fds[REQUEST_STDOUT], 1) < 0 || dup2(fds[REQUEST_STDERR], 2) < 0) {
        fail_in_child(REPORT_SETUP_FAILED);
    }
    setpgid(0, 0);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* qrew-supervise died before the line above: do not run unwatched. */
    if (getppid() != parent) _exit(127);
#else
    (void)parent;
#endif
    if (command->cwd[0] != '\0' && chdir(command->cwd) != 0) fail_in_child(REPORT_CHDIR_FAILED);
    struct sigaction defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    sigemptyset(&defaults.sa_mask);
    for (int s = 1; s < NSIG; s++) sigaction(s, &defaults, NULL); /* KILL, STOP, libc's own: EINVAL */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(command->path, command->argv, command->envp);
    fail_in_child(REPORT_EXEC_FAILED);
}

/* vfork, as posix_spawn does: qrew-supervise resumes once the command has exec'd (or failed
 * to), without copying page tables or waiting on a pipe. A function of its own, so that no
 * local of the caller lives across vfork (the child shares the stack). */
static pid_t __attribute__((noinline)) start_child(const struct command_line *command, const int fds[REQUEST_FDS], int null_fd, pid_t parent) {
#ifdef __linux__
    pid_t pid = vfork();
#else
    pid_t pid = fork();
#endif
    if (pid == 0) exec_command(command, fds, null_fd, parent);
    return pid;
}

pid_t launch_command(const int fds[REQUEST_FDS], int null_fd, struct report *failure) {
    size_t length = 0;
    char *payload = read_payload(fds[REQUEST_PAYLOAD], &length);
    if (payload == NULL) {
        *failure = (struct report){REPORT_SETUP_FAILED, errno};
        return -1;
    }
    struct command_line command = {0};
    pid_t pid = -1;
    if (parse_payload(payload, length, &command) != 0) {
        *failure = (struct report){REPORT_SETUP_FAILED, EPROTO};
        goto done;
    }
    child_failure_kind = 0;
    child_failure_errno = 0;
    /* Every signal blocked across vfork: no handler of ours may run in the child. */
    sigset_t all, previous;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &previous);
    pid = start_child(&command, fds, null_fd, getpid());
    int fork_errno = errno;
    if (pid > 0) setpgid(pid, pid); /* also here: the group exists before anyone signals it */
    sigprocmask(SIG_SETMASK, &previous, NULL);
    if (pid < 0) {
        *failure = (struct report){REPORT_SETUP_FAILED, fork_errno};
    } else if (child_failure_kind != 0) {
        /* The child has exited; its zombie is reaped (and ignored) with the other children. */
        *failure = (struct report){child_failure_kind, child_failure_errno};
        pid = -1;
    }
done:
    free(command.argv);
    free(command.envp);
    free(payload);
    return pid;
}
