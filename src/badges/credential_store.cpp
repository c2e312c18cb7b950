#include "badges/credential_store.hpp"

#include "badges/credential_validation.hpp"
#include "common/time.hpp"
#include "store/badge_host_repositories.hpp"

namespace bs::badges {
namespace {

StoredCredential to_stored(const store::ObCredentialRow& row) {
  StoredCredential c;
  c.owner_user_id = row.owner_user_id;
  c.issuer_id = row.issuer_id;
  c.credential_id = row.credential_id;
  // The column only ever holds JSON this service serialized; a parse failure would be corruption.
  c.credential = nlohmann::json::parse(row.credential, nullptr, false);
  c.compact_jws = row.compact_jws;
  c.valid_from = row.valid_from;
  c.created_at = row.created_at;
  c.updated_at = row.updated_at;
  return c;
}

CredentialList list_of(const store::ObCredentialPage& page) {
  CredentialList out;
  out.total = page.total;
  out.items.reserve(page.rows.size());
  for (const auto& row : page.rows) out.items.push_back(to_stored(row));
  return out;
}

}  // namespace

Result<UpsertOutcome> CredentialStore::upsert(std::string_view owner_user_id,
                                              const nlohmann::json& credential,
                                              std::optional<std::string> compact_jws) {
  if (auto st = validate_credential(credential); !st) return std::unexpected(st.error());
  const std::string issuer_id = issuer_id_of(credential);
  if (issuer_id.empty()) return fail(ErrorCode::invalid_data, "/issuer: must have an id");
  // validate_credential checked that validFrom parses.
  const auto valid_from = parse_rfc3339(credential.at("validFrom").get<std::string>());
  if (!valid_from) return fail(ErrorCode::invalid_data, "/validFrom: must be an RFC 3339 date-time");

  store::ObCredentialRow row;
  row.owner_user_id = std::string(owner_user_id);
  row.issuer_id = issuer_id;
  row.credential_id = credential.at("id").get<std::string>();
  row.credential = credential.dump();
  row.compact_jws = std::move(compact_jws);
  row.valid_from = *valid_from;
  row.created_at = now_seconds();
  row.updated_at = row.created_at;

  return db_.transaction([&](store::Connection& c) -> Result<UpsertOutcome> {
    auto inserted = store::insert_ob_credential_if_absent(c, row);
    if (!inserted) return std::unexpected(inserted.error());
    if (*inserted) return UpsertOutcome::created;
    // Present already (also when a concurrent upsert won the insert): the newer validFrom wins.
    auto replaced = store::replace_ob_credential_if_newer(c, row);
    if (!replaced) return std::unexpected(replaced.error());
    return *replaced ? UpsertOutcome::replaced : UpsertOutcome::unchanged;
  });
}

Result<CredentialList> CredentialStore::list(std::string_view owner_user_id,
                                             const CredentialListQuery& query) {
  return list_on(nullptr, owner_user_id, query);
}

std::optional<Result<CredentialList>> CredentialStore::list_without_waiting(
    std::string_view owner_user_id, const CredentialListQuery& query) {
  std::optional<Result<CredentialList>> out;
  auto read = db_.read_without_waiting([&](store::Connection& c) -> Status {
    out.emplace(list_on(&c, owner_user_id, query));
    return {};
  });
  if (!read) return std::nullopt;
  return out;
}

bool CredentialStore::list_async(std::string_view owner_user_id, const CredentialListQuery& query,
                                 std::function<void(Result<CredentialList>)> done) {
  // Out-of-range paging is declined by the store and answered with its error on a worker.
  return store::list_ob_credentials_async(db_, owner_user_id, query.since, query.limit, query.offset,
                                          [done = std::move(done)](Result<store::ObCredentialPage> page) {
                                            if (!page) return done(std::unexpected(page.error()));
                                            done(list_of(*page));
                                          });
}

// On `connection` when given, else on a pooled connection.
Result<CredentialList> CredentialStore::list_on(store::Connection* connection, std::string_view owner_user_id,
                                                const CredentialListQuery& query) {
  if (query.limit < 1 || query.limit > kMaxCredentialPageLimit) {
    return fail(ErrorCode::invalid_request,
                "limit must be between 1 and " + std::to_string(kMaxCredentialPageLimit));
  }
  if (query.offset < 0) return fail(ErrorCode::invalid_request, "offset must not be negative");
  auto page = store::list_ob_credentials(connection ? store::Executor(*connection) : store::Executor(db_),
                                         owner_user_id, query.since, query.limit, query.offset);
  if (!page) return std::unexpected(page.error());
  return list_of(*page);
}

Result<std::optional<StoredCredential>> CredentialStore::find(std::string_view owner_user_id,
                                                              std::string_view issuer_id,
                                                              std::string_view credential_id) {
  auto row = store::find_ob_credential(db_, owner_user_id, issuer_id, credential_id);
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<StoredCredential>{};
  return std::optional<StoredCredential>{to_stored(**row)};
}

}  // namespace bs::badges
