// User accounts: registration, admin creation, lookup. Passwords are Argon2id hashes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "crypto/password.hpp"
#include "store/database.hpp"
#include "store/models.hpp"

namespace bs::auth {

struct NewUser {
  std::string email;
  std::string password;
  std::string name;
  std::string role = "user";
};

// NIST SP 800-63B: 10 to 1024 characters, no composition rules.
Status validate_password(std::string_view password);
// Lower-cased, trimmed, syntactically plausible address; invalid_data otherwise.
Result<std::string> normalize_email(std::string_view email);

class UserService {
 public:
  explicit UserService(store::Database& db, std::optional<crypto::PasswordParams> params = std::nullopt)
      : db_(db), params_(params) {}

  // conflict when the email is taken; invalid_data for bad fields.
  Result<store::User> create(const NewUser& user);
  Result<std::optional<store::User>> find_by_email(std::string_view email);
  Result<std::optional<store::User>> find_by_id(std::string_view id);
  // Deletes the account and its sessions; false when there was none.
  Result<bool> remove(std::string_view id);
  Result<store::Page<store::User, std::string>> list(const std::optional<std::string>& cursor, int limit);
  Result<std::string> hash(std::string_view password) const;
  bool verify(std::string_view password, std::string_view hash) const;
  // A hash with this service's parameters that no password matches: verifying against it costs what
  // verifying a real account's hash costs.
  std::string unmatchable_hash() const;

 private:
  store::Database& db_;
  std::optional<crypto::PasswordParams> params_;
};

}  // namespace bs::auth
