// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads frames from a video file, an RTSP/HTTP stream (OpenCV's FFmpeg backend) or a V4L2
// device (/dev/videoN). Opening and every read have a deadline for streams, so a camera
// that stops answering is an error after `read_timeout_ms`, not a hung thread.
// One instance per capture thread; not thread-safe.
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "core/result.hpp"

namespace kelu::vision {

struct frame_source_options {
  std::string url;     // file path, rtsp://..., http://..., or /dev/videoN
  bool loop = false;   // files only: start again at the end (demos)
  int open_timeout_ms = 10000;
  int read_timeout_ms = 5000;
};

// RTSP over TCP unless OPENCV_FFMPEG_CAPTURE_OPTIONS already says otherwise: on store Wi-Fi,
// UDP loses packets and with them whole frames. Sets the environment, so call it once before
// any capture thread opens a stream.
void prefer_rtsp_over_tcp();

class frame_source {
 public:
  explicit frame_source(frame_source_options o);

  core::status open();
  // False at the end of a file (unless looping) or when the stream failed: see last_error().
  bool read(cv::Mat& frame);
  void close() { capture_.release(); }

  bool is_file() const { return kind_ == kind::file; }
  // Frames per second the source declares (0 when it does not say).
  double declared_fps() const { return fps_; }
  int width() const { return width_; }
  int height() const { return height_; }
  const std::string& last_error() const { return last_error_; }

 private:
  enum class kind { file, stream, device };
  frame_source_options options_;
  kind kind_;
  cv::VideoCapture capture_;
  double fps_ = 0;
  int width_ = 0;
  int height_ = 0;
  std::string last_error_;
};

}  // namespace kelu::vision
