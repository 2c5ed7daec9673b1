#pragma once
// HTML by construction: every text node and every attribute value goes through the writer,
// which escapes it; tag and attribute names are the program's own words.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace cablesim::report {

class html_writer {
 public:
  /// Attribute name and (unescaped) value.
  using attributes = std::initializer_list<std::pair<std::string_view, std::string>>;

  /// <tag a="v" ...>
  html_writer& open(std::string_view tag, attributes attrs = {});
  /// </tag>
  html_writer& close(std::string_view tag);
  /// <tag a="v" .../>
  html_writer& empty(std::string_view tag, attributes attrs = {});
  /// A text node.
  html_writer& text(std::string_view text);
  /// <tag a="v" ...>text</tag>
  html_writer& element(std::string_view tag, attributes attrs, std::string_view text);
  html_writer& element(std::string_view tag, std::string_view text) { return element(tag, {}, text); }
  /// Markup from another writer (escaped when it was written).
  html_writer& append(const html_writer& other);
  /// Markup the program ships as it is (the page's own stylesheet).
  html_writer& trusted(std::string_view markup);

  const std::string& str() const { return out_; }

  /// Text with &, <, > and " escaped.
  static std::string escape(std::string_view text);

 private:
  /// "<tag a="v" ..." without its end.
  void start_tag(std::string_view tag, attributes attrs);
  std::string out_;
};

}  // namespace cablesim::report
