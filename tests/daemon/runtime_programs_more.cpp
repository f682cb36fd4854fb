// Test programs of the runtimes added after the first twelve (see runtime_programs.hpp).
#include <optional>

#include "runtime_programs.hpp"

namespace runbox::test {

namespace {

void add(std::vector<RuntimeProgram>& p, const std::string& group, RuntimeProgram prog) {
  prog.group = group;
  p.push_back(std::move(prog));
}

}  // namespace

void add_more_runtime_programs(std::vector<RuntimeProgram>& p) {
  // ================================================================ jvm
  add(p, "jvm", RuntimeProgram{
      "kotlin", "jvm", true,
      R"(fun main() {
    println("hello, world")
}
)",
      R"(fun main() {
    System.out.write(System.`in`.readBytes())
    System.out.flush()
}
)",
      R"(fun main(args: Array<String>) {
    println(args.joinToString(" "))
}
)",
      R"(fun main() {
    kotlin.system.exitProcess(3)
}
)",
      R"(fun main() {
    System.err.print("err\n")
}
)",
      R"(fun main() {
    val s: String? = null
    println(s!!.length)
}
)",
      {1, std::nullopt, "NullPointerException"},
      R"(fun main() {
    val x: Int = undeclaredName
}
)",
      "undeclaredName",
      R"(fun main() {
    val (a, b) = readLine()!!.trim().split(Regex("\\s+")).map { it.toLong() }
    println(a + b)
}
)"});

  add(p, "jvm", RuntimeProgram{
      "scala", "jvm", true,
      R"(object Main {
  def main(args: Array[String]): Unit = println("hello, world")
}
)",
      R"(object Main {
  def main(args: Array[String]): Unit = {
    val buf = new Array[Byte](4096)
    var n = System.in.read(buf)
    while (n > 0) {
      System.out.write(buf, 0, n)
      n = System.in.read(buf)
    }
    System.out.flush()
  }
}
)",
      R"(object Main {
  def main(args: Array[String]): Unit = println(args.mkString(" "))
}
)",
      R"(object Main {
  def main(args: Array[String]): Unit = sys.exit(3)
}
)",
      R"(object Main {
  def main(args: Array[String]): Unit = System.err.print("err\n")
}
)",
      R"(object Main {
  def main(args: Array[String]): Unit = {
    val s: String = null
    println(s.length)
  }
}
)",
      {1, std::nullopt, "NullPointerException"},
      R"(object Main {
  def main(args: Array[String]): Unit = {
    val x: Int = undeclaredName
  }
}
)",
      "undeclaredName",
      R"(object Main {
  def main(args: Array[String]): Unit = {
    val Array(a, b) = scala.io.StdIn.readLine().trim.split("\\s+").map(_.toLong)
    println(a + b)
  }
}
)"});

  add(p, "jvm", RuntimeProgram{
      "clojure", "jvm", false,
      R"((println "hello, world")
)",
      R"((let [buf (byte-array 4096)]
  (loop []
    (let [n (.read System/in buf)]
      (when (pos? n)
        (.write System/out buf 0 n)
        (recur))))
  (.flush System/out))
)",
      R"((println (clojure.string/join " " *command-line-args*))
)",
      R"((System/exit 3)
)",
      R"((.print System/err "err\n")
(.flush System/err)
)",
      R"((defn divide [n] (/ 10 n))
(println (divide 0))
)",
      {1, std::nullopt, "ArithmeticException"},
      "",
      "",
      R"((let [[a b] (map #(Long/parseLong %) (clojure.string/split (clojure.string/trim (read-line)) #"\s+"))]
  (println (+ a b)))
)"});

  add(p, "jvm", RuntimeProgram{
      "groovy", "jvm", false,
      R"(println "hello, world"
)",
      R"(System.out << System.in
System.out.flush()
)",
      R"(println args.join(" ")
)",
      R"(System.exit(3)
)",
      R"(System.err.print "err\n"
)",
      R"(def s = null
