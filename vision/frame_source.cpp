// SPDX-License-Identifier: Apache-2.0
#include "frame_source.hpp"

#include <cstdlib>
#include <filesystem>

#include "config/secrets.hpp"

namespace kelu::vision {

void prefer_rtsp_over_tcp() { ::setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp", 0); }

frame_source::frame_source(frame_source_options o) : options_(std::move(o)) {
  const auto& u = options_.url;
  if (u.starts_with("/dev/video")) kind_ = kind::device;
  else if (u.find("://") != std::string::npos) kind_ = kind::stream;
  else kind_ = kind::file;
}

core::status frame_source::open() {
  capture_.release();
  try {
    if (kind_ == kind::device) {
      capture_.open(options_.url, cv::CAP_V4L2);
    } else if (kind_ == kind::stream) {
      capture_.open(options_.url, cv::CAP_FFMPEG,
                    {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, options_.open_timeout_ms, cv::CAP_PROP_READ_TIMEOUT_MSEC,
                     options_.read_timeout_ms});
    } else {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(options_.url, ec))
        return core::error{options_.url + ": no such video file"};
      capture_.open(options_.url, cv::CAP_FFMPEG);
    }
  } catch (const cv::Exception& e) {
    return core::error{config::without_password(options_.url) + ": " + e.what()};
  }
  // Errors travel to the log, the dashboard's health and HQ's stats: never with the camera's password.
  if (!capture_.isOpened())
    return core::error{config::without_password(options_.url) + ": cannot open (no decoder, or the camera did not answer)"};
  fps_ = capture_.get(cv::CAP_PROP_FPS);
  width_ = static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_WIDTH));
  height_ = static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_HEIGHT));
  last_error_.clear();
  return core::ok();
}

bool frame_source::read(cv::Mat& frame) {
  if (!capture_.isOpened()) {
    last_error_ = "not open";
    return false;
  }
  try {
    if (capture_.read(frame) && !frame.empty()) return true;
    if (kind_ == kind::file && options_.loop) {
      capture_.set(cv::CAP_PROP_POS_FRAMES, 0);
      if (capture_.read(frame) && !frame.empty()) return true;
    }
  } catch (const cv::Exception& e) {
    last_error_ = e.what();
    return false;
  }
  last_error_ = kind_ == kind::file ? "end of file" : "no frame within " + std::to_string(options_.read_timeout_ms) + " ms";
  return false;
}

}  // namespace kelu::vision
