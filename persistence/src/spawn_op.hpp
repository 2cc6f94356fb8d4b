#pragma once
// Kept for the sources of this folder: the header is public (detail) so applications can use it.
#include <mink/persistence/detail/spawn_op.hpp>
