#pragma once
// A cable's classification, from the cable itself: FL4's security group, cross-checked against
// the text's classification line and its paragraph (portion) markings. It fails closed: when
// they disagree, or a marking is not one it knows, there is no classification to trust, and
// a station refuses the cable (SEC). Stations compute it at every hop and never trust a
// classification field that a peer sends.

#include <string>
#include <string_view>

#include "cablesim/cable.pb.h"

namespace cablesim::acp127 {

/// What the text of a cable says about its classification.
struct text_markings {
  Classification line = CLASSIFICATION_UNSPECIFIED;  // the classification line(s) before ¶1
  Classification highest_portion = CLASSIFICATION_UNSPECIFIED;
  uint32_t highest_paragraph = 0;  // the paragraph that carries the highest portion marking
  std::string problem;             // two classification lines that disagree, an unknown marking
};

/// Scan the text (a cable's body) once.
text_markings scan_markings(std::string_view text);

/// The cable's classification, or why it has none that can be trusted.
struct classification_verdict {
  Classification level = CLASSIFICATION_UNSPECIFIED;
  std::string problem;  // empty: `level` is the classification
  explicit operator bool() const { return problem.empty(); }
};

/// FL4 (when the cable has it) against the text's markings. A draft (no FL4) takes its
/// classification from its classification line, or from its highest portion marking; an
/// unmarked draft is UNCLASSIFIED.
classification_verdict classify(const Cable& cable);

/// The classification a line of text names ("C O N F I D E N T I A L ROME 001919", "SECRET",
/// "Secret", "CLASSIFICATION: SECRET", "UNCLAS SVC ..."); unspecified when it names none.
Classification classification_of_line(std::string_view line);

}  // namespace cablesim::acp127
