// Scope strings (oauth/scopes.cpp parse_scope, RFC 6749 §3.3) as clients register and request them.
// Invariants: errors are invalid_scope; an accepted scope is a duplicate-free list of supported
// scopes in the order given, which joined and parsed again gives itself, and which is a subset of
// the supported scopes.
#include <algorithm>
#include <cstdint>

#include "common/text.hpp"
#include "fuzz_support.hpp"
#include "oauth/scopes.hpp"

namespace {

using bs::ErrorCode;
using bs::fuzz::require;
using bs::fuzz::require_error;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = bs::fuzz::as_text(data, size);
  auto scope = bs::oauth::parse_scope(input);
  if (!scope) {
    require_error(scope.error(), ErrorCode::invalid_scope);
    return 0;
  }
  for (unsigned char c : input)
    require(c >= 0x20 && c <= 0x7e && c != '"' && c != '\\', "accepted a bad character");
  std::vector<std::string> seen;
  for (const auto& s : *scope) {
    require(bs::oauth::is_supported_scope(s), "accepted an unknown scope");
    require(std::find(seen.begin(), seen.end(), s) == seen.end(), "a scope appears twice");
    require(input.find(s) != std::string_view::npos, "a scope that was not asked for");
    seen.push_back(s);
  }
  for (const auto& word : bs::split_spaces(input))
    require(std::find(seen.begin(), seen.end(), word) != seen.end(), "a requested scope was dropped");
  auto again = bs::oauth::parse_scope(bs::join(*scope, " "));
  require(again && *again == *scope, "joined scope parses differently");
  require(bs::oauth::scope_subset(*scope, bs::oauth::supported_scopes()),
          "not a subset of the supported scopes");
  require(bs::oauth::scope_subset(*scope, *scope), "scope_subset is not reflexive");
  return 0;
}
