/* raftctl_snapshot.h - raftctl snapshot save FILE | inspect FILE
 * (client/raftctl_snapshot.c). */
#ifndef RAFTCTL_SNAPSHOT_H
#define RAFTCTL_SNAPSHOT_H

#include "client/raftctl.h"

int cmd_snapshot(struct cli *cli);

#endif
