// `badgeserver serve`: wires configuration, storage, keys, domain services and the HTTP server.
#pragma once

#include "app/config.hpp"

namespace bs::app {

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_server(const Config& config);

}  // namespace bs::app
