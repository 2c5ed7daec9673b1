#include "cablesim/net/hosts.hpp"

#include <asio.hpp>

#include "cablesim/core/errors.hpp"
#include "cablesim/store/files.hpp"

namespace cablesim::net {

topology resolve_host_names(const topology& topo, const std::vector<std::string>& stations) {
  auto proto = topo.proto();
  std::vector<std::string> problems;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  for (auto& s : *proto.mutable_stations()) {
    if (std::find(stations.begin(), stations.end(), s.ri()) == stations.end()) continue;
    std::error_code ec;
    asio::ip::make_address(s.host(), ec);
    if (!ec) continue;  // an address already
    const auto found = resolver.resolve(s.host(), "", ec);
    if (ec || found.empty()) {
      problems.push_back(topo.file_name() + ": error: station " + s.ri() + ": host '" + s.host() +
                         "' does not resolve (" + (ec ? ec.message() : "no address") + ")");
      continue;
    }
    // an IPv4 address where there is one: loopback names resolve to both
    auto address = found.begin()->endpoint().address();
    for (const auto& entry : found)
      if (entry.endpoint().address().is_v4()) {
        address = entry.endpoint().address();
        break;
      }
    s.set_host(address.to_string());
  }
  if (!problems.empty()) throw config_error(problems);
  return topology::from_proto(std::move(proto), topo.file_name());
}

std::optional<unsigned short> listening_port(const topology& topo, const std::string& ri,
                                             const std::filesystem::path& port_dir) {
  const auto* s = topo.station(ri);
  unsigned long port = s ? s->port() : 0;
  if (port == 0 && !port_dir.empty())
    if (const auto said = store::read_file(port_dir / (ri + ".port"))) port = std::strtoul(said->c_str(), nullptr, 10);
  if (port == 0 || port > 65535) return std::nullopt;
  return static_cast<unsigned short>(port);
}

}  // namespace cablesim::net
