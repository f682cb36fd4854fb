// Picks the cgroup backend once per process by looking at what is mounted, with no
// configuration: cgroup2 at /sys/fs/cgroup is v2; a tmpfs of v1 hierarchies is v1, or hybrid
// when a cgroup2 is also mounted at /sys/fs/cgroup/unified.
#include <linux/magic.h>
#include <sys/statfs.h>

#include <mutex>
#include <stdexcept>

#include "cgroup/cgroup.hpp"

namespace runbox::sandbox {
namespace {

long fs_type(const char* path) {
  struct statfs st {};
  if (::statfs(path, &st) != 0) return 0;
  return static_cast<long>(st.f_type);
}

std::unique_ptr<CgroupDriver> probe() {
  const long root = fs_type("/sys/fs/cgroup");
  if (root == CGROUP2_SUPER_MAGIC) return make_cgroup_v2_backend("/sys/fs/cgroup");
  if (root == TMPFS_MAGIC) {
    bool unified = fs_type("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC;
    return make_cgroup_v1_backend(unified ? "/sys/fs/cgroup/unified" : "");
  }
  throw std::runtime_error(
      "no cgroup filesystem at /sys/fs/cgroup (neither cgroup2 nor a tmpfs of v1 hierarchies): "
      "runbox cannot enforce CPU, memory or process limits on this host");
}

}  // namespace

CgroupDriver& cgroup_driver() {
  static std::once_flag once;
  static std::unique_ptr<CgroupDriver> backend;
  static std::string failure;
  std::call_once(once, [] {
    try {
      backend = probe();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  if (!backend) throw std::runtime_error(failure);
  return *backend;
}

}  // namespace runbox::sandbox