println s.length()
)",
      {1, std::nullopt, "NullPointerException"},
      "",
      "",
      R"(def (a, b) = System.in.newReader().readLine().trim().split(/\s+/).collect { it as long }
println a + b
)"});

  // ================================================================ functional
  add(p, "functional", RuntimeProgram{
      "haskell", "haskell", true,
      R"(main :: IO ()
main = putStrLn "hello, world"
)",
      R"(import qualified Data.ByteString as B
main :: IO ()
main = B.getContents >>= B.putStr
)",
      R"(import System.Environment (getArgs)
main :: IO ()
main = getArgs >>= putStrLn . unwords
)",
      R"(import System.Exit
main :: IO ()
main = exitWith (ExitFailure 3)
)",
      R"(import System.IO
main :: IO ()
main = hPutStr stderr "err\n"
)",
      R"(main :: IO ()
main = print (head ([] :: [Int]))
)",
      {1, std::nullopt, "empty list"},
      R"(main :: IO ()
main = putStrLn undeclaredName
)",
      "undeclaredName",
      R"(main :: IO ()
main = do
  [a, b] <- map read . words <$> getLine
  print (a + b :: Integer)
)"});

  add(p, "functional", RuntimeProgram{
      "ocaml", "functional", true,
      R"(let () = print_endline "hello, world"
)",
      R"(let () =
  let buf = Bytes.create 4096 in
  let rec loop () =
    let n = input stdin buf 0 4096 in
    if n > 0 then (output stdout buf 0 n; loop ())
  in
  loop ();
  flush stdout
)",
      R"(let () = print_endline (String.concat " " (List.tl (Array.to_list Sys.argv)))
)",
      R"(let () = exit 3
)",
      R"(let () = prerr_string "err\n"
)",
      R"(let () = print_int (List.hd [])
)",
      {2, std::nullopt, "Fatal error: exception Failure"},
      R"(let () = print_endline undeclared_name
)",
      "undeclared_name",
      R"(let () = Scanf.scanf " %d %d" (fun a b -> Printf.printf "%d\n" (a + b))
)"});

  add(p, "functional", RuntimeProgram{
      "racket", "functional", false,
      R"(#lang racket/base
(displayln "hello, world")
)",
      R"(#lang racket/base
(require racket/port)
(void (copy-port (current-input-port) (current-output-port)))
)",
      R"(#lang racket/base
(require racket/string)
(displayln (string-join (vector->list (current-command-line-arguments)) " "))
)",
      R"(#lang racket/base
(exit 3)
)",
      R"(#lang racket/base
(display "err\n" (current-error-port))
)",
      R"(#lang racket/base
(displayln (car '()))
)",
      {1, std::nullopt, "car: contract violation"},
      "",
      "",
      R"(#lang racket/base
(define a (read))
(define b (read))
(displayln (+ a b))
)"});

  add(p, "functional", RuntimeProgram{
      "commonlisp", "functional", false,
      R"((format t "hello, world~%")
)",
      R"((loop for c = (read-char *standard-input* nil) while c do (write-char c))
)",
      R"((format t "~{~a~^ ~}~%" (rest sb-ext:*posix-argv*))
)",
      R"((sb-ext:exit :code 3)
)",
      R"((format *error-output* "err~%")
)",
      R"((defun divide (n) (/ 10 n))
(print (divide (length (rest sb-ext:*posix-argv*))))
)",
      {1, std::nullopt, "DIVISION-BY-ZERO"},
      "",
      "",
      R"((let ((a (read)) (b (read)))
  (format t "~d~%" (+ a b)))
)"});

  add(p, "functional", RuntimeProgram{
      "erlang", "functional", false,
      R"(-module(main).
-export([main/1]).
main(_) -> io:format("hello, world~n").
)",
      R"(-module(main).
-export([main/1]).
main(_) ->
    ok = io:setopts(standard_io, [binary]),
    loop().
loop() ->
    case file:read(standard_io, 4096) of
        {ok, Data} -> ok = file:write(standard_io, Data), loop();
        eof -> ok
    end.
)",
      R"(-module(main).
