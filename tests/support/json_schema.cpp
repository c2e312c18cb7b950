#include "support/json_schema.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/time.hpp"

namespace bs::test {
namespace {

const std::set<std::string> kKnownKeywords = {"$schema",
                                              "$id",
                                              "$comment",
                                              "$defs",
                                              "title",
                                              "description",
                                              "type",
                                              "enum",
                                              "properties",
                                              "required",
                                              "additionalProperties",
                                              "items",
                                              "additionalItems",
                                              "minItems",
                                              "contains",
                                              "allOf",
                                              "oneOf",
                                              "pattern",
                                              "format",
                                              "$ref"};

bool has_type(const nlohmann::json& instance, const std::string& type) {
  if (type == "object") return instance.is_object();
  if (type == "array") return instance.is_array();
  if (type == "string") return instance.is_string();
  if (type == "boolean") return instance.is_boolean();
  if (type == "null") return instance.is_null();
  if (type == "integer") {
    return instance.is_number_integer() ||
           (instance.is_number_float() &&
            instance.get<double>() == static_cast<double>(instance.get<long long>()));
  }
  if (type == "number") return instance.is_number();
  return false;
}

bool valid_format(const std::string& format, const std::string& s) {
  if (format == "date-time") return parse_rfc3339(s).has_value();
  if (format == "date") return s.size() == 10 && parse_rfc3339(s + "T00:00:00Z").has_value();
  return true;  // other formats are annotations in 2019-09
}

}  // namespace

JsonSchema JsonSchema::open_badges(const std::string& file) {
  std::ifstream in(std::string(BADGESERVER_SOURCE_DIR) + "/third_party/openbadges/schema/" + file);
  std::stringstream text;
  text << in.rdbuf();
  auto schema = nlohmann::json::parse(text.str(), nullptr, false);
  if (schema.is_discarded()) schema = false;
  return JsonSchema(std::move(schema));
}

std::vector<std::string> JsonSchema::errors(const nlohmann::json& instance) const {
  std::vector<std::string> out;
  check(root_, instance, "", out);
  return out;
}

void JsonSchema::check(const nlohmann::json& schema, const nlohmann::json& instance, const std::string& path,
                       std::vector<std::string>& out) const {
  const std::string at = path.empty() ? "/" : path;
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) out.push_back(at + ": the schema is false");
    return;
  }
  if (!schema.is_object()) {
    out.push_back(at + ": the schema is not an object");
    return;
  }
  for (const auto& [keyword, _] : schema.items()) {
    if (!kKnownKeywords.contains(keyword)) out.push_back(at + ": unsupported schema keyword " + keyword);
  }
  if (auto ref = schema.find("$ref"); ref != schema.end()) {
    const std::string target = ref->get<std::string>();
    if (!target.starts_with("#/")) {
      out.push_back(at + ": unsupported $ref " + target);
    } else {
      const auto pointer = nlohmann::json::json_pointer(target.substr(1));
      if (!root_.contains(pointer)) {
        out.push_back(at + ": unresolved $ref " + target);
      } else {
        check(root_.at(pointer), instance, path, out);
      }
    }
  }
  if (auto type = schema.find("type"); type != schema.end()) {
    bool ok = false;
    if (type->is_array()) {
      for (const auto& t : *type) ok = ok || has_type(instance, t.get<std::string>());
    } else {
      ok = has_type(instance, type->get<std::string>());
    }
    if (!ok) {
      out.push_back(at + ": must be of type " + type->dump());
      return;  // the other keywords would only repeat this
    }
  }
  if (auto e = schema.find("enum"); e != schema.end()) {
    if (std::find(e->begin(), e->end(), instance) == e->end())
      out.push_back(at + ": must be one of " + e->dump());
  }
  if (auto all = schema.find("allOf"); all != schema.end()) {
    for (const auto& sub : *all) check(sub, instance, path, out);
  }
  if (auto one = schema.find("oneOf"); one != schema.end()) {
    int passing = 0;
    for (const auto& sub : *one) {
      std::vector<std::string> sub_errors;
      check(sub, instance, path, sub_errors);
      if (sub_errors.empty()) ++passing;
    }
    if (passing != 1)
      out.push_back(at + ": must match exactly one of oneOf (" + std::to_string(passing) + " match)");
  }
  if (instance.is_string()) {
    const auto& s = instance.get_ref<const std::string&>();
    if (auto p = schema.find("pattern"); p != schema.end()) {
      if (!std::regex_search(s, std::regex(p->get<std::string>(), std::regex::ECMAScript))) {
        out.push_back(at + ": must match " + p->get<std::string>());
      }
    }
    if (auto f = schema.find("format"); f != schema.end() && !valid_format(f->get<std::string>(), s)) {
      out.push_back(at + ": must be a " + f->get<std::string>());
    }
  }
  if (instance.is_object()) {
    if (auto required = schema.find("required"); required != schema.end()) {
      for (const auto& name : *required) {
        if (!instance.contains(name.get<std::string>()))
          out.push_back(at + ": missing " + name.get<std::string>());
      }
    }
    const auto properties = schema.find("properties");
    const auto additional = schema.find("additionalProperties");
    for (const auto& [name, value] : instance.items()) {
      const std::string child = path + "/" + name;
      if (properties != schema.end() && properties->contains(name)) {
        check(properties->at(name), value, child, out);
      } else if (additional != schema.end()) {
        check(*additional, value, child, out);
      }
    }
  }
  if (instance.is_array()) {
    if (auto min = schema.find("minItems");
        min != schema.end() && instance.size() < min->get<std::size_t>()) {
      out.push_back(at + ": must have at least " + min->dump() + " items");
    }
    if (auto items = schema.find("items"); items != schema.end()) {
      if (items->is_array()) {  // tuple form: positional schemas, then additionalItems
        const auto additional = schema.find("additionalItems");
        for (std::size_t i = 0; i < instance.size(); ++i) {
          const std::string child = path + "/" + std::to_string(i);
          if (i < items->size()) {
            check((*items)[i], instance[i], child, out);
          } else if (additional != schema.end()) {
            check(*additional, instance[i], child, out);
          }
        }
      } else {
        for (std::size_t i = 0; i < instance.size(); ++i)
          check(*items, instance[i], path + "/" + std::to_string(i), out);
      }
    }
    if (auto contains = schema.find("contains"); contains != schema.end()) {
      bool found = false;
      for (const auto& item : instance) {
        std::vector<std::string> sub_errors;
        check(*contains, item, path, sub_errors);
        found = found || sub_errors.empty();
      }
      if (!found) out.push_back(at + ": must contain an item matching " + contains->dump());
    }
  }
}

}  // namespace bs::test
