#include "oauth/interactions.hpp"

#include <algorithm>

#include "common/time.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "oauth/scopes.hpp"
#include "store/authorization_repositories.hpp"
#include "store/repositories.hpp"

namespace bs::oauth {

namespace st = store::interaction_state;

namespace {

std::string sha256_hex(std::string_view s) {
  return crypto::hex_encode(crypto::sha256(s));
}

bool terminal(std::string_view state) {
  return state == st::completed || state == st::rejected || state == st::expired;
}

}  // namespace

InteractionService::InteractionService(store::Database& db, ClientRegistry& clients, ConsentService& consents,
                                       const ClientSecrets& secrets, InteractionOptions options)
    : db_(db), clients_(clients), consents_(consents), secrets_(secrets), options_(std::move(options)) {}

Result<std::string> InteractionService::seal(const std::string& redirect, const std::string& id_hash) const {
  // The completed redirect carries the code: kept encrypted so the database never holds it usable.
  return secrets_.encrypt(redirect, id_hash);
}

std::optional<std::string> InteractionService::unseal(const std::optional<std::string>& sealed,
                                                      const std::string& id_hash) const {
  if (!sealed) return std::nullopt;
  auto plain = secrets_.decrypt(*sealed, id_hash);
  if (!plain) return std::nullopt;
  return *plain;
}

Result<std::optional<InteractionService::Loaded>> InteractionService::load(const std::string& id_hash) {
  auto row = store::find_interaction(db_, id_hash);
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Loaded>{};
  auto request = AuthorizationRequest::from_json(nlohmann::json::parse((*row)->request, nullptr, false));
  if (!request) return std::unexpected(request.error());
  // Expiry is applied when the interaction is next looked at.
  if (!terminal((*row)->state) && (*row)->expires_at <= store::unix_now()) {
    store::InteractionUpdate update;
    update.state = std::string(st::expired);
    (void)store::transition_interaction(db_, id_hash, (*row)->state, update, store::unix_now());
    auto again = store::find_interaction(db_, id_hash);
    if (!again) return std::unexpected(again.error());
    if (*again) row = std::move(again);
  }
  return Loaded{std::move(**row), std::move(*request)};
}

nlohmann::json InteractionService::view(const std::string& id, const Loaded& l) {
  nlohmann::json client = {{"client_id", l.row.client_id}};
  if (auto c = clients_.find(l.row.client_id); c && *c) {
    auto metadata = client_metadata(**c);
    for (const char* f : {"client_name", "client_uri", "logo_uri", "policy_uri", "tos_uri"})
      client[f] = metadata.contains(f) ? metadata[f] : nlohmann::json(nullptr);
  }
  nlohmann::json v = {{"interaction_id", id},
                      {"state", l.row.state},
                      {"client", client},
                      {"requested_scope", l.request.scope},
                      {"subject", l.row.subject ? nlohmann::json(*l.row.subject) : nlohmann::json(nullptr)},
                      {"expires_at", format_rfc3339(l.row.expires_at)}};
  if (l.row.granted_scope) v["granted_scope"] = *l.row.granted_scope;
  if (l.row.state == st::completed || l.row.state == st::rejected) {
    auto redirect = unseal(l.row.redirect_to, l.row.id_hash);
    v["redirect_to"] = redirect ? nlohmann::json(*redirect) : nlohmann::json(nullptr);
  }
  return v;
}

InteractionConflict InteractionService::conflict(const std::string& id, const std::string& why) {
  InteractionConflict c{Error(ErrorCode::conflict, why), nullptr};
  if (auto loaded = load(sha256_hex(id)); loaded && *loaded) c.interaction = view(id, **loaded);
  return c;
}

Result<std::string> InteractionService::complete_redirect(const std::string& id_hash,
                                                          const AuthorizationRequest& request,
                                                          const std::string& subject,
                                                          const std::vector<std::string>& scope) {
  const std::string code = crypto::random_token(32);
  store::AuthorizationCode row;
  row.code_hash = sha256_hex(code);
  row.client_id = request.client_id;
  row.redirect_uri = request.redirect_uri;
  row.code_challenge = request.code_challenge;
  row.code_challenge_method = request.code_challenge_method;
  row.subject = subject;
  row.scope = scope;
  std::string audience;
  for (const auto& a : request.audience) audience += (audience.empty() ? "" : " ") + a;
  row.audience = audience;
  row.grant_id = "grt_" + crypto::random_token(16);
  row.interaction_id_hash = id_hash;
  row.nonce = request.nonce;
  row.issued_at = store::unix_now();
  row.expires_at = row.issued_at + options_.code_ttl;
  if (auto ok = store::insert_authorization_code(db_, row); !ok) return std::unexpected(ok.error());
  std::vector<std::pair<std::string, std::string>> q = {{"code", code}};
  if (request.state) q.emplace_back("state", *request.state);
  q.emplace_back("iss", options_.issuer);  // RFC 9207: defeats mix-up attacks
  return with_query(request.redirect_uri, q);
}

std::string InteractionService::reject_redirect(const AuthorizationRequest& request) const {
  std::vector<std::pair<std::string, std::string>> q = {{"error", "access_denied"},
                                                        {"error_description", "the user denied the request"}};
  if (request.state) q.emplace_back("state", *request.state);
  q.emplace_back("iss", options_.issuer);
  return with_query(request.redirect_uri, q);
}

Result<bool> InteractionService::complete_if_consented(const std::string& id_hash, const Loaded& l,
                                                       const std::string& subject) {
  if (l.request.prompt && *l.request.prompt == "consent") return false;
  auto covered = consents_.covers(subject, l.request.client_id, l.request.scope);
  if (!covered) return std::unexpected(covered.error());
  if (!*covered) return false;
  auto redirect = complete_redirect(id_hash, l.request, subject, l.request.scope);
  if (!redirect) return std::unexpected(redirect.error());
  auto sealed = seal(*redirect, id_hash);
  if (!sealed) return std::unexpected(sealed.error());
  store::InteractionUpdate update;
  update.state = std::string(st::completed);
  update.subject = subject;
  update.granted_scope = l.request.scope;
  update.decision = std::string(store::interaction_decision::accept);
  update.redirect_to = *sealed;
  auto moved = store::transition_interaction(db_, id_hash, l.row.state, update, store::unix_now());
  if (!moved) return std::unexpected(moved.error());
  return *moved;
}

InteractionResult InteractionService::start(const AuthorizationRequest& request,
                                            const std::optional<std::string>& subject) {
  const std::string id = crypto::random_token(32);
  store::OAuthInteraction row;
  row.id_hash = sha256_hex(id);
  row.client_id = request.client_id;
  row.request = request.to_json().dump();
  row.state = std::string(subject ? st::consent_required : st::login_required);
  row.subject = subject;
  row.created_at = row.updated_at = store::unix_now();
  row.expires_at = row.created_at + options_.interaction_ttl;
  if (auto ok = store::insert_interaction(db_, row); !ok)
    return std::unexpected(InteractionConflict{ok.error(), nullptr});
  Loaded loaded{row, request};
  if (subject) {
    auto done = complete_if_consented(row.id_hash, loaded, *subject);
    if (!done) return std::unexpected(InteractionConflict{done.error(), nullptr});
    if (*done) {
      auto reloaded = load(row.id_hash);
      if (reloaded && *reloaded) return view(id, **reloaded);
    }
  }
  return view(id, loaded);
}

InteractionResult InteractionService::get(const std::string& id) {
  auto loaded = load(sha256_hex(id));
  if (!loaded) return std::unexpected(InteractionConflict{loaded.error(), nullptr});
  if (!*loaded)
    return std::unexpected(InteractionConflict{Error(ErrorCode::not_found, "no such interaction"), nullptr});
  return view(id, **loaded);
}

InteractionResult InteractionService::login(const std::string& id, const std::string& subject,
                                            const std::string& actor) {
  const auto id_hash = sha256_hex(id);
  auto loaded = load(id_hash);
  if (!loaded) return std::unexpected(InteractionConflict{loaded.error(), nullptr});
  if (!*loaded)
    return std::unexpected(InteractionConflict{Error(ErrorCode::not_found, "no such interaction"), nullptr});
  auto& l = **loaded;
  if (l.row.state != st::login_required) {
    // Retry-safe: logging the same subject in again answers the same.
    if (l.row.subject == subject && !terminal(l.row.state)) return view(id, l);
    if (l.row.subject == subject && l.row.state == st::completed) return view(id, l);
    return std::unexpected(conflict(id, "the interaction is " + l.row.state));
  }
  auto user = store::find_user_by_id(db_, subject);
  if (!user) return std::unexpected(InteractionConflict{user.error(), nullptr});
  if (!*user || (*user)->disabled)
    return std::unexpected(
        InteractionConflict{Error(ErrorCode::invalid_request, "unknown or disabled subject"), nullptr});
  (void)actor;
  store::InteractionUpdate update;
  update.state = std::string(st::consent_required);
  update.subject = subject;
  auto moved = store::transition_interaction(db_, id_hash, st::login_required, update, store::unix_now());
  if (!moved) return std::unexpected(InteractionConflict{moved.error(), nullptr});
  if (!*moved) return std::unexpected(conflict(id, "the interaction changed meanwhile"));
  l.row.state = std::string(st::consent_required);
  l.row.subject = subject;
  auto done = complete_if_consented(id_hash, l, subject);
  if (!done) return std::unexpected(InteractionConflict{done.error(), nullptr});
  return get(id);
}

InteractionResult InteractionService::consent(const std::string& id, const ConsentDecision& d,
                                              const auth::Principal& by) {
  const auto id_hash = sha256_hex(id);
  auto loaded = load(id_hash);
  if (!loaded) return std::unexpected(InteractionConflict{loaded.error(), nullptr});
  if (!*loaded)
    return std::unexpected(InteractionConflict{Error(ErrorCode::not_found, "no such interaction"), nullptr});
  auto& l = **loaded;
  const bool trusted = by.has_scope("admin:consents");
  if (!trusted &&
      !(by.kind == auth::PrincipalKind::user_session && l.row.subject && by.subject == *l.row.subject))
    return std::unexpected(InteractionConflict{
        Error(ErrorCode::forbidden, "only the logged-in user or an admin:consents credential may decide"),
        nullptr});
  if (d.decision != "accept" && d.decision != "reject")
    return std::unexpected(
        InteractionConflict{Error(ErrorCode::invalid_request, "decision must be accept or reject"), nullptr});

  if (l.row.state != st::consent_required) {
    // Retry-safe: the same decision answers the same; a different one is a conflict.
    if (l.row.decision && *l.row.decision == d.decision &&
        (l.row.state == st::completed || l.row.state == st::rejected))
      return view(id, l);
    return std::unexpected(conflict(id, "the interaction is " + l.row.state));
  }
  const std::string subject = *l.row.subject;
  std::vector<std::string> granted = l.request.scope;
  if (d.grant_scope) {
    if (!scope_subset(*d.grant_scope, l.request.scope))
      return std::unexpected(InteractionConflict{
          Error(ErrorCode::invalid_scope, "grant_scope may narrow the requested scope, never widen it"),
          nullptr});
    granted = *d.grant_scope;
  }

  store::InteractionUpdate update;
  update.decision = d.decision;
  update.remember = d.remember;
  if (d.decision == "accept") {
    auto redirect = complete_redirect(id_hash, l.request, subject, granted);
    if (!redirect) return std::unexpected(InteractionConflict{redirect.error(), nullptr});
    auto sealed = seal(*redirect, id_hash);
    if (!sealed) return std::unexpected(InteractionConflict{sealed.error(), nullptr});
    update.state = std::string(st::completed);
    update.granted_scope = granted;
    update.redirect_to = *sealed;
  } else {
    auto sealed = seal(reject_redirect(l.request), id_hash);
    if (!sealed) return std::unexpected(InteractionConflict{sealed.error(), nullptr});
    update.state = std::string(st::rejected);
    update.redirect_to = *sealed;
  }
  auto moved = store::transition_interaction(db_, id_hash, st::consent_required, update, store::unix_now());
  if (!moved) return std::unexpected(InteractionConflict{moved.error(), nullptr});
  if (!*moved) {
    // Lost a race: answer like a retry of whatever won.
    auto now_loaded = load(id_hash);
    if (now_loaded && *now_loaded && (*now_loaded)->row.decision == d.decision) return view(id, **now_loaded);
    return std::unexpected(conflict(id, "the interaction changed meanwhile"));
  }
  if (d.decision == "accept") {
    auto recorded = consents_.record_grant(subject, l.request.client_id, granted, d.remember, by.actor());
    if (!recorded) return std::unexpected(InteractionConflict{recorded.error(), nullptr});
  }
  return get(id);
}

}  // namespace bs::oauth