-export([main/1]).
main(Args) -> io:format("~s~n", [lists:join(" ", Args)]).
)",
      R"(-module(main).
-export([main/1]).
main(_) -> halt(3).
)",
      R"(-module(main).
-export([main/1]).
main(_) -> io:format(standard_error, "err~n", []).
)",
      R"(-module(main).
-export([main/1]).
main(Args) -> io:format("~p~n", [10 div length(Args)]).
)",
      {127, std::nullopt, "exception error"},
      "",
      "",
      R"(-module(main).
-export([main/1]).
main(_) ->
    {ok, [A, B]} = io:fread("", "~d ~d"),
    io:format("~b~n", [A + B]).
)"});

  add(p, "functional", RuntimeProgram{
      "elixir", "functional", false,
      R"(IO.puts("hello, world")
)",
      R"(IO.binwrite(:stdio, IO.binread(:stdio, :eof))
)",
      R"(IO.puts(Enum.join(System.argv(), " "))
)",
      R"(System.halt(3)
)",
      R"(IO.write(:stderr, "err\n")
)",
      R"(raise ArgumentError, "boom"
)",
      {1, std::nullopt, "ArgumentError"},
      "",
      "",
      R"([a, b] = IO.read(:stdio, :line) |> String.split() |> Enum.map(&String.to_integer/1)
IO.puts(a + b)
)"});

  add(p, "functional", RuntimeProgram{
      "r", "r", false,
      R"(cat("hello, world\n")
)",
      R"(con <- file("stdin", "rb")
x <- readBin(con, "raw", 1e6)
cat(rawToChar(x))
)",
      R"(cat(paste(commandArgs(trailingOnly = TRUE), collapse = " "), "\n", sep = "")
)",
      R"(quit(status = 3)
)",
      R"(cat("err\n", file = stderr())
)",
      R"(stop("boom")
)",
      {1, std::nullopt, "Error: boom"},
      "",
      "",
      R"(x <- scan(file("stdin"), what = numeric(), quiet = TRUE)
cat(format(sum(x), scientific = FALSE), "\n", sep = "")
)"});

  add(p, "functional", RuntimeProgram{
      "typescript", "node", true,
      R"(const greeting: string = "hello, world";
console.log(greeting);
)",
      R"(import { readFileSync } from "fs";
process.stdout.write(readFileSync(0));
)",
      R"(console.log(process.argv.slice(2).join(" "));
)",
      R"(process.exit(3);
)",
      R"(process.stderr.write("err\n");
)",
      R"(const record: any = null;
console.log(record.field);
)",
      {1, std::nullopt, "TypeError: Cannot read properties of null"},
      R"(const n: number = "not a number";
console.log(n);
)",
      "is not assignable to type 'number'",
      R"(import { readFileSync } from "fs";
const [a, b] = readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(a + b);
)"});

  // ================================================================ native
  add(p, "native", RuntimeProgram{
      "csharp", "native", true,
      R"(using System;
class Program {
  static void Main() {
    Console.WriteLine("hello, world");
  }
}
)",
      R"(using System;
using System.IO;
class Program {
  static void Main() {
    using (Stream i = Console.OpenStandardInput(), o = Console.OpenStandardOutput()) i.CopyTo(o);
  }
}
)",
      R"(using System;
class Program {
  static void Main(string[] args) {
    Console.WriteLine(string.Join(" ", args));
  }
}
)",
      R"(class Program {
  static int Main() { return 3; }
}
)",
      R"(using System;
class Program {
  static void Main() {
    Console.Error.Write("err\n");
  }
}
)",
      R"(using System;
class Program {
  static void Main() {
    string s = null;
    Console.WriteLine(s.Length);
  }
}
)",
      {1, std::nullopt, "System.NullReferenceException"},
      R"(class Program {
  static void Main() {
    int x = undeclaredName;
  }
}
)",
      "undeclaredName",
      R"(using System;
