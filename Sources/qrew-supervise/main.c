/*
 * qrew-supervise: starts commands for one process (its starter: a worker, qctl dev) so that
 * they, and everything they start, die with it, even when it is SIGKILLed (the OOM killer) and
 * has no chance to clean up. Protocol: protocol.h.
 *
 * Why a separate process: posix_spawn has no hook between fork and exec, PR_SET_PDEATHSIG fires
 * when the spawning *thread* exits (Swift's pool threads come and go) and reaches only the
 * direct child, never a task's grandchildren. This process instead watches its request socket,
 * which the kernel closes when the starter dies however it dies; it is a child subreaper, so
 * the commands' orphans stay its children; then it SIGKILLs every command's process group and
 * every descendant (tasks.c).
 *
 * Why one long-lived process that starts every command, rather than a supervisor executable per
 * command: an exec costs as much as the task's own (SwiftPM even links C executables against
 * the Swift runtime, milliseconds to load), while a vfork from this small process costs what
 * posix_spawn from the starter did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "descendants.h"
#include "launch.h"
#include "protocol.h"
#include "tasks.h"

/* Signal handlers write a byte here so poll() wakes (the self-pipe trick; ppoll is not portable). */
static int wake_pipe[2] = {-1, -1};
/* Set by SIGTERM, SIGINT, SIGHUP or SIGQUIT: stop as if the starter were gone. */
static volatile sig_atomic_t told_to_stop = 0;

static void wake(void) {
    int saved = errno;
    char byte = 0;
    (void)!write(wake_pipe[1], &byte, 1);
    errno = saved;
}

static void on_child(int signal_number) {
    (void)signal_number;
    wake();
}

static void on_stop(int signal_number) {
    (void)signal_number;
    told_to_stop = 1;
    wake();
}

static void install(int signal_number, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigfillset(&action.sa_mask);
    sigaction(signal_number, &action, NULL);
}

static void send_report(int fd, struct report message) {
    ssize_t written;
    do {
        written = write(fd, &message, sizeof message);
    } while (written < 0 && errno == EINTR);
}

static void close_all(const int *fds, int count) {
    for (int i = 0; i < count; i++) close(fds[i]);
}

/* Receives one request into `fds`: 1 when there is one, 0 when the starter is gone, -1 when
 * the message was not a request (whatever it carried is closed). */
static int receive(int fds[REQUEST_FDS]) {
    struct request request;
    union {
        char buffer[CMSG_SPACE(sizeof(int) * REQUEST_FDS)];
        struct cmsghdr align;
    } control;
    struct iovec data = {.iov_base = &request, .iov_len = sizeof request};
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.buffer;
    message.msg_controllen = sizeof control.buffer;

    ssize_t n = recvmsg(REQUEST_SOCKET_FD, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) return errno == EINTR || errno == EAGAIN ? -1 : 0;
    if (n == 0) return 0;

    int received = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *passed = (int *)(void *)CMSG_DATA(header);
        for (int i = 0; i < count; i++) {
            if (received < REQUEST_FDS) fds[received++] = passed[i];
            else close(passed[i]);
        }
    }
    if (received != REQUEST_FDS || n != (ssize_t)sizeof request || (message.msg_flags & MSG_CTRUNC)) {
        fprintf(stderr, "qrew-supervise: ignoring a malformed request (%d descriptors, %zd bytes)\n", received, n);
        close_all(fds, received);
        return -1;
    }
    if (request.version != REQUEST_VERSION) {
        send_report(fds[REQUEST_REPORT], (struct report){REPORT_SETUP_FAILED, EPROTO});
        close_all(fds, received);
        return -1;
    }
    return 1;
}

/* Starts the request's command; keeps only its report pipe, to tell its end on. */
static void serve(const int fds[REQUEST_FDS], int null_fd) {
    struct report failure;
    pid_t pid = launch_command(fds, null_fd, &failure);
    if (pid > 0 && tasks_add(pid, fds[REQUEST_REPORT]) != 0) {
        kill(pid, SIGKILL);
        pid = -1;
        failure = (struct report){REPORT_SETUP_FAILED, ENOMEM};
    }
    if (pid > 0) {
        send_report(fds[REQUEST_REPORT], (struct report){REPORT_STARTED, pid});
    } else {
        send_report(fds[REQUEST_REPORT], failure);
        close(fds[REQUEST_REPORT]);
    }
    close(fds[REQUEST_STDOUT]);
    close(fds[REQUEST_STDERR]);
    close(fds[REQUEST_PAYLOAD]);
}

int main(int argc, char *argv[]) {
    (void)argv;
    int type = 0;
    socklen_t size = sizeof type;
    if (argc != 1 || getsockopt(REQUEST_SOCKET_FD, SOL_SOCKET, SO_TYPE, &type, &size) != 0 || type != SOCK_SEQPACKET) {
        fprintf(stderr, "qrew-supervise takes no arguments: qrew-worker and qctl dev start it with a request socket "
                        "on fd 3 (see Sources/qrew-supervise/protocol.h); it is not run by hand\n");
        return 2;
    }
    close_descriptors_from(REQUEST_SOCKET_FD + 1);
    fcntl(REQUEST_SOCKET_FD, F_SETFD, FD_CLOEXEC);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("qrew-supervise: setting up");
        return 1;
    }
#ifdef __linux__
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
    signal(SIGPIPE, SIG_IGN); /* a starter that stopped reading a report pipe is no reason to die */
    install(SIGCHLD, on_child);
    const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) install(stop_signals[i], on_stop);

    for (;;) {
        struct pollfd watched[2] = {
            {.fd = REQUEST_SOCKET_FD, .events = POLLIN},
            {.fd = wake_pipe[0], .events = POLLIN},
        };
        if (poll(watched, 2, -1) < 0 && errno != EINTR) {
            perror("qrew-supervise: poll");
            break; /* cannot watch the starter: fail safe */
        }
        if (watched[1].revents) {
            char drain[64];
            while (read(wake_pipe[0], drain, sizeof drain) > 0) {}
            tasks_reap();
        }
        if (told_to_stop) break;
        if (watched[0].revents & POLLIN) {
            int fds[REQUEST_FDS];
            int got = receive(fds);
            if (got == 0) break;
            if (got == 1) serve(fds, null_fd);
        } else if (watched[0].revents) {
            break; /* hang-up without data: the starter is gone */
        }
    }
    tasks_kill_everything();
    return 0;
}
