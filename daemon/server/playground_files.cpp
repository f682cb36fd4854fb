#include "server/playground_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "api/error_body.hpp"
#include "server/facade.hpp"
#include "server/http_reply.hpp"

namespace runbox::server {
namespace {

constexpr std::string_view kPrefix = "/playground/";
constexpr off_t kMaxFileBytes = 8 * 1024 * 1024;  // codemirror.js is 400 KB

// No inline script or style, nothing from elsewhere: the page talks to this server only.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct FileRef {
  const std::filesystem::path* root;  // the configured directory it is in
  std::string relative;               // a name this file chose, never the request's text
  const char* content_type;
  bool page;                          // the page's own files: revalidated on every load
};

// A CodeMirror mode's directory and file name ("python", "clike", "commonlisp").
bool is_mode_name(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::optional<FileRef> file_for(std::string_view path, const config::PlaygroundConfig& c) {
  constexpr const char* js = "text/javascript; charset=utf-8";
  constexpr const char* css = "text/css; charset=utf-8";
  if (path == "/") return FileRef{&c.dir, "index.html", "text/html; charset=utf-8", true};
  std::string_view name = path.substr(kPrefix.size());
  if (name == "playground.js") return FileRef{&c.dir, "playground.js", js, true};
  if (name == "playground.css") return FileRef{&c.dir, "playground.css", css, true};
  if (name == "codemirror/lib/codemirror.js") return FileRef{&c.editor_dir, "lib/codemirror.js", js, false};
  if (name == "codemirror/lib/codemirror.css") return FileRef{&c.editor_dir, "lib/codemirror.css", css, false};
  constexpr std::string_view mode = "codemirror/mode/";
  if (name.starts_with(mode)) {  // codemirror/mode/<m>/<m>.js
    std::string_view rest = name.substr(mode.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string_view m = rest.substr(0, slash);
    if (!is_mode_name(m) || rest.substr(slash + 1) != std::string(m) + ".js") return std::nullopt;
    return FileRef{&c.editor_dir, "mode/" + std::string(m) + "/" + std::string(m) + ".js", js, false};
  }
  return std::nullopt;
}

Response error_reply(const Request& req, int status, const std::string& code, const std::string& message) {
  return json_reply(req, status, api::error_body({status, code, message}));
}

struct FileText {
  std::string body;
  std::string etag;
};

// The whole regular file, or nullopt (missing, not a regular file, too large, unreadable).
// O_NONBLOCK: a FIFO put there must not hang the I/O thread in open().
std::optional<FileText> read_regular_file(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<FileText> out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= kMaxFileBytes) {
    FileText f;
    f.body.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < f.body.size()) {
      const ssize_t n = ::read(fd, f.body.data() + got, f.body.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got == f.body.size()) {
      char tag[64];
      std::snprintf(tag, sizeof tag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                    static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ull +
                        static_cast<unsigned long long>(st.st_mtim.tv_nsec));
      f.etag = tag;
      out = std::move(f);
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

bool is_playground_path(std::string_view path) { return path == "/" || path.starts_with(kPrefix); }

std::optional<Response> serve_playground(const Request& req, const config::PlaygroundConfig& config) {
  const std::string_view path = path_of(req.target());
  if (!config.enabled || !is_playground_path(path)) return std::nullopt;
  auto ref = file_for(path, config);
  if (!ref) return error_reply(req, 404, "not_found", "no such playground file: " + std::string(path.substr(0, 200)));
  if (req.method() != http::verb::get) {
    Response res = error_reply(req, 405, "method_not_allowed", "GET is the only method for " + std::string(path));
    res.set(http::field::allow, "GET");
    return res;
  }
  auto file = read_regular_file(*ref->root / ref->relative);
  if (!file)  // (the configured directory is not named: the path is public)
    return error_reply(req, 404, "not_found", "the playground file " + std::string(path) + " is not installed here");
  const bool fresh = req[http::field::if_none_match] == file->etag;
  Response res{fresh ? http::status::not_modified : http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(http::field::etag, file->etag);
  // The page's own files are checked on every load (an upgrade shows at once); the editor's
  // change only with its Debian package.
  res.set(http::field::cache_control, ref->page ? "no-cache" : "public, max-age=86400");
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  if (!fresh) {
    res.set(http::field::content_type, ref->content_type);
    res.body() = std::move(file->body);
  }
  return res;
}

}  // namespace runbox::server
