#include "cablesim/core/config_text.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <vector>

#include "cablesim/core/topology.hpp"

namespace cablesim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::TextFormat;

class collecting_error_collector : public google::protobuf::io::ErrorCollector {
 public:
  collecting_error_collector(std::string file, std::vector<std::string>& out) : file_(std::move(file)), out_(out) {}
  void AddError(int line, int column, const std::string& message) override {
    out_.push_back(file_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message);
  }
  void AddWarning(int line, int column, const std::string& message) override {
    AddError(line, column, "warning: " + message);
  }

 private:
  std::string file_;
  std::vector<std::string>& out_;
};

}  // namespace

config_source::config_source(std::string_view text, std::string_view file_name, google::protobuf::Message& message)
    : file_(file_name), text_(text), root_(message.GetDescriptor()) {
  if (file_name.ends_with(".json")) {
    const auto status = google::protobuf::util::JsonStringToMessage(std::string(text), &message);
    if (!status.ok())
      throw config_error(
          {file_ + ":1:1: not a " + root_->full_name() + " in protobuf JSON: " + std::string(status.message())});
    if (auto problems = bad_values(message); !problems.empty()) throw config_error(problems);
    return;
  }
  tree_ = std::make_unique<TextFormat::ParseInfoTree>();
  std::vector<std::string> problems;
  TextFormat::Parser parser;
  collecting_error_collector errors(file_, problems);
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(tree_.get());
  if (!parser.ParseFromString(std::string(text), &message)) {
    if (problems.empty()) problems.push_back(file_ + ":1:1: cannot parse " + root_->full_name());
    throw config_error(problems);
  }
  if (problems = bad_values(message); !problems.empty()) throw config_error(problems);
}

std::vector<std::string> config_source::bad_values(const google::protobuf::Message& message) const {
  using google::protobuf::FieldDescriptor;
  std::vector<std::string> problems;
  std::vector<field_step> path;
  const auto walk = [&](const auto& self, const google::protobuf::Message& m) -> void {
    const auto* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    for (const auto* f : fields) {
      const int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
      for (int i = 0; i < n; ++i) {
        path.push_back({f->name(), f->is_repeated() ? i : -1});
        if (f->type() == FieldDescriptor::TYPE_ENUM) {
          const int v = f->is_repeated() ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
          if (f->enum_type()->FindValueByNumber(v) == nullptr) {
            std::string names;
            for (int k = 0; k < f->enum_type()->value_count(); ++k)
              if (f->enum_type()->value(k)->number() != 0)
                names += (names.empty() ? "" : ", ") + f->enum_type()->value(k)->name();
            problems.push_back(at(path) + ": " + std::string(f->name()) + " " + std::to_string(v) + " is not a " +
                               f->enum_type()->name() + " (" + names + ")");
          }
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE ||
                   f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          const double v = f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT
                               ? (f->is_repeated() ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f))
                               : (f->is_repeated() ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f));
          if (!std::isfinite(v)) problems.push_back(at(path) + ": " + f->name() + " is not a finite number");
        } else if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
          self(self, f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
        }
        path.pop_back();
      }
    }
  };
  walk(walk, message);
  return problems;
}

config_source::config_source(std::string_view origin, const google::protobuf::Descriptor* root)
    : file_(origin), root_(root), in_memory_(true) {}

std::string config_source::pos(int line, int column) const {
  return file_ + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string config_source::at(std::span<const field_step> path, std::string_view hint) const {
  if (in_memory_) {
    std::string where = file_ + ": ";
    for (const auto& s : path) {
      if (where.back() != ' ') where += '.';
      where += s.field;
      if (s.index >= 0) where += "[" + std::to_string(s.index) + "]";
    }
    return where;
  }
  if (!tree_) {
    if (!hint.empty()) {
      const auto p = text_.find("\"" + std::string(hint) + "\"");
      if (p != std::string_view::npos) {
        int line = 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < p; ++i)
          if (text_[i] == '\n') ++line, line_start = i + 1;
        return pos(line, static_cast<int>(p + 1 - line_start + 1));
      }
    }
    return pos(1, 1);
  }
  // Walk down the parse tree; remember the deepest position found, so that a field that was
  // not written (a default) points at the message that lacks it.
  const TextFormat::ParseInfoTree* tree = tree_.get();
  const Descriptor* d = root_;
  std::string best = pos(1, 1);
  for (const auto& s : path) {
    const auto* field = d->FindFieldByName(std::string(s.field));
    if (!field) break;
    const int index = field->is_repeated() ? std::max(0, s.index) : -1;
    const auto loc = tree->GetLocation(field, index);
    if (loc.line >= 0) best = pos(loc.line + 1, loc.column + 1);
    if (!field->message_type()) break;
    const auto* nested = tree->GetTreeForNested(field, index);
    if (!nested) break;
    tree = nested;
    d = field->message_type();
  }
  return best;
}

}  // namespace cablesim
