/* The commands qrew-supervise has started and not yet reaped (see tasks.c). */
#ifndef QREW_SUPERVISE_TASKS_H
#define QREW_SUPERVISE_TASKS_H

#include <sys/types.h>

/* Remembers a started command and the report pipe to tell its end on; 0, or -1 without memory. */
int tasks_add(pid_t pid, int report_fd);

/* Reaps every child that has ended, reporting and forgetting the commands among them (the
 * others are orphans re-parented to qrew-supervise, its subreaper role). */
void tasks_reap(void);

/* SIGKILLs every command's process group, then every descendant, and reaps them all. */
void tasks_kill_everything(void);

#endif
