/*
 * The commands qrew-supervise has started: each one's pid (= process group) and the report pipe
 * that gets its exit status. qrew-supervise is a child subreaper, so whatever a command starts
 * and orphans, in whatever process group or session, is re-parented to it: reaped here as soon
 * as it ends (no zombie waits for a lazy init), and within reach when everything must die.
 */
#define _GNU_SOURCE
#include "tasks.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "descendants.h"
#include "protocol.h"

struct task {
    pid_t pid;
    int report_fd;
};

static struct task *tasks = NULL;
static size_t task_count = 0, task_capacity = 0;

int tasks_add(pid_t pid, int report_fd) {
    if (task_count == task_capacity) {
        size_t capacity = task_capacity == 0 ? 16 : task_capacity * 2;
        struct task *grown = realloc(tasks, capacity * sizeof *tasks);
        if (grown == NULL) return -1;
        tasks = grown;
        task_capacity = capacity;
    }
    tasks[task_count++] = (struct task){pid, report_fd};
    return 0;
}

/* Reports a reaped command's status, closes its report pipe (EOF: nothing more will come)
 * and forgets it; anything else reaped is an orphan and needs nothing. */
static void finish(pid_t reaped, int status) {
    for (size_t i = 0; i < task_count; i++) {
        if (tasks[i].pid != reaped) continue;
        struct report message = {REPORT_EXITED, status};
        ssize_t written;
        do {
            written = write(tasks[i].report_fd, &message, sizeof message);
        } while (written < 0 && errno == EINTR);
        close(tasks[i].report_fd);
        tasks[i] = tasks[--task_count];
        return;
    }
}

void tasks_reap(void) {
    int status;
    pid_t reaped;
    while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) finish(reaped, status);
}

void tasks_kill_everything(void) {
    for (size_t i = 0; i < task_count; i++) kill(-tasks[i].pid, SIGKILL);
    /* Then every other descendant, generation by generation: each killed process's children
     * are re-parented here before it can be reaped, so the next scan finds them. */
    for (;;) {
        int status;
        if (kill_children_of(getpid()) < 0) {
            /* No /proc: only the groups were reachable; reap what ends, wait for nothing else. */
            tasks_reap();
            return;
        }
        pid_t reaped = waitpid(-1, &status, 0);
        if (reaped < 0) {
            if (errno == EINTR) continue;
            return; /* ECHILD: nothing left */
        }
        finish(reaped, status);
        tasks_reap();
    }
}
