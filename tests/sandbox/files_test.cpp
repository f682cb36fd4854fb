// The host side of /box: inode limits of every tmpfs, the request's files written into a box,
// the judge copy of a box a stage wrote (symlinks to the host, fifos, a deep tree), and the
// modes of /run/runbox/work and the run directories.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "box_copy.hpp"
#include "private_dir.hpp"
#include "runbox/sandbox/work_dir.hpp"
#include "sandbox_fixture.hpp"
#include "test_env.hpp"

using runbox::sandbox::Limits;
using runbox::sandbox::Status;
using runbox::sandbox::to_string;
using runbox::sandbox::WorkDir;
using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}

std::string link_text(const fs::path& p) {
  char buf[4096];
  ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
}

// Runs /box/rbprobe ARGS in the python image over an existing box (the probe copied in first).
runbox::sandbox::Result probe_in(const WorkDir& box, std::vector<std::string> args, Limits limits = {}) {
  args.insert(args.begin(), "/box/rbprobe");
  auto spec = image_spec(std::move(args), limits);
  if (::access((box.path() / "rbprobe").c_str(), F_OK) != 0) {
    fs::copy_file(RBPROBE_PATH, box.path() / "rbprobe");
    REQUIRE(::chown((box.path() / "rbprobe").c_str(), spec.uid, spec.gid) == 0);
  }
  spec.box_dir = box.path();
  return runbox::sandbox::run(spec);
}

long created_count(const std::string& out) {
  auto pos = out.find("created=");
  return pos == std::string::npos ? -1 : std::stol(out.substr(pos + 8));
}

// Puts a directory's mode and owner back as they were when the guard was made.
struct DirRestore {
  fs::path path;
  struct stat st {};
  explicit DirRestore(fs::path p) : path(std::move(p)) { REQUIRE(::lstat(path.c_str(), &st) == 0); }
  ~DirRestore() {
    if (::chown(path.c_str(), st.st_uid, st.st_gid) != 0 || ::chmod(path.c_str(), st.st_mode & 07777) != 0)
      std::perror(("restore " + path.string()).c_str());
  }
};

}  // namespace

TEST_CASE("inodes: 100 000 empty files in /box, /tmp and /dev/shm end ENOSPC at the policy's counts", "[files][inodes]") {
  const Limits l;  // the defaults: what a policy without *_inodes keys gets
  REQUIRE(l.box_inodes == 4096);
  REQUIRE(l.tmp_inodes == 4096);
  REQUIRE(l.shm_inodes == 1024);
  // Each tmpfs's root takes one inode; /box also holds the probe.
  for (auto [dir, expected] : {std::pair{"/box", l.box_inodes - 2}, {"/tmp", l.tmp_inodes - 1},
                               {"/dev/shm", l.shm_inodes - 1}}) {
    auto r = run_probe({"manyfiles", dir, "100000"}, l);
    INFO(dir << ": " << to_string(r.status) << " " << r.error << " " << r.stdout_data << r.stderr_data);
    CHECK(r.status == Status::ok);
    CHECK(r.stdout_data.find("errno=28") != std::string::npos);  // ENOSPC
    CHECK(created_count(r.stdout_data) == static_cast<long>(expected));
  }
  Limits small;
  small.tmp_inodes = 100;
  auto r = run_probe({"manyfiles", "/tmp", "100000"}, small);
  INFO(r.stdout_data);
  CHECK(created_count(r.stdout_data) == 99);
}

TEST_CASE("inodes: 0 is refused, never an unlimited tmpfs", "[files][inodes]") {
  Limits l;
  l.shm_inodes = 0;
  auto r = run_probe({"exit", "0"}, l);
  CHECK(r.status == Status::internal_error);
  CHECK_THAT(r.error, Catch::Contains("/dev/shm inodes 0"));
  CHECK_THROWS_WITH(WorkDir(16, 65534, 65534, 0), Catch::Contains("inodes 0"));
}

TEST_CASE("write_file: parents created top down, owned by the run uid, collisions and symlinks refused", "[files]") {
  require_root();
  WorkDir box(16, 65534, 65534);
  box.write_file("x/y/z.txt", "deep\n");
  box.write_file("x/y2/w.txt", "");
  CHECK(read_file(box.path() / "x/y/z.txt") == "deep\n");
  for (const char* p : {"x", "x/y", "x/y2"}) {
    auto st = lstat_of(box.path() / p);
    INFO(p);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(st.st_uid == 65534);
    CHECK(st.st_gid == 65534);
  }
  auto st = lstat_of(box.path() / "x/y/z.txt");
  CHECK((st.st_mode & 07777) == 0644);
  CHECK(st.st_uid == 65534);

  CHECK_THROWS_WITH(box.write_file("x/y/z.txt/a", "1"), Catch::Contains("x/y/z.txt exists and is not a directory"));
  CHECK_THROWS_WITH(box.write_file("x/y", "1"), Catch::Contains("exists already"));
  CHECK_THROWS_AS(box.write_file("x/../y", "1"), std::invalid_argument);

  // A symlink in the box (none should be there before a stage ran) is never followed.
  TempDir host;
  REQUIRE(::symlink(host.path().c_str(), (box.path() / "l").c_str()) == 0);
  CHECK_THROWS_WITH(box.write_file("l/planted", "1"), Catch::Contains("l exists and is not a directory"));
  CHECK_FALSE(fs::exists(host.path() / "planted"));
}

