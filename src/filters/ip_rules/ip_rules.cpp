// The IP rules filter: refuses a client address on the block list, or off a non-empty allow list.

#include "portico/filters/ip_rules.hpp"

#include "filters/ip_rules/ranges.hpp"

namespace portico::filters {

namespace {

using detail::AddressRanges;

class IpRulesFilter final : public Filter {
 public:
  IpRulesFilter(AddressRanges allowed, AddressRanges blocked, bool exclude_allowed, int status)
      : allowed_(std::move(allowed)), blocked_(std::move(blocked)), exclude_allowed_(exclude_allowed), status_(status) {}

  std::string_view name() const noexcept override { return "ip-rules"; }
  Phase phase() const noexcept override { return Phase::Edge; }
  bool may_set_framing_fields() const noexcept override { return false; }

  FilterResult on_request(Exchange& ex) const override {
    if (admits(ex.client_address())) return FilterResult::next();
    return FilterResult::respond(Response::problem(status_, "the client address is not allowed on this route",
                                                   ex.request_id()));
  }

 private:
  bool admits(std::string_view address) const noexcept {
    auto a = portico::detail::IpAddress::parse(address);
    if (!a) return false;  // an address that cannot be checked is not let through a list
    const bool allowed = allowed_.contains(*a);
    if (blocked_.contains(*a) && !(exclude_allowed_ && allowed)) return false;
    return allowed_.empty() || allowed;
  }

  AddressRanges allowed_;
  AddressRanges blocked_;
  bool exclude_allowed_;
  int status_;
};

Result<AddressRanges> ranges_of(const std::vector<std::string>& entries, std::string_view list) {
  AddressRanges out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto r = detail::parse_address_range(entries[i]);
    if (!r) {
      std::string where(list);
      where += '[';
      where += std::to_string(i);
      where += ']';
      std::string why = "\"";
      why += entries[i];
      why += "\" is not an IP address, a CIDR range, an IPv4 address/netmask or a first-last range";
      return make_error(Errc::InvalidConfig, std::move(why), std::move(where));
    }
    out.add(*r);
  }
  return out;
}

}  // namespace

Result<FilterPtr> make_ip_rules(IpRulesConfig config) {
  if (config.status < 400 || config.status > 599) {
    std::string why = "status must be 400-599, got ";
    why += std::to_string(config.status);
    return make_error(Errc::InvalidConfig, std::move(why), "status");
  }
  auto allowed = ranges_of(config.allowed, "allowed");
  if (!allowed) return std::move(allowed).error();
  auto blocked = ranges_of(config.blocked, "blocked");
  if (!blocked) return std::move(blocked).error();
  return FilterPtr(std::make_shared<IpRulesFilter>(std::move(*allowed), std::move(*blocked),
                                                   config.exclude_allowed_from_blocked, config.status));
}

}  // namespace portico::filters
