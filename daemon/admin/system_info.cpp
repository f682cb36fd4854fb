#include "admin/system_info.hpp"

#include <sched.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "images/image_store.hpp"
#include "runbox/sandbox/leftovers.hpp"
#include "runbox/sandbox/sandbox.hpp"

namespace runbox::admin {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// A "Key:   123 kB" line of /proc/meminfo in bytes; 0 when absent.
std::uint64_t meminfo_bytes(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> k >> kb) {
    std::getline(in, unit);
    if (k == key + ":") return kb * 1024;
  }
  return 0;
}

std::string read_small(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json::value number_or_null(std::uint64_t v) { return v ? json::value(v) : json::value(nullptr); }

json::array strings(const auto& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

}  // namespace

HostFacts read_host_facts(const fs::path& state) {
  HostFacts h;
  if (utsname u{}; ::uname(&u) == 0) {
    h.sysname = u.sysname;
    h.release = u.release;
    h.kernel_version = u.version;
    h.machine = u.machine;
  }
  h.cpus_online = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (cpu_set_t set; ::sched_getaffinity(0, sizeof set, &set) == 0) h.cpus_usable = CPU_COUNT(&set);
  const std::string meminfo = read_small("/proc/meminfo");
  h.memory_total = meminfo_bytes(meminfo, "MemTotal");
  h.memory_available = meminfo_bytes(meminfo, "MemAvailable");
  std::istringstream loadavg(read_small("/proc/loadavg"));
  if (!(loadavg >> h.load[0] >> h.load[1] >> h.load[2])) h.load[0] = h.load[1] = h.load[2] = -1;
  // The state directory may not exist yet (no image pulled): its file system is its parent's.
  fs::path p = state;
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  if (struct statvfs v{}; !p.empty() && ::statvfs(p.c_str(), &v) == 0) {
    h.disk_path = p;
    h.disk_free = static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize;
    h.disk_total = static_cast<std::uint64_t>(v.f_blocks) * v.f_frsize;
    h.disk_known = true;
  }
  return h;
}

json::object system_json(service::RunService& core, service::DockerHealthMonitor& docker) {
  const auto g = core.generation();
  const HostFacts h = read_host_facts(g->config.images_root);
  json::object o;
  o["version"] = RUNBOX_VERSION;
  o["kernel"] = json::object{{"sysname", h.sysname}, {"release", h.release}, {"version", h.kernel_version},
                             {"machine", h.machine}};
  o["cgroups"] = json::object{{"layout", sandbox::cgroup_mode()}, {"run_parents", strings(sandbox::run_cgroup_parents())}};
  o["cpus"] = json::object{{"online", h.cpus_online}, {"usable", h.cpus_usable}};
  o["memory"] = json::object{{"total_bytes", number_or_null(h.memory_total)},
                             {"available_bytes", number_or_null(h.memory_available)}};
  if (h.load[0] >= 0)
    o["load"] = json::object{{"1m", h.load[0]}, {"5m", h.load[1]}, {"15m", h.load[2]}};
  else
    o["load"] = nullptr;
  if (h.disk_known)
    o["disk"] = json::object{{"path", g->config.images_root.string()}, {"measured", h.disk_path.string()},
                             {"free_bytes", h.disk_free}, {"total_bytes", h.disk_total}};
  else
    o["disk"] = json::object{{"path", g->config.images_root.string()}, {"measured", nullptr},
                             {"free_bytes", nullptr}, {"total_bytes", nullptr}};

  const auto& sandbox_error = g->catalog->sandbox_error();
  json::object native{{"state", sandbox_error ? "unavailable" : "ok"},
                      {"error", sandbox_error ? json::value(*sandbox_error) : json::value(nullptr)}};
  const auto docker_problem = docker.unavailable();
  json::object engine{{"state", docker_problem ? "unavailable" : "ok"},
                      {"error", docker_problem ? json::value(*docker_problem) : json::value(nullptr)},
                      {"socket", docker.socket().string()},
                      {"oci_runtimes", strings(docker.oci_runtimes())}};
  o["backends"] = json::object{{"native", std::move(native)}, {"docker", std::move(engine)}};

  const auto views = core.runtimes(*g);
  json::array images;
  try {
    for (const auto& info : images::ImageStore(g->config.images_root).list()) {
      const auto& m = info.metadata;
      json::array users;
      for (const auto& s : g->catalog->all())
        if (s.def.image == info.name) users.emplace_back(s.def.name);
      images.push_back(json::object{
          {"name", info.name},
          {"image_id", m && m->from_docker() ? json::value(m->image_id) : json::value(nullptr)},
          {"reference", m && !m->reference.empty() ? json::value(m->reference) : json::value(nullptr)},
          {"source", m ? json::value(m->source) : json::value(nullptr)},
          {"size_bytes", m ? json::value(m->size_bytes) : json::value(nullptr)},
          {"entries", m ? json::value(m->entries) : json::value(nullptr)},
          {"imported_at", m ? json::value(m->imported_at) : json::value(nullptr)},
          {"runtimes", std::move(users)}});
    }
  } catch (const std::exception&) {
    // An unreadable image root lists no images; the runtimes below say what they miss.
  }
  o["images"] = std::move(images);

  json::array runtimes;
  for (const auto& v : views) {
    const auto& s = *v.state;
    runtimes.push_back(json::object{{"name", s.def.name},
                                    {"image", s.def.image},
                                    {"backend", v.backend},
                                    {"version", s.version ? json::value(*s.version) : json::value(nullptr)},
                                    {"state", v.problem ? "unavailable" : "ready"},
                                    {"error", v.problem ? json::value(*v.problem) : json::value(nullptr)}});
  }
  o["runtimes"] = std::move(runtimes);
  o["slots"] = json::object{{"total", core.slots().slots()}, {"busy", core.slots().busy()}};
  o["queue"] = json::object{{"length", core.slots().queued()}, {"bound", g->config.effective_queue_size()}};
  o["generation"] = g->number;
  o["ready"] = core.ready();
  o["draining"] = core.draining();
  return o;
}

}  // namespace runbox::admin