TEST_CASE("write_file: a full box is a clear error", "[files][inodes]") {
  require_root();
  WorkDir box(16, 65534, 65534, 4);  // the root and three more
  box.write_file("a", "");
  box.write_file("b", "");
  box.write_file("c", "");
  CHECK_THROWS_WITH(box.write_file("d", ""), Catch::Contains("/box is full"));
}

TEST_CASE("judge copy: what a stage planted is copied as it is, never followed, the host untouched",
          "[files][copy]") {
  require_root();
  TempDir host;
  const fs::path secret = host.path() / "secret";
  write_file(secret, "host secret\n", 0644);
  const auto secret_before = lstat_of(secret);
  const auto shadow_before = lstat_of("/etc/shadow");

  WorkDir first(64, 65534, 65534);
  auto planted = probe_in(first, {"plant", secret.string()});
  INFO(planted.stdout_data << planted.stderr_data << planted.error);
  REQUIRE(planted.status == Status::ok);
  REQUIRE(planted.stdout_data == "planted\n");

  WorkDir second(64, 65534, 65534);
  second.copy_from(first.path());

  // On the host: symlinks as symlinks with their text, no fifo or socket, modes without setuid.
  const fs::path b = second.path();
  for (auto [name, text] : {std::pair{"shadow", "/etc/shadow"}, {"hostlink", secret.c_str()}, {"rootdir", "/"},
                            {"rel", "data.txt"}}) {
    INFO(name);
    auto st = lstat_of(b / name);
    CHECK(S_ISLNK(st.st_mode));
    CHECK(st.st_uid == 65534);
    CHECK(link_text(b / name) == text);
  }
  struct stat st {};
  CHECK(::lstat((b / "fifo").c_str(), &st) != 0);
  CHECK(::lstat((b / "sock").c_str(), &st) != 0);
  CHECK((lstat_of(b / "data.txt").st_mode & 07777) == 0640);
  CHECK((lstat_of(b / "suid").st_mode & 07777) == 0755);
  CHECK((lstat_of(b / "private").st_mode & 07777) == 0750);
  CHECK(lstat_of(b / "private").st_uid == 65534);

  // In the next run: the links read as links, the host file is not there, the deep tree is.
  auto seen = probe_in(second, {"inspect"});
  INFO(seen.stdout_data << seen.stderr_data << seen.error);
  REQUIRE(seen.status == Status::ok);
  const std::string& out = seen.stdout_data;
  CHECK_THAT(out, Catch::Contains("shadow: symlink=1 text=/etc/shadow\n"));
  CHECK_THAT(out, Catch::Contains("hostlink: symlink=1 text=" + secret.string() + "\n"));
  CHECK_THAT(out, Catch::Contains("rootdir: symlink=1 text=/\n"));
  CHECK_THAT(out, Catch::Contains("rel: symlink=1 text=data.txt\n"));
  CHECK_THAT(out, Catch::Contains("hostlink: open=-1 errno=2\n"));  // ENOENT: the host path is not there
  CHECK_THAT(out, Catch::Contains("rel: data\n"));
  CHECK_THAT(out, Catch::Contains("fifo: lstat errno=2\n"));
  CHECK_THAT(out, Catch::Contains("deep: depth=24 bottom=deep\n"));
  CHECK_THAT(out, !Catch::Contains("host secret"));

  // Nothing on the host changed.
  CHECK(read_file(secret) == "host secret\n");
  const auto secret_after = lstat_of(secret);
  CHECK(secret_after.st_mtim.tv_nsec == secret_before.st_mtim.tv_nsec);
  CHECK(secret_after.st_uid == 0);
  const auto shadow_after = lstat_of("/etc/shadow");
  CHECK(shadow_after.st_uid == shadow_before.st_uid);
  CHECK(shadow_after.st_ctim.tv_sec == shadow_before.st_ctim.tv_sec);
  CHECK(shadow_after.st_ctim.tv_nsec == shadow_before.st_ctim.tv_nsec);
  CHECK(std::distance(fs::directory_iterator(host.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("judge copy: any depth with two fds, and more entries or bytes than the box holds is refused",
          "[files][copy]") {
  require_root();
  using runbox::sandbox::BoxCopyBounds;
  using runbox::sandbox::BoxCopyOwner;
  using runbox::sandbox::copy_box_tree;
  WorkDir src(16, 65534, 65534, 8192);
  {
    int fd = ::open(src.path().c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(fd >= 0);
    for (int i = 0; i < 3000; ++i) {  // 3000 levels: far past PATH_MAX and any fd budget
      REQUIRE(::mkdirat(fd, "d", 0755) == 0);
      int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY);
      REQUIRE(next >= 0);
      ::close(fd);
      fd = next;
    }
    int f = ::openat(fd, "leaf", O_WRONLY | O_CREAT, 0644);
    REQUIRE(f >= 0);
    REQUIRE(::write(f, "x", 1) == 1);
    ::close(f);
    ::close(fd);
  }
  auto count_fds = [] { return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator()); };
  const auto fds_before = count_fds();
  WorkDir dst(16, 65534, 65534, 8192);
  dst.copy_from(src.path());
  CHECK(count_fds() == fds_before);
  int fd = ::open(dst.path().c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  int depth = 0;
  for (int next; (next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) >= 0; ++depth) {
    ::close(fd);
    fd = next;
  }
  char c = 0;
  int leaf = ::openat(fd, "leaf", O_RDONLY);
  CHECK(depth == 3000);
  CHECK(leaf >= 0);
  CHECK(::read(leaf, &c, 1) == 1);
  CHECK(c == 'x');
  ::close(leaf);
  ::close(fd);

  // Bounds: the target's inodes (its root included) and size.
  WorkDir small_dst(16, 65534, 65534, 3000);
  CHECK_THROWS_WITH(small_dst.copy_from(src.path()), Catch::Contains("more than 2999 entries"));
  WorkDir big(16, 65534, 65534);
  big.write_file("big", std::string(2 << 20, 'b'));
  WorkDir one_mb(1, 65534, 65534);
  CHECK_THROWS_WITH(one_mb.copy_from(big.path()), Catch::Contains("more than 1048576 bytes"));
}

TEST_CASE("private dirs: /run/runbox/work made root:root 0700 whoever made it, run dirs 0700 of the run uid",
          "[files][modes]") {
  require_root();
  { WorkDir first(16, 65534, 65534); }  // /run/runbox/work exists now
  DirRestore restore_runbox("/run/runbox");
  DirRestore restore_work("/run/runbox/work");
  REQUIRE(::chmod("/run/runbox", 0777) == 0);
  REQUIRE(::chown("/run/runbox/work", 65534, 65534) == 0);
  REQUIRE(::chmod("/run/runbox/work", 0777) == 0);

  WorkDir box(16, 1234567, 7654321);
  auto work = lstat_of("/run/runbox/work");
  CHECK((work.st_mode & 07777) == 0700);
  CHECK(work.st_uid == 0);
  CHECK(work.st_gid == 0);
  auto runbox = lstat_of("/run/runbox");
  CHECK((runbox.st_mode & 07777) == 0755);  // clients still reach the socket there
  CHECK(runbox.st_uid == 0);
  auto run = lstat_of(box.path());
  CHECK((run.st_mode & 07777) == 0700);
  CHECK(run.st_uid == 1234567);
  CHECK(run.st_gid == 7654321);
  // The sandbox reaches its /box through the bind, not this path: a run works under 0700 parents.
  auto r = run_probe({"create", "/box/ok"});
  INFO(to_string(r.status) << " " << r.error << " " << r.stdout_data);
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data.find("errno=0") != std::string::npos);
}

TEST_CASE("private dirs: a symlink or a directory others may change on the way is refused", "[files][modes]") {
  require_root();
  using runbox::sandbox::open_private_dir;
  TempDir t;
  TempDir elsewhere;
  // runbox's own components: a symlink is refused, not followed.
  REQUIRE(::symlink(elsewhere.path().c_str(), (t.path() / "link").c_str()) == 0);
  CHECK_THROWS_WITH(open_private_dir(t.path() / "link" / "work", 2, 0700), Catch::Contains("is a symlink"));
  CHECK_THROWS_WITH(open_private_dir(t.path() / "link", 1, 0700), Catch::Contains("is a symlink"));
  CHECK_FALSE(fs::exists(elsewhere.path() / "work"));
  // A system component (not runbox's): never changed, refused when others may write it.
  fs::create_directory(t.path() / "open");
  REQUIRE(::chmod((t.path() / "open").c_str(), 0777) == 0);
  CHECK_THROWS_WITH(open_private_dir(t.path() / "open" / "work", 1, 0700), Catch::Contains("writable by group or others"));
  CHECK((lstat_of(t.path() / "open").st_mode & 07777) == 0777);
  REQUIRE(::chmod((t.path() / "open").c_str(), 01777) == 0);  // sticky, as /tmp: accepted
  CHECK(open_private_dir(t.path() / "open" / "work", 1, 0700));
  // Created fresh: parents 0755, the last exactly as asked.
  auto fd = open_private_dir(t.path() / "a" / "b", 2, 0711);
  CHECK((lstat_of(t.path() / "a").st_mode & 07777) == 0755);
  CHECK((lstat_of(t.path() / "a" / "b").st_mode & 07777) == 0711);
}
