#ifndef QREW_CHIREDIS_SHIM_H
#define QREW_CHIREDIS_SHIM_H
#include <sys/time.h>
#include <hiredis/hiredis.h>
#endif
