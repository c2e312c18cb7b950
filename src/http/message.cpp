#include "http/message.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/json_text.hpp"

namespace bs::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::size_t Request::header_count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }));
}

static std::string trim_lower(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Request::media_type() const {
  auto ct = header("content-type");
  if (!ct) return {};
  return trim_lower(ct->substr(0, ct->find(';')));
}

bool Request::accepts(std::string_view media_type) const {
  auto accept = header("accept");
  if (!accept) return false;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    if (trim_lower(item.substr(0, item.find(';'))) == media_type) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

Response& Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (iequals(k, name)) {
      v = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = json_text(body, InvalidUtf8::replace);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::redirect(std::string location) {
  Response r;
  r.status = 302;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

Response Response::later(std::shared_ptr<DeferredResponse> deferred) {
  Response r;
  r.deferred = std::move(deferred);
  return r;
}

void DeferredResponse::finish_with(std::function<void(Response&)> step) {
  steps_.push_back(std::move(step));
}

void DeferredResponse::resolve(Response response) {
  for (auto& step : steps_) step(response);
  steps_.clear();
  if (!sink_) {
    answer_.emplace(std::move(response));
    return;
  }
  auto sink = std::move(sink_);
  sink_ = nullptr;
  sink(std::move(response));
}

void DeferredResponse::on_answer(std::function<void(Response&&)> sink) {
  if (!answer_) {
    sink_ = std::move(sink);
    return;
  }
  Response answer = std::move(*answer_);
  answer_.reset();
  sink(std::move(answer));
}

Response Response::offload() {
  Response r;
  r.offloaded = true;
  return r;
}

}  // namespace bs::http
