#include "cablesim/report/html_writer.hpp"

namespace cablesim::report {

std::string html_writer::escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void html_writer::start_tag(std::string_view tag, attributes attrs) {
  out_ += '<';
  out_ += tag;
  for (const auto& [name, value] : attrs) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    out_ += escape(value);
    out_ += '"';
  }
}

html_writer& html_writer::open(std::string_view tag, attributes attrs) {
  start_tag(tag, attrs);
  out_ += '>';
  return *this;
}

html_writer& html_writer::close(std::string_view tag) {
  out_ += "</";
  out_ += tag;
  out_ += '>';
  return *this;
}

html_writer& html_writer::empty(std::string_view tag, attributes attrs) {
  start_tag(tag, attrs);
  out_ += "/>";
  return *this;
}

html_writer& html_writer::text(std::string_view text) {
  out_ += escape(text);
  return *this;
}

html_writer& html_writer::element(std::string_view tag, attributes attrs, std::string_view text) {
  return open(tag, attrs).text(text).close(tag);
}

html_writer& html_writer::append(const html_writer& other) {
  out_ += other.out_;
  return *this;
}

html_writer& html_writer::trusted(std::string_view markup) {
  out_ += markup;
  return *this;
}

}  // namespace cablesim::report
