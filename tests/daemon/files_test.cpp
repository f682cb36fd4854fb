// Files through the API: names with missing parents, collisions, the tmpfs inode limits of the
// default policy, the judge copy of a box a compile stage filled with symlinks to the host, a
// fifo and a deep tree, and the host modes of /run/runbox/work and a run directory.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <regex>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "test_env.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

// The compile stage of "planter": what a compiler could leave in /box (python, so that the
// test controls it). The file hostpath names a path that exists only on the host.
const char* const kPlant = R"(import os, socket
os.symlink('/etc/shadow', 'shadow')
os.symlink(open('hostpath').read(), 'hostlink')
os.symlink('/', 'rootdir')
os.symlink('data.txt', 'rel')
os.mkfifo('fifo')
socket.socket(socket.AF_UNIX).bind('sock')
open('data.txt', 'w').write('data\n')
os.chmod('data.txt', 0o640)
open('suid', 'w').write('x')
os.chmod('suid', 0o4755)
d = os.open('.', os.O_RDONLY)
for i in range(24):
    os.mkdir('d' * 200, dir_fd=d)
    n = os.open('d' * 200, os.O_RDONLY, dir_fd=d)
    os.close(d)
    d = n
fd = os.open('bottom.txt', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
os.write(fd, b'deep\n')
)";

// Each judge test: what it sees of the planted box, and it changes the box (the next test must
// not see that).
const char* const kInspect = R"(import os, stat
for n in ['shadow', 'hostlink', 'rootdir', 'rel']:
    print(n, stat.S_ISLNK(os.lstat(n).st_mode), os.readlink(n))
try:
    print('hostlink read', open('hostlink').read())
except OSError as e:
    print('hostlink error', e.errno)
print('rel read', open('rel').read(), end='')
print('fifo', os.path.lexists('fifo'), 'sock', os.path.lexists('sock'))
print('modes', oct(os.lstat('data.txt').st_mode & 0o7777), oct(os.lstat('suid').st_mode & 0o7777))
d = os.open('.', os.O_RDONLY)
depth = 0
while True:
    try:
        n = os.open('d' * 200, os.O_RDONLY, dir_fd=d)
    except OSError:
        break
    os.close(d)
    d = n
    depth += 1
print('deep', depth, open(os.open('bottom.txt', os.O_RDONLY, dir_fd=d)).read(), end='')
print('left by an earlier test', os.path.exists('scribble'))
open('scribble', 'w').write('x')
os.remove('shadow')
)";

// A daemon over python3 and "planter" (compile = python3 plant.py), with the project's policies
// minus the go override (go is not among these runtimes).
struct FilesDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  FilesDaemon() {
    require_root();
    require_images({"python"});
    const fs::path runtimes = dir.path() / "runtimes";
    fs::create_directory(runtimes);
    fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes/python3.toml", runtimes / "python3.toml");
    write_file(runtimes / "planter.toml", R"(name = "planter"
aliases = []
image = "python"
source_file = "main.py"
compile = ["python3", "plant.py"]
run = ["python3", "main.py"]
version = ["python3", "--version"]
env = ["PYTHONDONTWRITEBYTECODE=1"]

[limits]
memory = 1.0
pids = 1.0

[compile_limits]
memory = 1.0
pids = 1.0
)");
    const fs::path policies = dir.path() / "policies";
    fs::copy(fs::path(RUNBOX_SOURCE_DIR) / "policies", policies, fs::copy_options::recursive);
    std::string policy = read_file(policies / "default.toml");
    policy = std::regex_replace(policy, std::regex(R"(\[runtime\.go\.sandbox\]\ntmp_mb = \d+\n)"), "");
    REQUIRE(policy.find("[runtime.go") == std::string::npos);
    write_file(policies / "default.toml", policy);
    // No compile cache: the modes case counts this daemon's directories under /run/runbox/work,
    // where each cached box would be one more.
    write_file(dir.path() / "runboxd.toml", images_root_config_line() + "\n[cache]\ncompile_mb = 0\n");
    DaemonOptions options;
    options.slots = 2;
    options.config = dir.path() / "runboxd.toml";
    options.runtimes_dir = runtimes;
    options.policies_dir = policies;
    daemon = std::make_unique<DaemonProcess>(options);
  }
};

