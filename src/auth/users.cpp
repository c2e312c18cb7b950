#include "auth/users.hpp"

#include "common/text.hpp"
#include "crypto/random.hpp"
#include "store/repositories.hpp"

namespace bs::auth {

Status validate_password(std::string_view password) {
  if (!valid_utf8(password)) return fail(ErrorCode::invalid_data, "password must be valid UTF-8");
  auto n = utf8_length(password);
  if (n < 10) return fail(ErrorCode::invalid_data, "password must be at least 10 characters");
  if (n > 1024) return fail(ErrorCode::invalid_data, "password must be at most 1024 characters");
  return {};
}

Result<std::string> normalize_email(std::string_view email) {
  while (!email.empty() && email.front() == ' ') email.remove_prefix(1);
  while (!email.empty() && email.back() == ' ') email.remove_suffix(1);
  if (email.empty() || email.size() > 254)
    return fail(ErrorCode::invalid_data, "email must be 1 to 254 characters");
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != email.npos)
    return fail(ErrorCode::invalid_data, "email must look like name@example.org");
  auto domain = email.substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != domain.npos)
    return fail(ErrorCode::invalid_data, "email domain is malformed");
  for (unsigned char c : email)
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == '\\' || c == '"')
      return fail(ErrorCode::invalid_data, "email contains a character it may not");
  if (!valid_utf8(email)) return fail(ErrorCode::invalid_data, "email must be valid UTF-8");
  return to_lower(email);
}

Result<std::string> UserService::hash(std::string_view password) const {
  return params_ ? crypto::hash_password(password, *params_) : crypto::hash_password(password);
}

bool UserService::verify(std::string_view password, std::string_view hash) const {
  return crypto::verify_password(password, hash);
}

std::string UserService::unmatchable_hash() const {
  return crypto::unmatchable_password_hash(params_.value_or(crypto::kDefaultPasswordParams));
}

Result<store::User> UserService::create(const NewUser& in) {
  auto email = normalize_email(in.email);
  if (!email) return std::unexpected(email.error());
  if (auto st = validate_password(in.password); !st) return std::unexpected(st.error());
  if (in.name.empty() || utf8_length(in.name) > 200 || !valid_utf8(in.name))
    return fail(ErrorCode::invalid_data, "name must be 1 to 200 characters");
  if (in.role != "user" && in.role != "admin")
    return fail(ErrorCode::invalid_data, "role must be user or admin");
  auto password_hash = hash(in.password);
  if (!password_hash) return std::unexpected(password_hash.error());

  store::User user;
  user.id = "usr_" + crypto::random_token(16);
  user.email = *email;
  user.name = in.name;
  user.password_hash = *password_hash;
  user.role = in.role;
  user.created_at = user.updated_at = store::unix_now();
  auto inserted = store::insert_user(db_, user);
  if (!inserted) {
    if (inserted.error().code == ErrorCode::conflict)
      return fail(ErrorCode::conflict, "a user with this email already exists");
    return std::unexpected(inserted.error());
  }
  return user;
}

Result<std::optional<store::User>> UserService::find_by_email(std::string_view email) {
  auto normalized = normalize_email(email);
  if (!normalized) return std::optional<store::User>{};
  return store::find_user_by_email(db_, *normalized);
}

Result<std::optional<store::User>> UserService::find_by_id(std::string_view id) {
  return store::find_user_by_id(db_, id);
}

Result<bool> UserService::remove(std::string_view id) {
  return store::delete_user(db_, id);
}

Result<store::Page<store::User, std::string>> UserService::list(const std::optional<std::string>& cursor,
                                                                int limit) {
  return store::list_users(db_, cursor, limit);
}

}  // namespace bs::auth
