#pragma once
// The uids runs use, checked across the tiers and against the host, whenever the set of files is
// loaded (start-up, SIGHUP, `runbox policy check --config`):
//  - each tier's [uids] range is its own: two tiers sharing a uid could signal, trace or read
//    each other's runs;
//  - no range holds a uid of /etc/passwd or a gid of /etc/group (runs use the same number as
//    gid): a run would act as that account on whatever it owns;
//  - the default tier's range holds one uid more than the slots: slot i runs as uid_first + i,
//    and the runtime version probes (start-up and reload, while runs go on) as uid_first + slots,
//    a uid no slot of any tier uses.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/policy.hpp"

namespace runbox::config {

// Where the host's accounts are read from; the real files unless a test says otherwise.
struct HostAccountFiles {
  std::filesystem::path passwd = "/etc/passwd";
  std::filesystem::path group = "/etc/group";
};

struct HostAccount {
  std::uint32_t id = 0;
  std::string name;
  std::string kind;  // "uid" of a user, "gid" of a group, "primary gid" of a user
  std::string file;  // where it is listed
};

// Every uid and gid those files list ("name:x:uid:gid:..." / "name:x:gid:..."; comments, NIS
// "+"/"-" lines and malformed lines are skipped, as glibc does). A file that cannot be read is a
// ConfigError: the check fails closed.
std::vector<HostAccount> read_host_accounts(const HostAccountFiles& files = {});

// The uid the native version probes run under (and its gid): uid_first + slots of the default
// tier. ConfigError when its range has no uid past the slots.
std::uint32_t probe_uid(const Policy& default_policy, std::uint32_t slots);

// ConfigError (at the later file's `first` line, naming both files and ranges) when two of the
// tiers' ranges intersect. Each entry: the tier's name and policy.
void check_uid_ranges_apart(const std::vector<std::pair<std::string, const Policy*>>& tiers);

// ConfigError (at the policy's `first` line) when its range holds one of the accounts.
void check_uid_range_unowned(const Policy& policy, const std::vector<HostAccount>& accounts);

}  // namespace runbox::config
