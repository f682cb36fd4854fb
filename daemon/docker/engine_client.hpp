#pragma once
// A small synchronous client for the Docker Engine API over its unix socket, written on
// Boost.Beast: no `docker` CLI, no third-party SDK. Every call opens its own connection (a unix
// socket connect costs microseconds) so one client can be shared by slot threads without locks.
// Every path is versioned (/v1.41/...). Whatever goes wrong — no socket, connection refused, a
// timeout, an error status with the engine's {"message": ...} — is a docker::EngineError whose
// text says so in runbox's words.
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace runbox::docker {

inline constexpr const char* kDefaultSocket = "/var/run/docker.sock";
inline constexpr std::string_view kApiVersion = "v1.41";

class EngineError : public std::runtime_error {
 public:
  // status: the engine's HTTP status, or 0 when it never answered (absent, refused, timed out).
  explicit EngineError(const std::string& what, unsigned status = 0) : std::runtime_error(what), status_(status) {}
  unsigned status() const { return status_; }
  bool unreachable() const { return status_ == 0; }

 private:
  unsigned status_;
};

struct Response {
  unsigned status = 0;
  std::string body;
};

// The connection left over after `POST /containers/{id}/attach` switched protocols (101): a
// plain bidirectional byte stream of the container's stdin and its multiplexed stdout/stderr.
// Owned fd, closed on destruction; the caller polls it (non-blocking after the hijack).
class HijackedStream {
 public:
  HijackedStream(int fd, std::string already_read) : fd_(fd), pending_(std::move(already_read)) {}
  ~HijackedStream();
  HijackedStream(const HijackedStream&) = delete;
  HijackedStream& operator=(const HijackedStream&) = delete;

  int fd() const { return fd_; }
  // Bytes the HTTP parser read past the 101 response: the stream's first bytes. Taken once.
  std::string take_pending() { return std::move(pending_); }
  // Ends the container's stdin (the engine closes it on our write-side EOF with StdinOnce).
  void close_write();

 private:
  int fd_;
  std::string pending_;
};

class EngineClient {
 public:
  using Clock = std::chrono::steady_clock;
  // Gets each piece of a streamed body as it arrives; throwing from it aborts the transfer.
  using ChunkFn = std::function<void(std::string_view)>;

  explicit EngineClient(std::filesystem::path socket = kDefaultSocket,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::filesystem::path& socket() const { return socket_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  // One request; `target` is the part after the version ("/containers/json?all=1"). Returns any
  // status the engine answers with; throws EngineError only when it does not answer in time.
  Response request(std::string_view method, const std::string& target, const std::string& body = {},
                   const std::string& content_type = "application/json") const;
  Response request(std::string_view method, const std::string& target, const std::string& body,
                   const std::string& content_type, std::chrono::milliseconds timeout) const;

  // Like request(), but a status outside 2xx is an EngineError carrying the engine's message,
  // prefixed with `what` ("create container: ..."). Returns the body.
  std::string call(std::string_view method, const std::string& target, const std::string& what,
                   const std::string& body = {}, const std::string& content_type = "application/json") const;

  // A streamed response (container export, archive download, image pull progress): each body
  // chunk goes to on_chunk as it arrives. A non-2xx status is an EngineError with the engine's
  // message. idle_timeout bounds the wait for each next piece, not the whole transfer.
  // Returns the number of body bytes.
  std::uint64_t get_stream(const std::string& target, const ChunkFn& on_chunk,
                           std::chrono::milliseconds idle_timeout = std::chrono::seconds(60)) const;
  std::uint64_t stream(std::string_view method, const std::string& target, const std::string& body,
                       const std::string& content_type, const ChunkFn& on_chunk,
                       std::chrono::milliseconds idle_timeout = std::chrono::seconds(60)) const;

  // PUT /containers/{id}/archive?path=<dir>: extracts a tar into the container. Throws on refusal.
  void put_archive(const std::string& container_id, const std::string& dir, const std::string& tar) const;

  // POST `target` with "Upgrade: tcp" and hands over the raw connection after the 101.
  std::unique_ptr<HijackedStream> hijack(const std::string& target) const;

  // GET /_ping: throws EngineError when the engine does not answer "OK".
  void ping() const;
  boost::json::value version() const;
  boost::json::value info() const;
  // The OCI runtimes the engine has registered (from info()): "runc", "runsc", ...
  std::vector<std::string> runtimes() const;

 private:
  std::filesystem::path socket_;
  std::chrono::milliseconds timeout_;
};

// "%2F" and friends for a query-string value.
std::string url_encode(std::string_view s);

}  // namespace runbox::docker
