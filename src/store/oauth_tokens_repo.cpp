#include <array>

#include "store/oauth_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kColumns =
    "jti, kind, client_id, subject, scope, audience, grant_id, parent_jti, issued_at, expires_at, revoked_at,"
    " used_at";
constexpr std::size_t kTokenColumns = 12;

// Multi-row INSERTs come in power-of-two sizes up to 256 rows (3,072 parameters, far below SQLite's
// 32,766 and PostgreSQL's 65,535): any batch is a few of nine fixed statements, which the SQLite
// driver prepares once per connection instead of once per distinct batch size. Larger statements
// measured no faster (~35k rows/s on PostgreSQL, ~90k on SQLite, in one transaction) but cost more
// to prepare and to keep prepared in every pooled connection.
constexpr std::size_t kMaxInsertLog2 = 8;

const std::string& insert_sql(std::size_t log2_rows) {
  static const std::array<std::string, kMaxInsertLog2 + 1> all = [] {
    std::array<std::string, kMaxInsertLog2 + 1> out;
    for (std::size_t k = 0; k <= kMaxInsertLog2; ++k) {
      std::string& sql = out[k];
      sql = "INSERT INTO oauth_tokens (" + std::string(kColumns) + ") VALUES ";
      std::size_t n = 1;
      for (std::size_t row = 0; row < (std::size_t{1} << k); ++row) {
        sql += row ? ",(" : "(";
        for (std::size_t col = 0; col < kTokenColumns; ++col) {
          if (col) sql += ',';
          sql += '$';
          sql += std::to_string(n++);
        }
        sql += ')';
      }
    }
    return out;
  }();
  return all[log2_rows];
}

void append_params(std::vector<Value>& p, const OAuthToken& t) {
  p.push_back(text(t.jti));
  p.push_back(text(t.kind));
  p.push_back(text(t.client_id));
  p.push_back(text(t.subject));
  p.push_back(text(join_words(t.scope)));
  p.push_back(text(t.audience));
  p.push_back(opt(t.grant_id));
  p.push_back(opt(t.parent_jti));
  p.push_back(integer(t.issued_at));
  p.push_back(integer(t.expires_at));
  p.push_back(opt(t.revoked_at));
  p.push_back(opt(t.used_at));
}

// A PostgreSQL array literal (`{"a","b\"c",NULL}`) of one column of a batch: every element
// quoted, with backslash and double quote escaped, so any text travels unchanged.
template <class Get>
std::string pg_array(const std::vector<OAuthToken>& tokens, Get get) {
  std::string out = "{";
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i) out += ',';
    const std::optional<std::string> v = get(tokens[i]);
    if (!v) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::optional<std::string> decimal(std::optional<std::int64_t> n) {
  return n ? std::optional(std::to_string(*n)) : std::nullopt;
}

OAuthToken to_token(const Row& r) {
  OAuthToken t;
  t.jti = r.text(0);
  t.kind = r.text(1);
  t.client_id = r.text(2);
  t.subject = r.text(3);
  t.scope = split_words(r.text(4));
  t.audience = r.text(5);
  t.grant_id = r.opt_text(6);
  t.parent_jti = r.opt_text(7);
  t.issued_at = r.integer(8);
  t.expires_at = r.integer(9);
  t.revoked_at = r.opt_integer(10);
  t.used_at = r.opt_integer(11);
  return t;
}

std::string select_sql(std::string_view rest) {
  return "SELECT " + std::string(kColumns) + " FROM oauth_tokens " + std::string(rest);
}

// Sets revoked_at on the live tokens whose `column` is $1. The trigger on oauth_tokens
// (migrations/*/0002_oauth.sql) inserts each one's Revocation row within this same statement, so
// the pair is atomic even with a Database& (auto-commit) executor.
std::string revoke_sql(std::string_view column) {
  return "UPDATE oauth_tokens SET revoked_at = $2 WHERE " + std::string(column) +
         " = $1 AND revoked_at IS NULL AND expires_at > $2";
}

Result<std::int64_t> revoke_where(Executor ex, const std::string& sql, std::string_view key,
                                  std::int64_t now) {
  const Value p[] = {text(key), integer(now)};
  return ex.exec(sql, p);
}

}  // namespace

// --- tokens ----------------------------------------------------------------------------------------

Status insert_token(Executor ex, const OAuthToken& token) {
  std::vector<Value> p;
  p.reserve(kTokenColumns);
  append_params(p, token);
  auto r = ex.exec(insert_sql(0), p);
  if (!r) return error_of(r);
  return ok();
}

Status insert_tokens(Executor ex, const std::vector<OAuthToken>& tokens) {
  std::vector<Value> p;
  std::size_t next = 0;
  while (next < tokens.size()) {
    const std::size_t left = tokens.size() - next;
    std::size_t log2 = kMaxInsertLog2;
    while ((std::size_t{1} << log2) > left) --log2;
    const std::size_t n = std::size_t{1} << log2;
    p.clear();
    p.reserve(n * kTokenColumns);
    for (std::size_t i = 0; i < n; ++i) append_params(p, tokens[next + i]);
    if (auto r = ex.exec(insert_sql(log2), p); !r) return error_of(r);
    next += n;
  }
  return ok();
}