DaemonProcess& files_daemon() {
  static FilesDaemon d;
  return *d.daemon;
}

json::object files_body(const std::string& runtime, json::array files) {
  json::object body;
  body["runtime"] = runtime;
  body["files"] = std::move(files);
  return body;
}

json::object file(const std::string& name, const std::string& content) {
  return json::object{{"name", name}, {"content", content}};
}

const json::object& ok_run(const RunReply& r) {
  INFO(r.describe());
  REQUIRE(r.transport_error.empty());
  REQUIRE(r.http.status == 200);
  REQUIRE(r.obj().at("run").is_object());
  return r.obj().at("run").get_object();
}

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}

}  // namespace

TEST_CASE("files: a name whose parents are not listed (x/y/z.txt) gets them, owned by the run", "[files]") {
  DaemonProcess& d = files_daemon();
  auto body = files_body("python3", json::array{
      file("main.py", "import os\nprint(open('x/y/z.txt').read(), end='')\n"
                      "for p in ['x', 'x/y', 'x/y/z.txt', 'a/b/c/d/e']:\n"
                      "    s = os.stat(p)\n"
                      "    print(p, oct(s.st_mode & 0o777), s.st_uid == os.getuid())\n"),
      file("x/y/z.txt", "deep file\n"), file("a/b/c/d/e/f.txt", "")});
  RunReply r = post_run(d.port(), body);
  const auto& run = ok_run(r);
  INFO(r.describe());
  CHECK(run.at("status") == "ok");
  CHECK(run.at("stdout") ==
        "deep file\nx 0o755 True\nx/y 0o755 True\nx/y/z.txt 0o644 True\na/b/c/d/e 0o755 True\n");
}

TEST_CASE("files: a file that is also another's directory is 400 invalid_request", "[files]") {
  DaemonProcess& d = files_daemon();
  RunReply r = post_run(d.port(), files_body("python3", json::array{file("main.py", "print(1)\n"), file("x/y", "1"),
                                                                    file("x/y/z.txt", "2")}));
  INFO(r.describe());
  check_error(r, 400, "invalid_request");
  CHECK_THAT(as_str(r.obj().at("error").at("message")), Catch::Contains("needs directory \"x/y\""));
}

