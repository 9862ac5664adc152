/* Descriptor and process housekeeping for qrew-supervise (see descendants.c). */
#ifndef QREW_SUPERVISE_DESCENDANTS_H
#define QREW_SUPERVISE_DESCENDANTS_H

#include <sys/types.h>

/* SIGKILLs every live process whose parent is `parent`; returns how many, or -1 when /proc
 * cannot be read. */
int kill_children_of(pid_t parent);

/* Closes every descriptor from `lowest` up. */
void close_descriptors_from(int lowest);

#endif
