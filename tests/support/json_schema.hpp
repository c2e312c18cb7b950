// A JSON Schema (2019-09) validator for the keywords the official Open Badges 3.0 schemas use
// (third_party/openbadges/schema): type, enum, properties, required, additionalProperties, items
// (schema or tuple) with additionalItems, minItems, contains, allOf, oneOf, pattern, format
// (date-time, date), and local "$ref": "#/$defs/...". A keyword outside that set makes validation
// fail loudly instead of being ignored, so a newer schema cannot pass by accident. Test tooling.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bs::test {

class JsonSchema {
 public:
  // Reads <BADGESERVER_SOURCE_DIR>/third_party/openbadges/schema/<file>; an empty schema (that
  // rejects everything) when it cannot be read.
  static JsonSchema open_badges(const std::string& file);
  explicit JsonSchema(nlohmann::json schema) : root_(std::move(schema)) {}

  // Every violation as "<instance path>: <what>" (empty when valid).
  std::vector<std::string> errors(const nlohmann::json& instance) const;

 private:
  void check(const nlohmann::json& schema, const nlohmann::json& instance, const std::string& path,
             std::vector<std::string>& out) const;
  nlohmann::json root_;
};

}  // namespace bs::test