TEST_CASE("inodes: 100 000 empty files in /box, /tmp and /dev/shm end ENOSPC at the default policy's counts",
          "[files]") {
  DaemonProcess& d = files_daemon();
  auto body = run_body("python3", R"(import errno, os
for top in ['/box', '/tmp', '/dev/shm']:
    n, err = 0, 0
    try:
        for n in range(100000):
            os.close(os.open(f'{top}/f{n}', os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        n = 100000
    except OSError as e:
        err = e.errno
    print(top, n, errno.errorcode.get(err, err))
)");
  RunReply r = post_run(d.port(), body);
  const auto& run = ok_run(r);
  INFO(r.describe());
  CHECK(run.at("status") == "ok");
  // policies/default.toml: box_inodes 4096 (the root and main.py take two), tmp_inodes 4096,
  // shm_inodes 1024 (each root takes one).
  CHECK(run.at("stdout") == "/box 4094 ENOSPC\n/tmp 4095 ENOSPC\n/dev/shm 1023 ENOSPC\n");
}

TEST_CASE("judge copy: a compile stage's symlinks to the host, fifo and deep tree reach each test as they are",
          "[files]") {
  DaemonProcess& d = files_daemon();
  TempDir host;
  const fs::path secret = host.path() / "secret";
  write_file(secret, "host secret\n", 0644);
  const auto shadow_before = lstat_of("/etc/shadow");

  const std::string expected =
      "shadow True /etc/shadow\n"
      "hostlink True " + secret.string() + "\n"
      "rootdir True /\n"
      "rel True data.txt\n"
      "hostlink error 2\n"  // ENOENT: the host path is not in the sandbox
      "rel read data\n"
      "fifo False sock False\n"
      "modes 0o640 0o755\n"  // setuid dropped
      "deep 24 deep\n"
      "left by an earlier test False\n";
  auto body = files_body("planter", json::array{file("main.py", kInspect), file("plant.py", kPlant),
                                                file("hostpath", secret.string())});
  const json::object test{{"expected_stdout", expected}};
  body["tests"] = json::array{test, test};
  RunReply r = post_run(d.port(), body);
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  REQUIRE(r.obj().at("compile").at("status") == "ok");
  const auto& tests = r.obj().at("tests").get_array();
  REQUIRE(tests.size() == 2);
  for (const auto& t : tests) {
    INFO(json::serialize(t));
    CHECK(t.at("status") == "ok");
    CHECK(as_str(t.at("stdout")) == expected);
    CHECK(t.at("verdict") == "accepted");
  }
  CHECK(read_file(secret) == "host secret\n");
  CHECK(std::distance(fs::directory_iterator(host.path()), fs::directory_iterator()) == 1);
  const auto shadow_after = lstat_of("/etc/shadow");
  CHECK(shadow_after.st_ctim.tv_sec == shadow_before.st_ctim.tv_sec);
  CHECK(shadow_after.st_ctim.tv_nsec == shadow_before.st_ctim.tv_nsec);
}

TEST_CASE("modes: /run/runbox/work made 0700 root whoever made it 0777, a run directory 0700 of the run uid",
          "[files]") {
  DaemonProcess& d = files_daemon();
  const fs::path work = "/run/runbox/work";
  const std::string prefix = "run-" + std::to_string(d.pid()) + "-";
  auto own_run_dirs = [&] {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work, ec)) n += e.path().filename().string().rfind(prefix, 0) == 0;
    return n;
  };
  // The boxes of earlier cases are removed after their answers (in the background): gone first,
  // so the directory seen below is this case's run.
  REQUIRE(eventually([&] { return own_run_dirs() == 0; }, std::chrono::seconds(5)));
  const auto before = lstat_of(work);
  struct Restore {
    fs::path p;
    struct stat st;
    ~Restore() {
      if (::chown(p.c_str(), st.st_uid, st.st_gid) != 0 || ::chmod(p.c_str(), st.st_mode & 07777) != 0)
        std::perror("restore /run/runbox/work");
    }
  } restore{work, before};
  REQUIRE(::chmod(work.c_str(), 0777) == 0);
  REQUIRE(::chown(work.c_str(), 65534, 65534) == 0);

  auto pending = std::async(std::launch::async, [&] {
    return post_run(d.port(), run_body("python3", "import time\ntime.sleep(2)\nprint('done')\n"));
  });
  struct stat run_dir {};
  bool seen = eventually(
      [&] {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(work, ec))
          if (e.path().filename().string().rfind(prefix, 0) == 0 && ::lstat(e.path().c_str(), &run_dir) == 0)
            return true;
        return false;
      },
      std::chrono::seconds(10));
  const auto during = lstat_of(work);
  RunReply r = pending.get();
  CHECK(ok_run(r).at("stdout") == "done\n");
  REQUIRE(seen);
  CHECK((during.st_mode & 07777) == 0700);
  CHECK(during.st_uid == 0);
  CHECK(during.st_gid == 0);
  CHECK(S_ISDIR(run_dir.st_mode));
  CHECK((run_dir.st_mode & 07777) == 0700);
  CHECK(run_dir.st_uid >= 900000);  // one of the policy's run uids ([uids] first = 900000)
  CHECK(run_dir.st_uid < 900000 + 1024);
}