Status record_tokens(Database& db, const std::vector<OAuthToken>& tokens) {
  if (tokens.empty()) return ok();
  if (db.dialect() == Dialect::sqlite)
    return db.transaction([&](Connection& c) -> Status { return insert_tokens(c, tokens); });
  static const std::string sql = "INSERT INTO oauth_tokens (" + std::string(kColumns) +
                                 ") SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
                                 "$5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], "
                                 "$10::bigint[], $11::bigint[], $12::bigint[])";
  using T = OAuthToken;
  const std::array<Value, kTokenColumns> p = {
      text(pg_array(tokens, [](const T& t) { return std::optional(t.jti); })),
      text(pg_array(tokens, [](const T& t) { return std::optional(t.kind); })),
      text(pg_array(tokens, [](const T& t) { return std::optional(t.client_id); })),
      text(pg_array(tokens, [](const T& t) { return std::optional(t.subject); })),
      text(pg_array(tokens, [](const T& t) { return std::optional(join_words(t.scope)); })),
      text(pg_array(tokens, [](const T& t) { return std::optional(t.audience); })),
      text(pg_array(tokens, [](const T& t) { return t.grant_id; })),
      text(pg_array(tokens, [](const T& t) { return t.parent_jti; })),
      text(pg_array(tokens, [](const T& t) { return decimal(t.issued_at); })),
      text(pg_array(tokens, [](const T& t) { return decimal(t.expires_at); })),
      text(pg_array(tokens, [](const T& t) { return decimal(t.revoked_at); })),
      text(pg_array(tokens, [](const T& t) { return decimal(t.used_at); })),
  };
  auto r = db.exec(sql, p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<OAuthToken>> find_token(Executor ex, std::string_view jti) {
  static const std::string sql = select_sql("WHERE jti = $1");
  const Value p[] = {text(jti)};
  return query_one<OAuthToken>(ex, sql, p, to_token);
}

Result<bool> revoke_token(Executor ex, std::string_view jti, std::int64_t now) {
  static const std::string sql = revoke_sql("jti");
  auto n = revoke_where(ex, sql, jti, now);
  if (!n) return error_of(n);
  return *n > 0;
}

Result<std::int64_t> revoke_tokens_of_client(Executor ex, const ClientRevocation& cutoff) {
  static const std::string sql = revoke_sql("client_id");
  auto rows = revoke_where(ex, sql, cutoff.client_id, cutoff.revoked_at);
  if (!rows) return rows;
  if (auto st = record_client_revocation(ex, cutoff); !st) return error_of(st);
  return rows;
}

Result<std::int64_t> revoke_tokens_of_subject(Executor ex, std::string_view subject, std::int64_t now) {
  static const std::string sql = revoke_sql("subject");
  return revoke_where(ex, sql, subject, now);
}

Result<std::int64_t> revoke_tokens_of_grant(Executor ex, std::string_view grant_id, std::int64_t now) {
  static const std::string sql = revoke_sql("grant_id");
  return revoke_where(ex, sql, grant_id, now);
}

Result<std::int64_t> revoke_tokens_of_subject_and_client(Executor ex, std::string_view subject,
                                                         std::string_view client_id, std::int64_t now) {
  const Value p[] = {text(subject), integer(now), text(client_id)};
  return ex.exec(
      "UPDATE oauth_tokens SET revoked_at = $2 WHERE subject = $1 AND client_id = $3 AND revoked_at IS NULL "
      "AND "
      "expires_at > $2",
      p);
}

Result<bool> mark_token_used(Executor ex, std::string_view jti, std::int64_t now) {
  // One conditional UPDATE is the compare-and-set: the database serializes updates of the row, and
  // the losers' WHERE no longer matches once the winner has set used_at.
  const Value p[] = {text(jti), integer(now)};
  auto r = ex.exec(
      "UPDATE oauth_tokens SET used_at = $2 WHERE jti = $1 AND used_at IS NULL AND revoked_at IS NULL", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<Page<OAuthToken, std::string>> list_tokens(Executor ex, const TokenQuery& q) {
  if (auto st = check_limit(q.limit); !st) return error_of(st);
  // At most sixteen distinct statements, so the drivers' statement caches stay small.
  std::string sql = select_sql("");
  std::vector<Value> p = {integer(q.limit + 1)};
  const char* glue = "WHERE ";
  auto where = [&](std::string_view condition, Value v) {
    p.push_back(std::move(v));
    sql += glue;
    sql += condition;
    sql += std::to_string(p.size());
    glue = " AND ";
  };
  if (q.client_id) where("client_id = $", text(*q.client_id));
  if (q.subject) where("subject = $", text(*q.subject));
  if (q.after_jti) where("jti > $", text(*q.after_jti));
  if (!q.include_inactive) {
    where("revoked_at IS NULL AND expires_at > $", integer(q.now));
  }
  sql += " ORDER BY jti LIMIT $1";
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  return make_page<OAuthToken, std::string>(*rows, q.limit, to_token,
                                            [](const OAuthToken& t) { return t.jti; });
}

// --- revocations -----------------------------------------------------------------------------------

Result<std::vector<Revocation>> list_revocations_since(Executor ex, std::int64_t after_id, std::int64_t now,
                                                       std::int64_t limit) {
  // Not a page, so no kMaxPageLimit cap: a poller catching up may ask for large batches.
  if (limit < 1) return fail(ErrorCode::invalid_request, "limit must be at least 1");
  const Value p[] = {integer(after_id), integer(now), integer(limit)};
  auto rows = ex.query(
      "SELECT id, jti, expires_at, revoked_at FROM oauth_revocations"
      " WHERE id > $1 AND expires_at > $2 ORDER BY id LIMIT $3",
      p);
  if (!rows) return error_of(rows);
  std::vector<Revocation> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) {
    out.push_back(Revocation{
        .id = r.integer(0), .jti = r.text(1), .expires_at = r.integer(2), .revoked_at = r.integer(3)});
  }
  return out;
}

Status record_client_revocation(Executor ex, const ClientRevocation& r) {
  const Value p[] = {text(r.client_id), integer(r.issued_before_us), integer(r.expires_at),
                     integer(r.revoked_at)};
  auto n = ex.exec(
      "INSERT INTO oauth_client_revocations (client_id, issued_before_us, expires_at, revoked_at)"
      " VALUES ($1, $2, $3, $4) ON CONFLICT (client_id) DO UPDATE SET"
      " issued_before_us = excluded.issued_before_us, expires_at = excluded.expires_at,"
      " revoked_at = excluded.revoked_at"
      " WHERE excluded.issued_before_us > oauth_client_revocations.issued_before_us",
      p);
  if (!n) return error_of(n);
  return ok();
}

Result<std::vector<ClientRevocation>> list_client_revocations(Executor ex, std::int64_t now) {
  const Value p[] = {integer(now)};
  auto rows = ex.query(
      "SELECT client_id, issued_before_us, expires_at, revoked_at FROM oauth_client_revocations"
      " WHERE expires_at > $1",
      p);
  if (!rows) return error_of(rows);
  std::vector<ClientRevocation> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) {
    out.push_back(ClientRevocation{.client_id = r.text(0),
                                   .issued_before_us = r.integer(1),
                                   .expires_at = r.integer(2),
                                   .revoked_at = r.integer(3)});
  }
  return out;
}

// --- assertion jtis --------------------------------------------------------------------------------

Status record_assertion_jti(Executor ex, std::string_view client_id, std::string_view jti,
                            std::int64_t expires_at) {
  // DO NOTHING rather than a unique violation: a replay is an expected outcome, and on PostgreSQL
  // a failed statement would abort the caller's whole transaction.
  const Value p[] = {text(client_id), text(jti), integer(expires_at)};
  auto r = ex.exec(
      "INSERT INTO oauth_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)"
      " ON CONFLICT (client_id, jti) DO NOTHING",
      p);
  if (!r) return error_of(r);
  if (*r == 0) return fail(ErrorCode::conflict, "client assertion jti already used");
  return ok();
}

// --- janitor ---------------------------------------------------------------------------------------

Result<std::int64_t> delete_expired_oauth_rows(Executor ex, std::int64_t before, std::int64_t batch) {
  if (batch < 1) return fail(ErrorCode::invalid_request, "batch must be at least 1");
  // One budget across the four tables, each DELETE bounded by what is left of it: a call never
  // holds the write lock for more than `batch` rows, and a total below `batch` means every table is
  // clean, so the caller's loop ends.
  static constexpr std::string_view kDeletes[] = {
      "DELETE FROM oauth_tokens WHERE jti IN"
      " (SELECT jti FROM oauth_tokens WHERE expires_at < $1 LIMIT $2)",
      "DELETE FROM oauth_revocations WHERE id IN"
      " (SELECT id FROM oauth_revocations WHERE expires_at < $1 LIMIT $2)",
      "DELETE FROM oauth_client_revocations WHERE client_id IN"
      " (SELECT client_id FROM oauth_client_revocations WHERE expires_at < $1 LIMIT $2)",
      "DELETE FROM oauth_assertion_jtis WHERE (client_id, jti) IN"
      " (SELECT client_id, jti FROM oauth_assertion_jtis WHERE expires_at < $1 LIMIT $2)",
  };
  std::int64_t total = 0;
  for (std::string_view sql : kDeletes) {
    if (total >= batch) break;
    const Value p[] = {integer(before), integer(batch - total)};
    auto n = ex.exec(sql, p);
    if (!n) return error_of(n);
    total += *n;
  }
  return total;
}

}  // namespace bs::store
