// Programmatic consent. Each change and its ledger entry commit together in one transaction; token
// revocations follow the commit (TokenService owns the deny list and opens its own transaction).
//
// Ledger actions:
//   record_grant (a subject's decision; never takes scopes away):
//     no live consent              -> granted
//     adds scopes                  -> widened (the new scope is the union)
//     a subset, remember newly set -> granted (same scope, now remembered)
//     a subset, nothing new        -> no entry, nothing written
//   pre_authorize (an admin replaces the scope; always remembered):
//     no live consent              -> pre_authorized
//     strict subset of the stored  -> narrowed, and the subject's tokens for the client are revoked
//     strict superset              -> widened
//     same set, remember newly set -> pre_authorized
//     same set, already remembered -> no entry
//     neither (some in, some out)  -> pre_authorized, and the tokens are revoked as for narrowed
//   Tokens are revoked whenever a scope is taken away: they (and their refresh tokens) were granted
//   under the wider consent, and the subject re-authorizes under the new one.
#include "oauth/consents.hpp"

#include <algorithm>
#include <functional>

#include "common/log.hpp"
#include "crypto/random.hpp"
#include "oauth/scopes.hpp"
#include "store/authorization_repositories.hpp"
#include "store/oauth_repositories.hpp"

namespace bs::oauth {

namespace {

namespace action = store::consent_action;

std::string new_consent_id() {
  return "cns_" + crypto::random_token(16);
}

// Each element one known scope token; duplicates folded, order kept.
Result<std::vector<std::string>> normalize_scope(const std::vector<std::string>& scope) {
  std::vector<std::string> out;
  for (const auto& s : scope) {
    auto parsed = parse_scope(s);
    if (!parsed) return std::unexpected(parsed.error());
    if (parsed->size() != 1 || parsed->front() != s)
      return fail(ErrorCode::invalid_scope, "each scope must be a single scope token");
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

std::vector<std::string> union_of(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  for (const auto& s : b)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

// What a change does to the live consent (or to none): its new scope and remember, and the ledger
// action; an empty action means nothing changes.
struct Plan {
  std::vector<std::string> scope;
  bool remember = false;
  std::string_view action;
};
using Decide = std::function<Plan(const store::OAuthConsent* live)>;

struct Outcome {
  store::OAuthConsent consent;
  std::string action;                                   // empty: unchanged
  std::optional<std::vector<std::string>> prior_scope;  // the live consent's scope before, if any
};

store::ConsentLedgerEntry ledger_entry(const store::OAuthConsent& c, std::string_view what,
                                       const std::string& actor, std::int64_t at) {
  store::ConsentLedgerEntry e;
  e.consent_id = c.id;
  e.subject = c.subject;
  e.client_id = c.client_id;
  e.action = std::string(what);
  e.scope = c.scope;
  e.actor = actor;
  e.at = at;
  return e;
}

// Inserts or updates the live consent of subject to client_id as decide says, with its ledger
// entry, inside the caller's transaction. A concurrent insert (conflict) or revocation (update
// finds no live row) makes it re-read and decide again on what is there now.
Result<Outcome> apply_change(store::Connection& c, const std::string& subject, const std::string& client_id,
                             const Decide& decide, const std::string& actor) {
  const auto now = store::unix_now();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto live = store::find_live_consent(c, subject, client_id);
    if (!live) return std::unexpected(live.error());
    if (!*live) {
      const Plan plan = decide(nullptr);
      store::OAuthConsent fresh;
      fresh.id = new_consent_id();
      fresh.subject = subject;
      fresh.client_id = client_id;
      fresh.scope = plan.scope;
      fresh.remember = plan.remember;
      fresh.created_at = now;
      fresh.updated_at = now;
      if (auto st = store::insert_consent(c, fresh); !st) {
        if (st.error().code == ErrorCode::conflict) continue;  // another grant won: update theirs
        return std::unexpected(st.error());
      }
      if (auto id = store::append_consent_ledger(c, ledger_entry(fresh, plan.action, actor, now)); !id)
        return std::unexpected(id.error());
      return Outcome{std::move(fresh), std::string(plan.action), std::nullopt};
    }
    const store::OAuthConsent& current = **live;
    const Plan plan = decide(&current);
    if (plan.action.empty()) return Outcome{current, "", current.scope};
    auto updated = store::update_consent_scope(c, current.id, plan.scope, plan.remember, now);
    if (!updated) return std::unexpected(updated.error());
    if (!*updated) continue;  // revoked meanwhile: decide again (a new consent)
    store::OAuthConsent next = current;
    next.scope = plan.scope;
    next.remember = plan.remember;
    next.updated_at = now;
    if (auto id = store::append_consent_ledger(c, ledger_entry(next, plan.action, actor, now)); !id)
      return std::unexpected(id.error());
    return Outcome{std::move(next), std::string(plan.action), current.scope};
  }
  return fail(ErrorCode::conflict, "the consent changed concurrently; try again");
}

}  // namespace

ConsentService::ConsentService(store::Database& db, TokenService& tokens, auth::AuditLog& audit)
    : db_(db), tokens_(tokens), audit_(audit) {}

Result<bool> ConsentService::covers(const std::string& subject, const std::string& client_id,
                                    const std::vector<std::string>& scope) {
  auto live = store::find_live_consent(db_, subject, client_id);
  if (!live) return std::unexpected(live.error());
  if (!*live || !(*live)->remember) return false;
  return scope_subset(scope, (*live)->scope);
}

Result<store::OAuthConsent> ConsentService::record_grant(const std::string& subject,
                                                         const std::string& client_id,
                                                         const std::vector<std::string>& scope, bool remember,
                                                         const std::string& actor) {
  auto wanted = normalize_scope(scope);
  if (!wanted) return std::unexpected(wanted.error());
  const Decide decide = [&](const store::OAuthConsent* live) -> Plan {
    if (!live) return {*wanted, remember, action::granted};
    auto merged = union_of(live->scope, *wanted);
    // A decision never takes back what was granted before, nor forgets a remembered consent.
    const bool keep = live->remember || remember;
    if (merged.size() > live->scope.size()) return {std::move(merged), keep, action::widened};
    if (keep != live->remember) return {live->scope, keep, action::granted};
    return {live->scope, live->remember, {}};
  };
  auto outcome = db_.transaction(
      [&](store::Connection& c) { return apply_change(c, subject, client_id, decide, actor); });
  if (!outcome) return std::unexpected(outcome.error());
  if (!outcome->action.empty()) {
    audit_.record({"consent." + outcome->action,
                   actor,
                   outcome->consent.id,
                   "",
                   "success",
                   {{"subject", subject},
                    {"client_id", client_id},
                    {"scope", outcome->consent.scope},
                    {"remember", outcome->consent.remember}}});
  }
  return std::move(outcome->consent);
}

Result<store::OAuthConsent> ConsentService::pre_authorize(const std::string& subject,
                                                          const std::string& client_id,
                                                          const std::vector<std::string>& scope,
                                                          const std::string& actor) {
  auto client = store::find_client(db_, client_id);
  if (!client) return std::unexpected(client.error());
  if (!*client || !(*client)->enabled) return fail(ErrorCode::not_found, "no such client");
  auto user = store::find_user_by_id(db_, subject);
  if (!user) return std::unexpected(user.error());
  if (!*user) return fail(ErrorCode::not_found, "no such user");
  auto wanted = normalize_scope(scope);
  if (!wanted) return std::unexpected(wanted.error());
  if (wanted->empty()) return fail(ErrorCode::invalid_scope, "the scope must not be empty");
  if (!scope_subset(*wanted, (*client)->scope))
    return fail(ErrorCode::invalid_scope, "the scope exceeds what the client registered");

  const Decide decide = [&](const store::OAuthConsent* live) -> Plan {
    if (!live) return {*wanted, true, action::pre_authorized};
    const bool within = scope_subset(*wanted, live->scope);
    const bool covers_old = scope_subset(live->scope, *wanted);
    if (within && covers_old)
      return live->remember ? Plan{live->scope, true, {}} : Plan{*wanted, true, action::pre_authorized};
    if (within) return {*wanted, true, action::narrowed};
    if (covers_old) return {*wanted, true, action::widened};
    return {*wanted, true, action::pre_authorized};
  };
  auto outcome = db_.transaction(
      [&](store::Connection& c) { return apply_change(c, subject, client_id, decide, actor); });
  if (!outcome) return std::unexpected(outcome.error());

  std::int64_t tokens_revoked = 0;
  const bool took_scope_away =
      !outcome->action.empty() && outcome->prior_scope && !scope_subset(*outcome->prior_scope, *wanted);
  Status tokens_status;
  if (took_scope_away) {
    auto n = tokens_.revoke_subject_client(subject, client_id);
    if (n) {
      tokens_revoked = *n;
    } else {
      tokens_status = std::unexpected(n.error());
    }
  }
  audit_.record({"consent.pre_authorized",
                 actor,
                 outcome->consent.id,
                 "",
                 tokens_status ? "success" : "failure",
                 {{"subject", subject},
                  {"client_id", client_id},
                  {"action", outcome->action.empty() ? "unchanged" : outcome->action},
                  {"scope", outcome->consent.scope},
                  {"tokens_revoked", tokens_revoked}}});
  if (!tokens_status) {
    log::error("consent narrowed but its tokens were not revoked",
               {{"consent_id", outcome->consent.id}, {"error", tokens_status.error().description}});
    return std::unexpected(tokens_status.error());
  }
  return std::move(outcome->consent);
}

Status ConsentService::revoke(const std::string& consent_id, const std::string& actor,
                              const std::optional<std::string>& only_subject) {
  const auto now = store::unix_now();
  auto revoked = db_.transaction([&](store::Connection& c) -> Result<store::OAuthConsent> {
    auto found = store::find_consent(c, consent_id);
    if (!found) return std::unexpected(found.error());
    // One answer for unknown, already revoked and someone else's: ids are not confirmed.
    if (!*found || (*found)->revoked_at || (only_subject && (*found)->subject != *only_subject))
      return fail(ErrorCode::not_found, "no live consent with this id");
    auto changed = store::revoke_consent(c, consent_id, now);
    if (!changed) return std::unexpected(changed.error());
    if (!*changed) return fail(ErrorCode::not_found, "no live consent with this id");
    store::OAuthConsent consent = std::move(**found);
    consent.revoked_at = now;
    consent.updated_at = now;
    // The entry keeps the scope that was revoked, so the history says what was taken away.
    if (auto id = store::append_consent_ledger(c, ledger_entry(consent, action::revoked, actor, now)); !id)
      return std::unexpected(id.error());
    return consent;
  });
  if (!revoked) return std::unexpected(revoked.error());
  return revoke_tokens_of({*revoked}, actor);
}

Result<std::int64_t> ConsentService::revoke_all_of_subject(const std::string& subject,
                                                           const std::string& actor) {
  return revoke_many([&](store::Connection& c,
                         std::int64_t now) { return store::revoke_consents_of_subject(c, subject, now); },
                     actor);
}

Result<std::int64_t> ConsentService::revoke_all_of_client(const std::string& client_id,
                                                          const std::string& actor) {
  return revoke_many([&](store::Connection& c,
                         std::int64_t now) { return store::revoke_consents_of_client(c, client_id, now); },
                     actor);
}

Result<std::int64_t> ConsentService::revoke_many(
    const std::function<Result<std::vector<store::OAuthConsent>>(store::Connection&, std::int64_t)>& revoke,
    const std::string& actor) {
  const auto now = store::unix_now();
  auto revoked = db_.transaction([&](store::Connection& c) -> Result<std::vector<store::OAuthConsent>> {
    auto rows = revoke(c, now);
    if (!rows) return rows;
    for (const auto& consent : *rows)
      if (auto id = store::append_consent_ledger(c, ledger_entry(consent, action::revoked, actor, now)); !id)
        return std::unexpected(id.error());
    return rows;
  });
  if (!revoked) return std::unexpected(revoked.error());
  if (auto st = revoke_tokens_of(*revoked, actor); !st) return std::unexpected(st.error());
  return static_cast<std::int64_t>(revoked->size());
}

Status ConsentService::revoke_tokens_of(const std::vector<store::OAuthConsent>& revoked,
                                        const std::string& actor) {
  // Every pair is attempted even after a failure; the first failure is returned, so the caller
  // knows tokens may still be live (the consents themselves are revoked).
  Status first_failure;
  for (const auto& consent : revoked) {
    auto n = tokens_.revoke_subject_client(consent.subject, consent.client_id);
    if (!n) {
      log::error("consent revoked but its tokens were not",
                 {{"consent_id", consent.id}, {"error", n.error().description}});
      if (first_failure) first_failure = std::unexpected(n.error());
    }
    audit_.record({"consent.revoked",
                   actor,
                   consent.id,
                   "",
                   n ? "success" : "failure",
                   {{"subject", consent.subject},
                    {"client_id", consent.client_id},
                    {"scope", consent.scope},
                    {"tokens_revoked", n ? *n : 0}}});
  }
  return first_failure;
}

Result<std::optional<store::OAuthConsent>> ConsentService::find(const std::string& consent_id) {
  return store::find_consent(db_, consent_id);
}

Result<store::Page<store::OAuthConsent, std::string>> ConsentService::list(const store::ConsentQuery& query) {
  return store::list_consents(db_, query);
}

Result<store::Page<store::ConsentLedgerEntry, std::int64_t>> ConsentService::ledger(
    const std::string& consent_id, const std::optional<std::int64_t>& after_id, std::int64_t limit) {
  return store::list_consent_ledger(db_, consent_id, after_id, limit);
}

}  // namespace bs::oauth
