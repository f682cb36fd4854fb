#include <cerrno>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// execvpe would search the *caller's* PATH; the candidates come from the sandbox's own PATH.
// Like execvp, a permission error is remembered but the search goes on.
void exec_program(const ChildPlan& p, ChildFailure& f) {
  int saved = ENOENT;
  for (const char* const* c = p.exec_candidates; *c; ++c) {
    ::execve(*c, p.argv, p.envp);
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
