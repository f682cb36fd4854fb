// Drives runboxd with the unmodified npm piston-client and prints what it answered, one JSON
// object, for tests/daemon/piston_client_test.cpp to check. Usage: node check.mjs SERVER
import piston from "piston-client";

const client = piston({ server: process.argv[2] });
const out = {};
out.runtimes = await client.runtimes();
out.python = await client.execute("python", "import sys\nprint('OK', sys.argv[1:])");
out.c = await client.execute("c", '#include <stdio.h>\nint main(void) { printf("OK\\n"); return 0; }');
out.java = await client.execute("java", 'public class Main { public static void main(String[] a) { System.out.println("OK " + a.length); } }');
// Judge-style: read the input, answer, with the limits a grader sets.
out.judge = await client.execute("python", "a, b = map(int, input().split())\nprint(a + b)", {
  stdin: "2 40", args: [], runTimeout: 2000, runMemoryLimit: 128 * 1024 * 1024,
});
out.compile_error = await client.execute("c", "int main( { }");
out.unknown = await client.execute({ language: "python", version: "2.7.18", files: [{ content: "print 1" }] });
console.log(JSON.stringify(out));
