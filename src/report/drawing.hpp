#pragma once
// Where the network is drawn, shared by the report's network chart and the replay page's map.
// A small network shows every station; a big one (more than 40 stations) shows the relays and,
// for each relay, one bubble for the posts it serves, so that 350 stations stay readable.

#include <map>
#include <string>
#include <vector>

#include "cablesim/report.pb.h"

namespace cablesim::report {

struct network_drawing {
  struct node {
    std::string id;     // a station's RI, or "<relay> posts" for a group
    std::string label;  // what the picture writes on it
    std::string title;  // the tooltip: address, or the posts in the group
    double x = 0, y = 0;
    double angle = 0;  // radians from the centre: a big network's labels run outwards along it
    bool relay = false;
    std::size_t posts = 0;  // a group: how many posts it stands for (0: one station)
  };
  std::vector<node> nodes;
  std::map<std::string, std::size_t> node_of;                 // station RI -> its node
  std::map<std::pair<std::size_t, std::size_t>, bool> edges;  // (node, node), lower first -> has a slow line
  double size = 700;
  bool grouped = false;
};

network_drawing draw_network(const Topology& t);

}  // namespace cablesim::report

namespace cablesim::report {
class html_writer;

/// The replay: map, timeline, filters, event list, the selected event and the queues (script).
void replay_section(html_writer& h, const Report& r);

}  // namespace cablesim::report
