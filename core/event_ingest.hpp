// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a source calls to make events durable. The store's group committer implements it.
//
// Contract:
// - Called on the runtime's io_context thread only.
// - `done` is called exactly once, on the same thread, never from inside submit():
//   with one outcome per submitted event, in order, after the transaction holding them
//   committed; or with an error when nothing of the batch was stored (queue full,
//   storage failure, shutting down): the source then tells its peer to retry.
// - A source acknowledges to its peer only from `done`.
#include <cstdint>
#include <functional>
#include <vector>

#include "event.hpp"
#include "result.hpp"

namespace kelu::core {

struct commit_outcome {
  bool duplicate = false;  // an event with the same dedupe key was stored before
  std::int64_t seq = 0;    // seq given to this event, or to the original for a duplicate
};

using commit_handler = std::function<void(result<std::vector<commit_outcome>>)>;

class event_ingest {
 public:
  virtual ~event_ingest() = default;
  virtual void submit(std::vector<event> batch, commit_handler done) = 0;
};

}  // namespace kelu::core
