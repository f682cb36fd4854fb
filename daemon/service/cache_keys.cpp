#include "service/cache_keys.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace runbox::service {
namespace {

class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) throw std::runtime_error("sha256 init");
  }
  Hasher& add(std::string_view s) {
    const std::uint64_t n = s.size();
    EVP_DigestUpdate(ctx_.get(), &n, sizeof n);
    EVP_DigestUpdate(ctx_.get(), s.data(), s.size());
    return *this;
  }
  Hasher& add(std::uint64_t n) { return add(std::string_view(reinterpret_cast<const char*>(&n), sizeof n)); }
  Hasher& add(const std::vector<std::string>& list) {
    add(static_cast<std::uint64_t>(list.size()));
    for (const auto& s : list) add(s);
    return *this;
  }
  Hasher& add(const sandbox::Limits& l) {
    for (std::uint64_t v : {l.cpu_ms, l.wall_ms, l.memory_mb, l.pids, l.output_kb, l.file_size_kb, l.cpus_milli, l.box_mb,
                            l.tmp_mb, l.nofile, l.stack_mb, l.box_inodes, l.tmp_inodes, l.shm_inodes})
      add(v);
    return *this;
  }
  Hasher& add(const job::StagePlan& s) { return add(s.argv).add(s.limits); }
  Hasher& add(const std::vector<api::SourceFile>& files) {
    add(static_cast<std::uint64_t>(files.size()));
    for (const auto& f : files) add(f.name).add(f.content);
    return *this;
  }
  std::string hex() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_.get(), d, &len);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out += digits[d[i] >> 4];
      out += digits[d[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string image_tree(const std::filesystem::path& rootfs) {
  struct stat st {};
  if (::stat(rootfs.c_str(), &st) != 0) return "missing:" + rootfs.string();
  return rootfs.string() + ":" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

}  // namespace

std::string compile_key(const std::string& tier, const std::filesystem::path& rootfs, const std::string& source_file,
                        const std::vector<std::string>& env, const job::StagePlan& compile,
                        const std::vector<api::SourceFile>& files) {
  Hasher h;
  h.add("runbox compile 1").add(tier).add(image_tree(rootfs)).add(source_file).add(env).add(compile).add(files);
  return h.hex();
}

std::string result_key(std::uint64_t generation, const std::string& tier, const std::string& runtime, const job::JobPlan& job,
                       const api::RunRequest& req) {
  Hasher h;
  h.add("runbox result 1").add(generation).add(tier).add(runtime).add(image_tree(job.rootfs)).add(job.source_file).add(job.env);
  h.add(job.compile ? std::string_view("compile") : std::string_view("none"));
  if (job.compile) h.add(*job.compile);
  h.add(job.run).add(job.box_mb).add(job.output_budget_bytes).add(req.files).add(req.stdin_data).add(req.args);
  h.add(static_cast<std::uint64_t>(req.compare)).add(req.strip_control ? 1u : 0u);
  std::uint64_t abs_bits = 0, rel_bits = 0;
  std::memcpy(&abs_bits, &req.tolerance.abs, sizeof abs_bits);
  std::memcpy(&rel_bits, &req.tolerance.rel, sizeof rel_bits);
  h.add(abs_bits).add(rel_bits);
  if (job.checker) {
    const auto& c = *job.checker;
    h.add("checker").add(c.name).add(image_tree(c.rootfs)).add(c.source_file).add(c.env).add(c.files).add(c.run);
    if (c.compile) h.add(*c.compile);
  }
  if (req.tests) {
    h.add(static_cast<std::uint64_t>(req.tests->size()));
    for (const auto& t : *req.tests) h.add(t.stdin_data).add(t.expected_stdout).add(t.args).add(t.hidden ? 1u : 0u);
  } else {
    h.add("no tests");
  }
  return h.hex();
}

}  // namespace runbox::service
