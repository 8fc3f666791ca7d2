// SPDX-License-Identifier: Apache-2.0
#pragma once
// Multi-person tracker in the SORT family: a constant-velocity Kalman filter per track,
// minimum-cost assignment of detections to predicted boxes, and ByteTrack's second pass
// that lets low-confidence detections keep an existing track alive (a half-occluded person)
// without ever starting a new one.
//
// A track is confirmed after `confirm_hits` detections; a tentative track that misses two
// frames in a row is dropped (a flicker), a confirmed one coasts on its prediction for up to
// `max_coast_s` (an occlusion behind a shelf or another person) and is then ended, unless it
// was standing still: then it is parked where it was last seen for up to `park_s` more, and a
// detection on the same spot resumes it, as does a new one next to it that no other track
// took (they stepped away from where they stood). A person standing at a table fades out of a
// background-subtraction detector within seconds and comes back when they move; parked, they
// stay one track and so one zone visit, however long they stand, instead of a new track (and a
// new visit) each time the detector finds them again. The
// number of live tracks is capped, so memory is bounded whatever the detector sends.
//
// A walker lost for longer than the coasting time (behind a pillar, a display, another person)
// is not ended at once either when the detector told what they look like (detection::look): it
// waits `lost_s` where it was last predicted, reported unobserved, and a new detection nobody else
// took, where the walk would have brought them and looking like them, takes it up again under the
// same id. So a crossing made out of sight is counted once, when they are seen on the other side,
// instead of not at all (the track ended on one side and a new one began on the other).
//
// People walking close together merge into one blob (background subtraction) or one wide box.
// When a detection mostly contains the predictions of two or more confirmed tracks that have no
// better detection of their own, and is larger than any of them, it is split along those
// predictions before matching: each person keeps their own track, walking at their own pace,
// until they part, instead of one following the blob and the other coasting out and ending (a
// crossing lost, and a new track, so a crossing counted twice, when they part). Each piece is
// its prediction moved inside the blob, never cut to it (a cut piece shrinks the track a little
// each frame until its foot point has climbed the person), and pieces that would lie on one
// another are one person followed twice: the blob stays whole.
// Not thread-safe: one instance per camera, fed in frame order.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "detection.hpp"
#include "track.hpp"

namespace kelu::vision {

struct tracker_options {
  int confirm_hits = 3;
  double max_coast_s = 1.0;
  double min_iou = 0.1;
  // Without overlap (a fast walker at a low frame rate), a detection may still match when
  // its centre is within this many box heights of the prediction (wider while coasting).
  double max_centre_jump = 0.6;
  double high_score = 0.5;  // detections at or above start and keep tracks
  double low_score = 0.2;   // detections between only keep existing tracks
  std::size_t max_tracks = 256;
  // Parking (above): how long a still track waits unseen, how slow is still (box heights per
  // second), and how much a detection must overlap the parked box to resume it (more than an
  // ordinary match, so a passer-by does not take over a parked track).
  double park_s = 60;
  double park_max_speed = 0.35;
  double park_min_iou = 0.3;
  // Frame size: a coasting track predicted out of the frame has left it and is ended, so it
  // cannot come back as someone else. 0 when unknown.
  int frame_width = 0;
  int frame_height = 0;
  // Lost walkers (above): how long one waits, and how alike (look similarity, 0..1) a detection
  // must be to take it up. 0 s: ended after coasting, as before the detector described looks.
  double lost_s = 3.0;
  double lost_min_similarity = 0.8;
  // In every match, how much unlikeness (1 − look similarity) adds to the cost of overlap and
  // distance: two people who met and part again keep their own tracks.
  double look_weight = 1.0;
  // Merged detections (above): a track's prediction is inside a detection when this share of its
  // area is (0: never split), and the detection is a merge when it is this much wider or taller
  // than the largest prediction inside it.
  double merge_containment = 0.6;
  double merge_size = 1.3;
};

class tracker {
 public:
  explicit tracker(tracker_options options = {});

  // Frames must come with increasing t_s (seconds, monotonic). Returns every live track:
  // observed ones with their filtered box, coasting ones with their prediction.
  std::vector<track_state> update(const std::vector<detection>& detections, double t_s);

  // Forgets every live track (the stream stopped); ids keep counting, never reused.
  void clear() { tracks_.clear(); }

  std::size_t live() const { return tracks_.size(); }
  // New tracks refused because max_tracks were live.
  std::int64_t refused() const { return refused_; }

 private:
  struct axis {  // position and velocity of one coordinate, with their covariance
    double p = 0, v = 0;
    double pp = 0, pv = 0, vv = 0;
    void predict(double dt, double accel_sigma);
    void correct(double z, double meas_sigma);
  };
  struct track {
    std::int64_t id = 0;
    axis cx, cy, w, h;
    int hits = 0;
    int misses = 0;  // consecutive frames without a detection
    double last_hit_s = 0;
    bool confirmed = false;
    bool parked = false;
    struct walk {  // a walker out of sight (above): the pace it went at, and since when
      double vx = 0, vy = 0, since_s = 0;
    };
    std::optional<walk> lost;
    vision::look look;
    // The last few detections' centres and times: whether someone was standing still when the
    // detector lost them is read from what it saw, not from the filter's velocity, which still
    // carries the walk for a second after a person stops.
    std::array<box, 4> seen_box{};
    std::array<double, 4> seen_t{};
    int seen = 0;
    void saw(const box& b, double t_s);
    void hold();  // no drift while it waits (parked or lost)
    bool was_stopping(double max_speed) const;
    box bbox() const;
  };

  // `resuming`: the tracks are parked ones and the detections are left over from everyone
  // else, so the ordinary reach applies instead of the parked overlap.
  void match(std::vector<std::size_t>& tracks, std::vector<const detection*>& dets,
             std::vector<bool>& matched_track, bool resuming = false);
  void start(const detection& d, double t_s);
  // The detections with merged ones split along the predictions inside them.
  std::vector<detection> split_merged(const std::vector<detection>& detections) const;
  // Whether a confirmed track past its coasting time ends now (else it is, or stays, parked or lost).
  bool ends_after_coasting(track& t, double t_s) const;
  void park(track& t) const;
  // Lost walkers take up detections left over, by where the walk would have brought them and look.
  void find_lost(std::vector<std::size_t>& lost, std::vector<const detection*>& dets, std::vector<bool>& matched_track);
  void correct(track& t, const detection& d);

  tracker_options options_;
  std::vector<track> tracks_;
  std::int64_t next_id_ = 1;
  std::int64_t refused_ = 0;
  double last_t_s_ = 0;
  bool started_ = false;
};

}  // namespace kelu::vision
