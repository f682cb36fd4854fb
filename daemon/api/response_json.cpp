#include "api/response_json.hpp"

#include <charconv>
#include <string_view>

#include "api/base64.hpp"
#include "api/utf8_replace.hpp"

namespace runbox::api {
namespace {

// Where the text goes: counted first, then appended to a string reserved at that size. The same
// writer code runs over both, so the count is exact.
struct Counter {
  std::size_t size = 0;
  void put(std::string_view s) { size += s.size(); }
};
struct Appender {
  std::string& out;
  void put(std::string_view s) { out.append(s); }
};

template <class Sink>
class Writer {
 public:
  explicit Writer(Sink& sink) : sink_(sink) {}

  void raw(std::string_view s) { sink_.put(s); }
  void key(std::string_view k) {
    raw(first_ ? "\"" : ",\"");
    raw(k);
    raw("\":");
    first_ = false;
  }
  void open() {
    raw("{");
    first_ = true;
  }
  void close() {
    raw("}");
    first_ = false;
  }

  // A JSON string of `bytes` read as UTF-8: ill-formed pieces become U+FFFD, '"', '\' and
  // control bytes are escaped (as Boost.JSON's serializer does: short forms, else \u00XX).
  void text(std::string_view bytes) {
    raw("\"");
    std::size_t plain = 0;  // start of the run of bytes that need no escape
    for (std::size_t i = 0; i < bytes.size();) {
      const Utf8Piece piece = next_utf8_piece(bytes, i);
      const auto c = static_cast<unsigned char>(bytes[i]);
      const bool needs_escape = !piece.valid || (piece.length == 1 && (c < 0x20 || c == '"' || c == '\\'));
      if (needs_escape) {
        raw(bytes.substr(plain, i - plain));
        if (!piece.valid) raw(kUtf8Replacement);
        else escape(c);
        plain = i + piece.length;
      }
      i += piece.length;
    }
    raw(bytes.substr(plain));
    raw("\"");
  }

  void base64(std::string_view bytes) {
    raw("\"");
    constexpr std::size_t kChunk = 3 * 4096;  // a multiple of 3: padding only at the very end
    for (std::size_t i = 0; i < bytes.size(); i += kChunk) raw(base64_encode(bytes.substr(i, kChunk)));
    raw("\"");
  }

  void output(std::string_view bytes, Encoding encoding) {
    if (encoding == Encoding::base64) base64(bytes);
    else text(bytes);
  }

  template <class N>
  void number(N n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    raw(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }
  void boolean(bool b) { raw(b ? "true" : "false"); }
  void text_or_null(const std::optional<std::string>& s) {
    if (s) text(*s);
    else raw("null");
  }

 private:
  void escape(unsigned char c) {
    switch (c) {
      case '"': return raw("\\\"");
      case '\\': return raw("\\\\");
      case '\b': return raw("\\b");
      case '\f': return raw("\\f");
      case '\n': return raw("\\n");
      case '\r': return raw("\\r");
      case '\t': return raw("\\t");
      default: {
        static const char* hex = "0123456789abcdef";
        const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        return raw(std::string_view(u, 6));
      }
    }
  }

  Sink& sink_;
  bool first_ = true;
};

void release(std::string& s) { std::string().swap(s); }

// release: the stage's output is freed once written (the writing pass only).
template <class Sink>
void write_stage(Writer<Sink>& w, StageResult& s, Encoding encoding, bool is_test, bool release_output,
                 bool is_compile = false) {
  w.open();
  w.key("status");
  w.text(s.status);
  w.key("exit_code");
  if (s.exit_code) w.number(*s.exit_code);
  else w.raw("null");
  w.key("signal");
  w.text_or_null(s.signal);
  // A hidden test's output stays out of the answer: no stdout, stderr or output member at all.
  if (!s.hidden) {
    w.key("stdout");
    w.output(s.stdout_data, encoding);
    if (release_output) release(s.stdout_data);
    w.key("stderr");
    w.output(s.stderr_data, encoding);
    if (release_output) release(s.stderr_data);
    w.key("output");
    w.output(s.output_data, encoding);
    if (release_output) release(s.output_data);
  }
  w.key("stdout_truncated");
  w.boolean(s.stdout_truncated);
  w.key("stderr_truncated");
  w.boolean(s.stderr_truncated);
  w.key("cpu_ms");
  w.number(s.cpu_ms);
  w.key("wall_ms");
  w.number(s.wall_ms);
  w.key("memory_kb");
  w.number(s.memory_kb);
  if (is_test) {
    w.key("verdict");
    w.text(s.verdict.value_or(s.status));
    // Only where they say something: a hidden test, a test a checker judged.
    if (s.hidden) {
      w.key("hidden");
      w.boolean(true);
    }
    if (s.checker_message) {
      w.key("checker_message");
      w.text(*s.checker_message);
    }
  }
  if (is_compile) {
    w.key("cached");
    w.boolean(s.cached);
  }
  w.close();
}

template <class Sink>
void write_response(Sink& sink, RunResponse& r, Encoding encoding, bool release_output) {
  Writer<Sink> w(sink);
  auto stage_or_null = [&](std::optional<StageResult>& s, bool is_compile) {
    if (s) write_stage(w, *s, encoding, false, release_output, is_compile);
    else w.raw("null");
  };
  w.open();
  w.key("id");
  w.text(r.id);
  w.key("runtime");
  w.text(r.runtime);
  w.key("version");
  w.text_or_null(r.version);
  w.key("backend");
  w.text(r.backend);
  w.key("compile");
  stage_or_null(r.compile, true);
  w.key("run");
  stage_or_null(r.run, false);
  w.key("tests");
  if (r.tests) {
    w.raw("[");
    bool first = true;
    for (StageResult& t : *r.tests) {
      if (!first) w.raw(",");
      first = false;
      write_stage(w, t, encoding, true, release_output);
    }
    w.raw("]");
  } else {
    w.raw("null");
  }
  w.key("cached");
  w.boolean(r.cached);
  w.close();
}

}  // namespace

std::string response_text(RunResponse&& response, Encoding encoding) {
  Counter counter;
  write_response(counter, response, encoding, false);
  std::string out;
  out.reserve(counter.size);
  Appender appender{out};
  write_response(appender, response, encoding, true);
  return out;
}

std::string stage_text(StageResult&& stage, Encoding encoding, bool is_test, bool is_compile) {
  std::string out;
  Appender appender{out};
  Writer<Appender> w(appender);
  write_stage(w, stage, encoding, is_test, true, is_compile);
  return out;
}

}  // namespace runbox::api
