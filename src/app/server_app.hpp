// `badgeserver serve`: wires configuration, storage, keys, domain services and the HTTP server.
#pragma once

#include <functional>
#include <vector>

#include "app/config.hpp"
#include "http/router.hpp"

namespace bs::app {

// Receives the routes once they are registered, instead of serving them (`badgeserver routes`).
using RouteListener = std::function<void(const std::vector<http::Router::RouteInfo>&)>;

// Runs until SIGTERM/SIGINT; returns the process exit code. With list_routes, wires everything exactly as
// for serving, hands the registered routes to it and returns 0 without listening.
int run_server(const Config& config, const RouteListener& list_routes = {});

}  // namespace bs::app
