// Repository functions of the Open Badges 3.0 host (migrations/*/0004_open_badges_host.sql): users'
// credential stores and profiles. Same conventions as repositories.hpp (Executor, Result<bool> for
// changes by key, conflict for a duplicate key). JSON travels as text; the caller parses it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/repositories.hpp"

namespace bs::store {

struct ObCredentialRow {
  std::string owner_user_id;
  std::string issuer_id;
  std::string credential_id;
  std::string credential;  // JSON
  std::optional<std::string> compact_jws;
  std::int64_t valid_from = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct ObProfileRow {
  std::string user_id;
  std::string profile;  // JSON
  std::int64_t updated_at = 0;
};

// --- credentials -------------------------------------------------------------------------------
// Inserts unless the key exists; false (no error) when it does, so a racing insert never aborts the
// caller's PostgreSQL transaction.
Result<bool> insert_ob_credential_if_absent(Executor ex, const ObCredentialRow& row);
// Replaces credential, compact_jws, valid_from and updated_at of the row with the same key only when
// row.valid_from is strictly newer than the stored one; false otherwise.
Result<bool> replace_ob_credential_if_newer(Executor ex, const ObCredentialRow& row);
Result<std::optional<ObCredentialRow>> find_ob_credential(Executor ex, std::string_view owner_user_id,
                                                          std::string_view issuer_id,
                                                          std::string_view credential_id);
// The owner's credentials with valid_from > since (all when nullopt), ordered by valid_from, issuer_id,
// credential_id; `limit` rows from `offset`, and how many match in all. One statement (the total is a
// scalar subquery over the same rows), so one round trip and one snapshot; only a page past the end
// needs a second statement to count. limit 1..kMaxPageLimit, offset >= 0 (invalid_request).
struct ObCredentialPage {
  std::vector<ObCredentialRow> rows;
  std::int64_t total = 0;
};
Result<ObCredentialPage> list_ob_credentials(Executor ex, std::string_view owner_user_id,
                                             std::optional<std::int64_t> since, std::int64_t limit,
                                             std::int64_t offset);
// The same page from a network thread without waiting (Database::query_async): done runs later on
// this thread. false when the read cannot be sent from here (then it is done on a worker).
bool list_ob_credentials_async(Database& db, std::string_view owner_user_id,
                               std::optional<std::int64_t> since, std::int64_t limit, std::int64_t offset,
                               std::function<void(Result<ObCredentialPage>)> done);

// --- profiles ----------------------------------------------------------------------------------
// Inserts or replaces the user's profile.
Status upsert_ob_profile(Executor ex, const ObProfileRow& row);
Result<std::optional<ObProfileRow>> find_ob_profile(Executor ex, std::string_view user_id);

}  // namespace bs::store
