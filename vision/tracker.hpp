#pragma once
// Multi-person tracker in the SORT family: a constant-velocity Kalman filter per track,
// minimum-cost assignment of detections to predicted boxes, and ByteTrack's second pass
// that lets low-confidence detections keep an existing track alive (a half-occluded person)
// without ever starting a new one.
//
// A track is confirmed after `confirm_hits` detections; a tentative track that misses two
// frames in a row is dropped (a flicker), a confirmed one coasts on its prediction for up to
// `max_coast_s` (an occlusion behind a shelf or another person) and is then ended. The
// number of live tracks is capped, so memory is bounded whatever the detector sends.
// Not thread-safe: one instance per camera, fed in frame order.
#include <cstdint>
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
  // Frame size: a coasting track predicted out of the frame has left it and is ended, so it
  // cannot come back as someone else. 0 when unknown.
  int frame_width = 0;
  int frame_height = 0;
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
    box bbox() const;
  };

  void match(std::vector<std::size_t>& tracks, std::vector<const detection*>& dets,
             std::vector<bool>& matched_track);
  void start(const detection& d, double t_s);

  tracker_options options_;
  std::vector<track> tracks_;
  std::int64_t next_id_ = 1;
  std::int64_t refused_ = 0;
  double last_t_s_ = 0;
  bool started_ = false;
};

}  // namespace kelu::vision
