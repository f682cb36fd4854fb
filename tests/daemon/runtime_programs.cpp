#include "runtime_programs.hpp"

#include <set>
#include <stdexcept>

namespace runbox::test {

namespace {

std::vector<RuntimeProgram> make_programs() {
  std::vector<RuntimeProgram> p;

  // ---------------------------------------------------------------- python3
  p.push_back(RuntimeProgram{
      "python3", "python", false,
      R"(print("hello, world")
)",
      R"(import sys
sys.stdout.buffer.write(sys.stdin.buffer.read())
)",
      R"(import sys
print(" ".join(sys.argv[1:]))
)",
      R"(import sys
sys.exit(3)
)",
      R"(import sys
sys.stderr.write("err\n")
)",
      R"(def divide(n):
    return 10 // n
print(divide(0))
)",
      {1, std::nullopt, "ZeroDivisionError"},
      "",
      "",
      R"(a, b = map(int, input().split())
print(a + b)
)"});

  // ---------------------------------------------------------------- bash
  p.push_back(RuntimeProgram{
      "bash", "scripting", false,
      R"(echo "hello, world"
)",
      R"(cat
)",
      R"(echo "$*"
)",
      R"(exit 3
)",
      R"(echo err >&2
)",
      // set -u: expanding an unset variable is an error that ends a non-interactive shell.
      R"(set -eu
echo "$undefined_variable"
echo "not reached"
)",
      {1, std::nullopt, "unbound variable"},
      "",
      "",
      R"(read -r a b
echo $((a + b))
)"});

  // ---------------------------------------------------------------- c
  p.push_back(RuntimeProgram{
      "c", "gcc", true,
      R"(#include <stdio.h>
int main(void) {
  printf("hello, world\n");
  return 0;
}
)",
      R"(#include <stdio.h>
int main(void) {
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
  return 0;
}
)",
      R"(#include <stdio.h>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) printf("%s%s", i > 1 ? " " : "", argv[i]);
  printf("\n");
  return 0;
}
)",
      R"(int main(void) { return 3; }
)",
      R"(#include <stdio.h>
int main(void) {
  fputs("err\n", stderr);
  return 0;
}
)",
      R"(#include <stdio.h>
int main(void) {
  volatile int* p = 0;
  *p = 42;
  printf("not reached\n");
  return 0;
}
)",
      {std::nullopt, "SIGSEGV", ""},
      R"(int main(void) {
  return undeclared_variable;
}
)",
      "undeclared_variable",
      R"(#include <stdio.h>
int main(void) {
  long a, b;
  if (scanf("%ld %ld", &a, &b) != 2) return 1;
  printf("%ld\n", a + b);
  return 0;
}
)"});

  // ---------------------------------------------------------------- cpp
  p.push_back(RuntimeProgram{
      "cpp", "gcc", true,
      R"(#include <iostream>
int main() {
  std::cout << "hello, world\n";
}
)",
      R"(#include <iostream>
int main() {
  std::cout << std::cin.rdbuf();
}
)",
      R"(#include <iostream>
#include <string>
int main(int argc, char** argv) {
  std::string out;
  for (int i = 1; i < argc; ++i) out += (i > 1 ? " " : "") + std::string(argv[i]);
  std::cout << out << "\n";
}
)",
      R"(int main() { return 3; }
)",
      R"(#include <iostream>
int main() {
  std::cerr << "err\n";
}
)",
      // An uncaught exception: std::terminate, which aborts.
      R"(#include <stdexcept>
int main() {
  throw std::runtime_error("boom");
}
)",
      {std::nullopt, "SIGABRT", "terminate called after throwing an instance of 'std::runtime_error'"},
      R"(#include <string>
int main() {
  std::string s = undeclared_function();
}
)",
      "undeclared_function",
      R"(#include <iostream>
int main() {
  long long a, b;
  std::cin >> a >> b;
  std::cout << a + b << "\n";
}
)"});

  // ---------------------------------------------------------------- javascript
  p.push_back(RuntimeProgram{
      "javascript", "node", false,
      R"(console.log("hello, world");
)",
      R"(process.stdout.write(require("fs").readFileSync(0));
)",
      R"(console.log(process.argv.slice(2).join(" "));
)",
      R"(process.exit(3);
)",
      R"(process.stderr.write("err\n");
)",
      R"(const record = null;
console.log(record.field);
)",
      {1, std::nullopt, "TypeError: Cannot read properties of null"},
      "",
      "",
      R"(const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(a + b);
)"});

  // ---------------------------------------------------------------- java
  p.push_back(RuntimeProgram{
      "java", "java", true,
      R"(public class Main {
  public static void main(String[] args) {
    System.out.println("hello, world");
  }
}
)",
      R"(public class Main {
  public static void main(String[] args) throws Exception {
    System.in.transferTo(System.out);
    System.out.flush();
  }
}
)",
      R"(public class Main {
  public static void main(String[] args) {
    System.out.println(String.join(" ", args));
  }
}
)",
      R"(public class Main {
  public static void main(String[] args) {
    System.exit(3);
  }
}
)",
      R"(public class Main {
  public static void main(String[] args) {
    System.err.print("err\n");
  }
}
)",
      R"(public class Main {
  public static void main(String[] args) {
    Object o = null;
    System.out.println(o.hashCode());
  }
}
)",
      {1, std::nullopt, "java.lang.NullPointerException"},
      R"(public class Main {
  public static void main(String[] args) {
    int x = "not a number";
  }
}
)",
      "incompatible types",
      R"(import java.util.Scanner;