class Program {
  static void Main() {
    var p = Console.ReadLine().Split(new[] {' '}, StringSplitOptions.RemoveEmptyEntries);
    Console.WriteLine(long.Parse(p[0]) + long.Parse(p[1]));
  }
}
)"});

  add(p, "native", RuntimeProgram{
      "pascal", "native", true,
      R"(program Hello;
begin
  writeln('hello, world');
end.
)",
      R"(program Echo;
uses BaseUnix;
var
  buf: array[0..4095] of byte;
  n: TSsize;
begin
  repeat
    n := fpRead(0, buf, SizeOf(buf));
    if n > 0 then fpWrite(1, buf, n);
  until n <= 0;
end.
)",
      R"(program Args;
var i: integer;
begin
  for i := 1 to ParamCount do
  begin
    if i > 1 then write(' ');
    write(ParamStr(i));
  end;
  writeln;
end.
)",
      R"(program Exit3;
begin
  halt(3);
end.
)",
      R"(program Err;
begin
  writeln(StdErr, 'err');
end.
)",
      R"(program Crash;
var a, b: integer;
begin
  a := 10;
  b := ParamCount;
  writeln(a div b);
end.
)",
      {200, std::nullopt, "Runtime error 200"},
      R"(program Bad;
begin
  writeln(undeclaredName);
end.
)",
      "undeclaredName",
      R"(program APlusB;
var a, b: int64;
begin
  read(a, b);
  writeln(a + b);
end.
)"});

  add(p, "native", RuntimeProgram{
      "fortran", "native", true,
      R"(program hello
  print '(a)', 'hello, world'
end program hello
)",
      // Byte for byte: Fortran's own input is record-oriented (and /dev/stdin, a pipe of
      // another uid, cannot be reopened), so the C library's read and write, through
      // ISO_C_BINDING.
      R"(program echo
  use iso_c_binding
  implicit none
  interface
    integer(c_long) function c_read(fd, buf, n) bind(c, name='read')
      import :: c_int, c_long, c_size_t, c_char
      integer(c_int), value :: fd
      character(kind=c_char) :: buf(*)
      integer(c_size_t), value :: n
    end function c_read
    integer(c_long) function c_write(fd, buf, n) bind(c, name='write')
      import :: c_int, c_long, c_size_t, c_char
      integer(c_int), value :: fd
      character(kind=c_char) :: buf(*)
      integer(c_size_t), value :: n
    end function c_write
  end interface
  character(kind=c_char) :: buf(4096)
  integer(c_long) :: n, w
  do
    n = c_read(0_c_int, buf, 4096_c_size_t)
    if (n <= 0) exit
    w = c_write(1_c_int, buf, int(n, c_size_t))
  end do
end program echo
)",
      R"(program args
  implicit none
  integer :: i, n
  character(len=256) :: a
  character(len=:), allocatable :: line
  line = ''
  do i = 1, command_argument_count()
    call get_command_argument(i, a, n)
    if (i > 1) line = line // ' '
    line = line // a(1:n)
  end do
  print '(a)', line
end program args
)",
      R"(program exit3
  call exit(3)
end program exit3
)",
      R"(program err
  use iso_fortran_env, only: error_unit
  write(error_unit, '(a)') 'err'
end program err
)",
      R"(program crash
  implicit none
  integer, pointer :: p => null()
  p = 42
  print *, p
end program crash
)",
      {std::nullopt, "SIGSEGV", "SIGSEGV"},
      R"(program bad
  implicit none
  print *, undeclared_name
end program bad
)",
      "undeclared_name",
      R"(program aplusb
  implicit none
  integer(8) :: a, b
  read(*, *) a, b
  print '(i0)', a + b
end program aplusb
)"});

  add(p, "native", RuntimeProgram{
      "d", "native", true,
      R"(import std.stdio;
void main() {
    writeln("hello, world");
}
)",
      R"(import std.stdio;
void main() {
    foreach (ubyte[] chunk; stdin.byChunk(4096)) stdout.rawWrite(chunk);
}
)",
      R"(import std.stdio, std.array;
