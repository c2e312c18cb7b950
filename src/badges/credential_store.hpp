// Each user's Open Badges credential store (the OB 3.0 "host" side): credentials the user upserted
// through /ims/ob/v3p0/credentials or that our issuer delivered to them. A credential is keyed by
// (owner, issuer id, credential id); a newer validFrom replaces the stored one, an older or equal one
// leaves it unchanged. Nothing is stored unless validate_credential() accepts it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "store/database.hpp"

namespace bs::badges {

enum class UpsertOutcome { created, replaced, unchanged };

struct StoredCredential {
  std::string owner_user_id;
  std::string issuer_id;                   // issuer.id (or issuer when it is a bare URI)
  std::string credential_id;               // the credential's id
  nlohmann::json credential;               // exactly as given
  std::optional<std::string> compact_jws;  // the VC-JWT it came from, when it came as one
  std::int64_t valid_from = 0;             // Unix seconds of validFrom
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;  // when this version was stored
};

struct CredentialListQuery {
  std::int64_t limit = 100;           // 1..kMaxCredentialPageLimit
  std::int64_t offset = 0;            // >= 0
  std::optional<std::int64_t> since;  // only credentials issued (validFrom) after it, Unix seconds
};

struct CredentialList {
  std::vector<StoredCredential> items;  // ordered by validFrom, then issuer id and credential id
  std::int64_t total = 0;               // matching credentials across every page (X-Total-Count)
};

inline constexpr std::int64_t kMaxCredentialPageLimit = 1000;

class CredentialStore {
 public:
  explicit CredentialStore(store::Database& db) : db_(db) {}

  // Validates (validate_credential), then creates, replaces (newer validFrom) or leaves unchanged.
  // invalid_data when the credential fails validation; the caller verifies a compact JWS before.
  Result<UpsertOutcome> upsert(std::string_view owner_user_id, const nlohmann::json& credential,
                               std::optional<std::string> compact_jws);

  // invalid_request when limit or offset is out of range.
  Result<CredentialList> list(std::string_view owner_user_id, const CredentialListQuery& query);

  // The same listing for a thread that must never wait (see Database::read_without_waiting);
  // nullopt when the read would have to wait.
  std::optional<Result<CredentialList>> list_without_waiting(std::string_view owner_user_id,
                                                             const CredentialListQuery& query);

  // The same listing sent from a network thread without waiting (see Database::query_async): done
  // runs later on this thread. false when it cannot be sent from here (done is then never called).
  bool list_async(std::string_view owner_user_id, const CredentialListQuery& query,
                  std::function<void(Result<CredentialList>)> done);

  Result<std::optional<StoredCredential>> find(std::string_view owner_user_id, std::string_view issuer_id,
                                               std::string_view credential_id);

 private:
  Result<CredentialList> list_on(store::Connection* connection, std::string_view owner_user_id,
                                 const CredentialListQuery& query);

  store::Database& db_;
};

}  // namespace bs::badges