public class Main {
  public static void main(String[] args) {
    Scanner in = new Scanner(System.in);
    long a = in.nextLong(), b = in.nextLong();
    System.out.println(a + b);
  }
}
)"});

  // ---------------------------------------------------------------- go
  p.push_back(RuntimeProgram{
      "go", "go", true,
      R"(package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
)",
      R"(package main

import (
	"io"
	"os"
)

func main() {
	io.Copy(os.Stdout, os.Stdin)
}
)",
      R"(package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	fmt.Println(strings.Join(os.Args[1:], " "))
}
)",
      R"(package main

import "os"

func main() {
	os.Exit(3)
}
)",
      R"(package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprint(os.Stderr, "err\n")
}
)",
      // Go turns the SIGSEGV into a panic, which exits 2.
      R"(package main

import "fmt"

func main() {
	var p *int
	fmt.Println(*p)
}
)",
      {2, std::nullopt, "panic: runtime error: invalid memory address or nil pointer dereference"},
      R"(package main

import "fmt"

func main() {
	fmt.Println(undefinedVariable)
}
)",
      "undefined: undefinedVariable",
      R"(package main

import "fmt"

func main() {
	var a, b int64
	fmt.Scan(&a, &b)
	fmt.Println(a + b)
}
)"});

  // ---------------------------------------------------------------- rust
  p.push_back(RuntimeProgram{
      "rust", "rust", true,
      R"(fn main() {
    println!("hello, world");
}
)",
      R"(use std::io::{self, Read, Write};
fn main() {
    let mut buf = Vec::new();
    io::stdin().read_to_end(&mut buf).unwrap();
    io::stdout().write_all(&buf).unwrap();
}
)",
      R"(fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("{}", args.join(" "));
}
)",
      R"(fn main() {
    std::process::exit(3);
}
)",
      R"(fn main() {
    eprint!("err\n");
}
)",
      // A panic (index out of bounds) exits 101.
      R"(fn main() {
    let v: Vec<i32> = Vec::new();
    let i = std::env::args().count() + 2;
    println!("{}", v[i]);
}
)",
      {101, std::nullopt, "index out of bounds"},
      R"(fn main() {
    let x: i32 = "not a number";
    println!("{}", x);
}
)",
      "mismatched types",
      R"(use std::io::Read;
fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let sum: i64 = s.split_whitespace().map(|t| t.parse::<i64>().unwrap()).sum();
    println!("{}", sum);
}
)"});

  // ---------------------------------------------------------------- ruby
  p.push_back(RuntimeProgram{
      "ruby", "scripting", false,
      R"(puts "hello, world"
)",
      R"($stdin.binmode
$stdout.binmode
$stdout.write($stdin.read)
)",
      R"(puts ARGV.join(" ")
)",
      R"(exit 3
)",
      R"($stderr.write "err\n"
)",
      R"(value = nil
puts value.upcase
)",
      {1, std::nullopt, "undefined method `upcase' for nil"},
      "",
      "",
      R"(a, b = $stdin.read.split.map(&:to_i)
puts a + b
)"});

  // ---------------------------------------------------------------- php
  p.push_back(RuntimeProgram{
      "php", "scripting", false,
      R"(<?php
echo "hello, world\n";
)",
      R"(<?php
echo stream_get_contents(STDIN);
)",
      R"(<?php
echo implode(" ", array_slice($argv, 1)), "\n";
)",
      R"(<?php
exit(3);
)",
      R"(<?php
fwrite(STDERR, "err\n");
)",
      // An uncaught exception is a fatal error: exit status 255.
      R"(<?php
throw new Exception("boom");
)",
      {255, std::nullopt, "Uncaught Exception: boom"},
      "",
      "",
      R"(<?php
fscanf(STDIN, "%d %d", $a, $b);
echo $a + $b, "\n";
)"});

  // ---------------------------------------------------------------- perl
  p.push_back(RuntimeProgram{
      "perl", "scripting", false,
      R"(print "hello, world\n";
)",
      R"(binmode STDIN;
binmode STDOUT;
local $/;
print <STDIN>;
)",
      R"(print join(" ", @ARGV), "\n";
)",
      R"(exit 3;
)",
      R"(print STDERR "err\n";
)",
      // die's exit status is $! when set, else 255: clear $! so the status does not depend on
      // whatever system call failed last inside perl.
      R"(my $zero = 0;
$! = 0;
my $x = 1 / $zero;
print "not reached\n";
)",
      {255, std::nullopt, "Illegal division by zero"},
      "",
      "",
      R"(my ($a, $b) = split ' ', <STDIN>;
print $a + $b, "\n";
)"});

  // ---------------------------------------------------------------- lua
  p.push_back(RuntimeProgram{
      "lua", "scripting", false,
      R"(print("hello, world")
)",
      R"(io.write(io.read("a"))
)",
      R"(print(table.concat(arg, " "))
)",
      R"(os.exit(3)
)",
      R"(io.stderr:write("err\n")
)",
      R"(local t = nil
print(t.field)
)",
      {1, std::nullopt, "attempt to index a nil value"},
      "",
      "",
      R"(local a, b = io.read("n", "n")
print(a + b)
)"});

  add_more_runtime_programs(p);
  return p;
}

}  // namespace

const std::vector<RuntimeProgram>& runtime_programs() {
  static const std::vector<RuntimeProgram> programs = make_programs();
  return programs;
}

const RuntimeProgram& runtime_program(const std::string& name) {
  for (const auto& p : runtime_programs())
    if (p.name == name) return p;
  throw std::invalid_argument("no test programs for runtime " + name);
}

std::vector<std::string> runtime_images(const std::string& group) {
  std::set<std::string> images;
  for (const auto& p : runtime_programs())
    if (p.group == group) images.insert(p.image);
  return {images.begin(), images.end()};
}

}  // namespace runbox::test
