// runboxd, the HTTP service, is built in the daemon issue. Until then this placeholder says so
// and fails, so nothing mistakes it for a running service.
#include <cstdio>

int main() {
  std::fputs("runboxd: the HTTP service is not built yet (see the daemon issue); "
             "use `runbox exec` to run a program in the sandbox.\n",
             stderr);
  return 2;
}
