#pragma once
// What the notify test needs around a real runboxd: a NOTIFY_SOCKET the test owns (a unix
// datagram socket, as systemd's), runboxd as a child with its stderr collected, and a bare
// HTTP GET for /readyz.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace runbox::test {

// One sd_notify datagram: its text ("READY=1\nSTATUS=...") and the sender's pid (SO_PASSCRED:
// the kernel reports it whether or not the sender attached credentials).
struct Notification {
  std::string text;
  pid_t sender = -1;
  bool has(const std::string& assignment) const;  // a whole line, e.g. "READY=1"
  std::optional<std::string> value(const std::string& key) const;  // "STATUS" -> "slots ..."
};

class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<Notification> receive(std::chrono::milliseconds timeout);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// runboxd started with `args` (after the binary) and `env` added to this process's environment;
// stderr collected. Killed (SIGKILL) on destruction if still running.
// stderr is read on demand, by the calling thread (port(), stderr_log()): what runboxd wrote
// before it sent a notification is in the pipe by the time the notification arrives, so a
// read right then sees it (a reader thread might not have got to it yet).
class ChildDaemon {
 public:
  ChildDaemon(const std::vector<std::string>& args, const std::vector<std::string>& env);
  ~ChildDaemon();
  ChildDaemon(const ChildDaemon&) = delete;
  ChildDaemon& operator=(const ChildDaemon&) = delete;
  pid_t pid() const { return pid_; }
  // The port from "listening on 127.0.0.1:PORT" on its stderr; 0 until then.
  std::uint16_t port();
  std::string stderr_log();
  void signal(int sig);
  bool exited();  // reaps it when it has exited
  // Waits for the exit; the wait status, or nullopt at the timeout.
  std::optional<int> wait(std::chrono::seconds timeout);

 private:
  void pump();  // appends whatever is in the pipe now, without blocking

  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  int err_fd_ = -1;
  std::string log_;
};

// GET http://127.0.0.1:<port><path>: the status code, or -1 when nothing answers
// (connection refused, closed, or no reply within 2 s).
int http_status(std::uint16_t port, const std::string& path);

}  // namespace runbox::test
