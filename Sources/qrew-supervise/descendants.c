/*
 * qrew-supervise is a child subreaper: every process a command starts and then orphans is
 * re-parented to it, whatever process group or session it moved to. So "everything the tasks
 * started" is "every process whose parent is qrew-supervise", generation by generation as each
 * killed one's children are re-parented in turn. Linux has no call listing a process's children
 * on every kernel (/proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN), so /proc is scanned;
 * this runs only when the starter is gone, never on a task's normal path.
 */
#define _GNU_SOURCE
#include "descendants.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

/* Reads the state and parent of `pid` from /proc/PID/stat; 0 on success. */
static int read_stat(const char *pid, char *state, pid_t *parent) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buffer[512];
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return -1;
    buffer[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ')' ends it. */
    char *end = strrchr(buffer, ')');
    int ppid;
    if (end == NULL || sscanf(end + 1, " %c %d", state, &ppid) != 2) return -1;
    *parent = (pid_t)ppid;
    return 0;
}

int kill_children_of(pid_t parent) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) return -1;
    int killed = 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        char state;
        pid_t ppid;
        if (read_stat(entry->d_name, &state, &ppid) != 0 || ppid != parent) continue;
        if (state == 'Z' || state == 'X') continue; /* already dead, waiting to be reaped */
        if (kill((pid_t)atoi(entry->d_name), SIGKILL) == 0) killed++;
    }
    closedir(proc);
    return killed;
}

void close_descriptors_from(int lowest) {
#if defined(__linux__) && defined(SYS_close_range)
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
#endif
    /* Older kernels: close what /dev/fd lists (reading the directory opens one more fd). */
    DIR *open_fds = opendir("/dev/fd");
    if (open_fds == NULL) return;
    int own = dirfd(open_fds);
    struct dirent *entry;
    while ((entry = readdir(open_fds)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        int fd = atoi(entry->d_name);
        if (fd >= lowest && fd != own) close(fd);
    }
    closedir(open_fds);
}
