#pragma once
// The keys of the compile cache and the result cache: SHA-256 over every input that can change
// what is cached, each field length-prefixed so no two inputs share a key. The tier is in both:
// nothing cached is ever shared across tiers. The image is named by its tree on disk (device,
// inode, change time of the rootfs directory): a re-pulled or re-imported image is a new tree.
#include <filesystem>
#include <string>
#include <vector>

#include "api/run_request.hpp"
#include "job/job.hpp"

namespace runbox::service {

// A compile's key: tier, image tree, source file name, environment, command and limits, files.
std::string compile_key(const std::string& tier, const std::filesystem::path& rootfs, const std::string& source_file,
                        const std::vector<std::string>& env, const job::StagePlan& compile,
                        const std::vector<api::SourceFile>& files);

// A whole request's key: the files' generation (a reload may change a tier's seccomp policy or
// sandbox sizes: answers from before it are not reused), the run's command and limits, stdin,
// args, tests, comparison, checker and answer shaping.
std::string result_key(std::uint64_t generation, const std::string& tier, const std::string& runtime, const job::JobPlan& job,
                       const api::RunRequest& req);

}  // namespace runbox::service
