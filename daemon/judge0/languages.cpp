#include "judge0/languages.hpp"

#include <array>
#include <cctype>

namespace runbox::judge0 {
namespace {

// Judge0 CE v1.13.1's active ids. The twelve runtimes runbox ships first, then ids kept for
// runtimes an operator may add under these names (each is offered once its runtime exists).
constexpr std::array kLanguages = {
    Language{43, "plaintext", "Plain Text"},
    Language{45, "nasm", "Assembly (NASM %)"},
    Language{46, "bash", "Bash (%)"},
    Language{50, "c", "C (GCC %)", true},
    Language{51, "csharp", "C# (Mono %)"},
    Language{54, "cpp", "C++ (GCC %)", true},
    Language{55, "lisp", "Common Lisp (SBCL %)"},
    Language{56, "d", "D (DMD %)"},
    Language{57, "elixir", "Elixir (%)"},
    Language{58, "erlang", "Erlang (OTP %)"},
    Language{59, "fortran", "Fortran (GFortran %)"},
    Language{60, "go", "Go (%)"},
    Language{61, "haskell", "Haskell (GHC %)"},
    Language{62, "java", "Java (OpenJDK %)"},
    Language{63, "javascript", "JavaScript (Node.js %)"},
    Language{64, "lua", "Lua (%)"},
    Language{65, "ocaml", "OCaml (%)"},
    Language{66, "octave", "Octave (%)"},
    Language{67, "pascal", "Pascal (FPC %)"},
    Language{68, "php", "PHP (%)"},
    Language{69, "prolog", "Prolog (GNU Prolog %)"},
    Language{71, "python3", "Python (%)"},
    Language{72, "ruby", "Ruby (%)"},
    Language{73, "rust", "Rust (%)", true},
    Language{74, "typescript", "TypeScript (%)"},
    Language{78, "kotlin", "Kotlin (%)"},
    Language{80, "r", "R (%)"},
    Language{81, "scala", "Scala (%)"},
    Language{82, "sqlite", "SQL (SQLite %)"},
    Language{83, "swift", "Swift (%)"},
    Language{85, "perl", "Perl (%)"},
    Language{86, "clojure", "Clojure (%)"},
    Language{88, "groovy", "Groovy (%)"},
};

std::optional<std::string> version_number(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i])) || (i && std::isdigit(static_cast<unsigned char>(v[i - 1]))))
      continue;
    std::size_t j = i, dots = 0;
    while (j < v.size() && (std::isdigit(static_cast<unsigned char>(v[j])) ||
                            (v[j] == '.' && j + 1 < v.size() && std::isdigit(static_cast<unsigned char>(v[j + 1]))))) {
      dots += v[j] == '.';
      ++j;
    }
    if (dots) return std::string(v.substr(i, j - i));
  }
  return std::nullopt;
}

}  // namespace

std::span<const Language> all_languages() { return kLanguages; }

const Language* language_by_id(int id) {
  for (const auto& l : kLanguages)
    if (l.id == id) return &l;
  return nullptr;
}

std::string language_name(const Language& l, const std::optional<std::string>& version) {
  std::string_view f = l.name_format;
  const std::size_t mark = f.find('%');
  if (mark == std::string_view::npos) return std::string(f);
  std::optional<std::string> number;
  if (version) number = version_number(*version);
  if (!number && version) {
    std::string_view first = *version;
    number = std::string(first.substr(0, first.find('\n')));
  }
  if (!number || number->empty()) {  // "Python (%)" -> "Python"; "C (GCC %)" -> "C (GCC)"
    std::string head(f.substr(0, mark)), tail(f.substr(mark + 1));
    while (!head.empty() && head.back() == ' ') head.pop_back();
    if (!head.empty() && head.back() == '(' && tail == ")") {
      head.pop_back();
      while (!head.empty() && head.back() == ' ') head.pop_back();
      return head;
    }
    return head + tail;
  }
  return std::string(f.substr(0, mark)) + *number + std::string(f.substr(mark + 1));
}

}  // namespace runbox::judge0
