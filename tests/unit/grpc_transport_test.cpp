// The gRPC transport's pure parts: grpc_listen in runboxd.toml and --grpc-listen, its exposure
// rule, the run-request checks it shares with the JSON parser, the proto conversion, and
// refusals as gRPC statuses with their details.
#include <catch2/catch.hpp>
#include <string>

#include "api/run_request_checks.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/grpc_status.hpp"
#include "grpc/proto_convert.hpp"

using namespace runbox;

TEST_CASE("grpc config: grpc_listen is empty by default, a string or a list, and --grpc-listen replaces it", "[grpc]") {
  CHECK(config::default_daemon_config().grpc_listen.empty());
  auto c = config::parse_daemon_config("grpc_listen = [\"127.0.0.1:50051\", \"unix:/run/runbox/grpc.sock\"]\n",
                                       "runboxd.toml", "/etc/runbox");
  REQUIRE(c.grpc_listen.size() == 2);
  CHECK(c.grpc_listen[0].port == 50051);
  CHECK(c.grpc_listen[1].kind == config::Listener::Kind::unix_socket);
  CHECK(c.listen.size() == 1);  // HTTP's default stays
  CHECK(config::parse_daemon_config("grpc_listen = []\n", "runboxd.toml", "/etc/runbox").grpc_listen.empty());
  CHECK(config::parse_daemon_config("grpc_listen = \"[::1]:1\"\n", "runboxd.toml", "/etc/runbox").grpc_listen.size() == 1);
  try {
    config::parse_daemon_config("grpc_listen = [\"nope\"]\n", "runboxd.toml", "/etc/runbox");
    FAIL("no error");
  } catch (const config::ConfigError& e) {
    CHECK(e.field() == "grpc_listen[0]");
  }
  config::DaemonConfigOverrides o;
  o.grpc_listen = {"127.0.0.1:0"};
  config::apply_overrides(c, o);
  REQUIRE(c.grpc_listen.size() == 1);
  CHECK(c.grpc_listen[0].text == "127.0.0.1:0");
}

TEST_CASE("grpc config: without keys gRPC listens on loopback and unix sockets only", "[grpc]") {
  auto c = config::default_daemon_config();
  c.grpc_listen = {*config::parse_listener("127.0.0.1:50051"), *config::parse_listener("unix:/run/g.sock")};
  CHECK_NOTHROW(config::check_auth_exposure(c));
  c.grpc_listen.push_back(*config::parse_listener("0.0.0.0:50051"));
  try {
    config::check_auth_exposure(c);
    FAIL("no error");
  } catch (const config::ConfigError& e) {
    CHECK(e.field() == "grpc_listen");
  }
  c.keys_file = "/etc/runbox/keys.toml";
  CHECK_NOTHROW(config::check_auth_exposure(c));
}

TEST_CASE("grpc requests: converted to the API's request and checked as the JSON parser checks", "[grpc]") {
  runbox::v1::RunRequest in;
  in.set_runtime("python3");
  in.add_files()->set_content(std::string("print(1)\0", 9));
  in.set_stdin(std::string("\0\xff", 2));
  in.mutable_limits()->set_memory_mb(64);
  in.mutable_compile_limits()->set_cpus_milli(500);
  in.set_compare(runbox::v1::COMPARE_TOKENS);
  api::RunRequest r = grpc_api::from_proto(in);
  CHECK(r.files.size() == 1);
  CHECK(r.files[0].content.size() == 9);
  CHECK(r.stdin_data == std::string("\0\xff", 2));
  CHECK(r.limits.memory_mb == 64u);
  CHECK_FALSE(r.limits.cpu_ms);
  CHECK(r.compile_limits.cpus_milli == 500u);
  CHECK(r.compare == api::Compare::tokens);
  CHECK_FALSE(r.tests);
  CHECK_FALSE(api::check_run_request(r, {}));  // one unnamed file: the "code" form

  auto error = [&](runbox::v1::RunRequest req) { return api::check_run_request(grpc_api::from_proto(req), {}); };
  auto bad = in;
  bad.add_files()->set_name("b.py");  // two files: the first needs a name too
  REQUIRE(error(bad));
  CHECK(error(bad)->message.find("files[0].name") != std::string::npos);
  bad = in;
  bad.mutable_files(0)->set_name("/etc/passwd");
  REQUIRE(error(bad));
  CHECK(error(bad)->code == "invalid_request");
  bad = in;
  bad.clear_files();
  CHECK(error(bad));
  bad = in;
  bad.set_runtime("");
  CHECK(error(bad));
  bad = in;
  bad.add_tests()->add_args(std::string("x\0y", 3));
  REQUIRE(error(bad));
  CHECK(error(bad)->message.find("tests[0].args[0]") != std::string::npos);
  bad = in;
  for (int i = 0; i < 3; ++i) bad.add_tests();
  api::ParseLimits two;
  two.max_tests = 2;
  auto over = api::check_run_request(grpc_api::from_proto(bad), two);
  REQUIRE(over);
  CHECK(over->status == 422);
  CHECK(over->code == "limit_exceeds_policy");
}

TEST_CASE("grpc errors: refusals are status codes with ErrorInfo and RetryInfo in the details", "[grpc]") {
  auto details = [](const grpc::Status& s) {
    google::rpc::Status st;
    REQUIRE(st.ParseFromString(s.error_details()));
    return st;
  };
  service::Refusal limit{422, "limit_exceeds_policy", "too much", "limits.memory_mb", 512};
  auto s = grpc_api::refusal_status(limit);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  auto st = details(s);
  REQUIRE(st.details_size() == 1);
  google::rpc::ErrorInfo info;
  REQUIRE(st.details(0).UnpackTo(&info));
  CHECK(info.reason() == "limit_exceeds_policy");
  CHECK(info.domain() == "runbox");
  CHECK(info.metadata().at("field") == "limits.memory_mb");
  CHECK(info.metadata().at("maximum") == "512");

  service::Refusal rate{429, "rate_limited", "slow down"};
  rate.retry_after_s = 3;
  s = grpc_api::refusal_status(rate);
  CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  st = details(s);
  REQUIRE(st.details_size() == 2);
  google::rpc::RetryInfo retry;
  REQUIRE(st.details(1).UnpackTo(&retry));
  CHECK(retry.retry_delay().seconds() == 3);

  CHECK(grpc_api::status_code(400) == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(grpc_api::status_code(413) == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(grpc_api::status_code(401) == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(grpc_api::status_code(404) == grpc::StatusCode::NOT_FOUND);
  CHECK(grpc_api::status_code(503) == grpc::StatusCode::UNAVAILABLE);
  CHECK(grpc_api::status_code(500) == grpc::StatusCode::INTERNAL);
}
