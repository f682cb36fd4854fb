#pragma once
// Idle slots a judge request may borrow to run its tests at once (job.cpp). The service lends
// a slot only when it is free and no other request waits for one, and a borrowed slot goes back
// between two tests as soon as another request is queued: parallel tests never delay anyone.
#include <sys/types.h>

#include <functional>

#include "backend/backend.hpp"

namespace runbox::job {

// What a borrowed slot gives its work: the slot's own uid and gid (runs at once never share
// one) and a backend of its own.
struct BorrowedSlot {
  uid_t uid;
  gid_t gid;
  backend::Backend& backend;
};

class SlotLender {
 public:
  virtual ~SlotLender() = default;
  // Starts work on a free slot now; false when none is free or another request waits.
  virtual bool lend(std::function<void(const BorrowedSlot&)> work) = 0;
  // Another request waits for a slot.
  virtual bool others_waiting() const = 0;
};

}  // namespace runbox::job
