#pragma once
// The core's typed outcome as Piston's answer: {language, version, run, compile?}, each stage
// {stdout, stderr, output, code, signal, message, status, cpu_time, wall_time, memory} with
// Piston's statuses (null, RE, SG, TO, OL, EL, XX) and quirks (docs/compat.md).
#include <boost/json/object.hpp>
#include <string>

#include "job/job.hpp"
#include "piston/piston_runtimes.hpp"
#include "runbox/sandbox/result.hpp"

namespace runbox::piston {

// One stage; the result's output is moved out.
boost::json::object piston_stage(sandbox::Result&& r);

// The whole answer. compiled: the runtime has a compile stage (Piston shows "compile" then).
boost::json::object piston_answer(const PistonRuntime& rt, job::JobOutcome&& outcome, bool compiled);

}  // namespace runbox::piston
