#include <cerrno>
#include <ctime>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// execvpe would search the *caller's* PATH; the candidates come from the sandbox's own PATH.
// Like execvp, a permission error is remembered but the search goes on.
// ETXTBSY: some process still holds the file open for writing. The daemon's own descriptors are
// the only such writers a run can meet (a judge copy of the binary in progress when another
// slot's clone3 duplicated it; the child closes inherited descriptors at once, which narrows that
// to microseconds): wait a millisecond and try again, for at most 100 ms.
namespace {

int execve_retrying_busy(const char* path, char* const* argv, char* const* envp) {
  for (int attempt = 0;; ++attempt) {
    ::execve(path, argv, envp);
    if (errno != ETXTBSY || attempt == 100) return -1;
    timespec ms{0, 1000000};
    ::nanosleep(&ms, nullptr);
  }
}

}  // namespace

void exec_program(const ChildPlan& p, ChildFailure& f) {
  int saved = ENOENT;
  for (const char* const* c = p.exec_candidates; *c; ++c) {
    execve_retrying_busy(*c, p.argv, p.envp);
    if (errno == EACCES) saved = EACCES;
    else if (errno != ENOENT && errno != ENOTDIR) {
      saved = errno;
      break;
    }
  }
  errno = saved;
  check(false, Step::exec, f);
}

}  // namespace runbox::sandbox::child
