#ifndef CSPAWNSUPPORT_H
#define CSPAWNSUPPORT_H
#include <spawn.h>

/// Adds "close every descriptor from `lowest` on" to `actions`, so that a spawned child inherits no
/// socket of ours (glibc's posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not
/// expose because it needs _GNU_SOURCE). Returns 0, or an errno value.
int cspawn_add_close_from(posix_spawn_file_actions_t *actions, int lowest);

#endif