void main(string[] args) {
    writeln(args[1 .. $].join(" "));
}
)",
      R"(int main() {
    return 3;
}
)",
      R"(import std.stdio;
void main() {
    stderr.write("err\n");
}
)",
      R"(void main() {
    throw new Exception("boom");
}
)",
      {1, std::nullopt, "object.Exception"},
      R"(void main() {
    int x = undeclaredName;
}
)",
      "undeclaredName",
      R"(import std.stdio;
void main() {
    long a, b;
    readf(" %d %d", a, b);
    writeln(a + b);
}
)"});

  add(p, "native", RuntimeProgram{
      "nim", "native", true,
      R"(echo "hello, world"
)",
      R"(stdout.write(stdin.readAll())
)",
      R"(import std/os, std/strutils
echo commandLineParams().join(" ")
)",
      R"(quit(3)
)",
      R"(stderr.write("err\n")
)",
      R"(raise newException(ValueError, "boom")
)",
      {1, std::nullopt, "unhandled exception: boom [ValueError]"},
      R"(echo undeclaredName
)",
      "undeclared identifier: 'undeclaredName'",
      R"(import std/strutils
let p = stdin.readLine().splitWhitespace()
echo parseBiggestInt(p[0]) + parseBiggestInt(p[1])
)"});

  add(p, "native", RuntimeProgram{
      "cobol", "native", true,
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. hello.
PROCEDURE DIVISION.
    DISPLAY "hello, world".
    STOP RUN.
)",
      // Byte for byte: COBOL's own input is line- or record-oriented, so the C library's read
      // and write, which GnuCOBOL calls like any program.
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. echo.
DATA DIVISION.
WORKING-STORAGE SECTION.
01 buf PIC X(4096).
01 n BINARY-LONG.
PROCEDURE DIVISION.
    PERFORM UNTIL 1 = 0
        CALL "read" USING BY VALUE 0 BY REFERENCE buf BY VALUE 4096 RETURNING n
        IF n <= 0
            EXIT PERFORM
        END-IF
        CALL "write" USING BY VALUE 1 BY REFERENCE buf BY VALUE n
    END-PERFORM.
    MOVE 0 TO RETURN-CODE.
    STOP RUN.
)",
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. args.
DATA DIVISION.
WORKING-STORAGE SECTION.
01 cmd PIC X(1000).
PROCEDURE DIVISION.
    ACCEPT cmd FROM COMMAND-LINE.
    DISPLAY FUNCTION TRIM(cmd TRAILING).
    STOP RUN.
)",
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. exit3.
PROCEDURE DIVISION.
    MOVE 3 TO RETURN-CODE.
    STOP RUN.
)",
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. err.
PROCEDURE DIVISION.
    DISPLAY "err" UPON SYSERR.
    STOP RUN.
)",
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. crash.
PROCEDURE DIVISION.
    CALL "no_such_program".
    DISPLAY "not reached".
    STOP RUN.
)",
      {1, std::nullopt, "no_such_program"},
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. bad.
PROCEDURE DIVISION.
    DISPLAY undeclared-name.
    STOP RUN.
)",
      "undeclared-name",
      R"(IDENTIFICATION DIVISION.
PROGRAM-ID. aplusb.
DATA DIVISION.
WORKING-STORAGE SECTION.
01 line-in PIC X(100).
01 ta PIC X(20).
01 tb PIC X(20).
01 s PIC -(18)9.
PROCEDURE DIVISION.
    ACCEPT line-in.
    UNSTRING FUNCTION TRIM(line-in) DELIMITED BY ALL SPACE INTO ta tb.
    COMPUTE s = FUNCTION NUMVAL(ta) + FUNCTION NUMVAL(tb).
    DISPLAY FUNCTION TRIM(s).
    STOP RUN.
)"});
}

}  // namespace runbox::test
