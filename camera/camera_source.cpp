// SPDX-License-Identifier: Apache-2.0
#include "camera_source.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <optional>

#include <opencv2/imgcodecs.hpp>

#include "core/backoff.hpp"
#include "config/change_plan.hpp"
#include "config/secrets.hpp"
#include "clip_recount.hpp"
#include "heat_checkpoint.hpp"
#include "heat_tiles.hpp"
#include "vision/camera_options.hpp"
#include "vision/frame_mailbox.hpp"
#include "vision/frame_source.hpp"
#include "vision/pipeline.hpp"

namespace kelu::camera {

namespace {

using steady = std::chrono::steady_clock;

struct captured {
  cv::Mat frame;
  steady::time_point at;
  core::utc_time utc;
};

// Events waiting on the io_context; past this the camera drops and counts instead of
// queueing without bound behind a stalled store.
constexpr std::int64_t max_pending_batches = 256;

// After an audit clip's last frame the camera analyses this much longer before answering: a
// crossing is reported once the side change has held (vision::line_counter's settle time).
constexpr std::chrono::milliseconds clip_tail{1500};

struct recording_request {
  std::chrono::seconds length{};
  std::string path;
  std::function<void(core::result<clip>)> done;
};

// An audit clip being written by the vision thread.
struct active_recording {
  recording_request request;
  int fd = -1;
  clip written;
  steady::time_point until{};  // frames captured before this go into the clip
  ~active_recording() {
    if (fd >= 0) ::close(fd);
  }
};

// Appends all of `data` to `fd`; false with errno set when the file system refuses.
bool write_all(int fd, const std::vector<uchar>& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

struct camera_source::shared : std::enable_shared_from_this<shared> {
  shared(boost::asio::any_io_executor e, core::event_ingest& i, const core::clock& c, config::camera_config cfg,
         std::string st, core::time_zone z, std::shared_ptr<spdlog::logger> l, std::filesystem::path heat)
      : ex(std::move(e)), ingest(i), clock(c), cam(std::move(cfg)), store(std::move(st)), zone(std::move(z)),
        log(std::move(l)), source_id("camera-" + cam.id), heat_file(std::move(heat)) {}

  boost::asio::any_io_executor ex;
  core::event_ingest& ingest;
  const core::clock& clock;
  config::camera_config cam;
  std::string store;
  core::time_zone zone;
  std::shared_ptr<spdlog::logger> log;
  std::string source_id;
  std::filesystem::path heat_file;
  std::unique_ptr<vision::detector> detector;  // made in start(), used by the vision thread

  vision::frame_mailbox<captured> mailbox;
  std::atomic<bool> stopping{false};
  std::mutex wake_mutex;
  std::condition_variable wake;

  std::atomic<bool> online{false};
  std::atomic<std::int64_t> offline_since_ms{0};  // 0: online, or not tried yet
  std::atomic<std::int64_t> frames_read{0}, frames_processed{0}, detector_runs{0}, gaps{0};
  std::atomic<std::int64_t> events{0}, dropped_events{0}, pending_batches{0};
  mutable std::mutex stats_mutex;
  std::string last_error;
  std::optional<core::utc_time> last_error_at, last_event_at;
  // Technician requests, taken by the vision thread between frames (under stats_mutex).
  std::vector<std::function<void(core::result<std::string>)>> snapshot_waiters;
  using geometry = std::pair<std::vector<config::camera_line_config>, std::vector<config::camera_zone_config>>;
  std::optional<geometry> new_geometry;
  std::optional<recording_request> new_recording;
  std::atomic<bool> requests{false};
  std::optional<active_recording> recording;  // the vision thread's only
  live_counts counts;  // under stats_mutex
  mutable std::int64_t fps_prev_processed = 0;
  mutable steady::time_point fps_prev_at = steady::now();

  // Sleeps up to `d`; false when woken by stop().
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(wake_mutex);
    return !wake.wait_for(lock, d, [&] { return stopping.load(); });
  }

  void note_error(const std::string& what) {
    std::lock_guard lock(stats_mutex);
    last_error = what;
    last_error_at = clock.now_utc();
  }

  core::event make(core::payload body, core::utc_time observed, const char* stream = "traffic") const {
    return core::make_event({store, source_id, stream, observed, clock.now_utc()}, std::move(body));
  }

  // On the io_context thread: submits a batch to the store and counts the outcome.
  void submit(std::vector<core::event> batch) {
    const auto n = static_cast<std::int64_t>(batch.size());
    ingest.submit(std::move(batch), [self = shared_from_this(), n](core::result<std::vector<core::commit_outcome>> r) {
      if (!r) {
        self->dropped_events += n;
        self->note_error("store refused " + std::to_string(n) + " camera events: " + r.error_message());
        return;
      }
      self->events += n;
      std::lock_guard lock(self->stats_mutex);
      self->last_event_at = self->clock.now_utc();
    });
  }

  // From any thread: hands a batch to the io_context, which submits it. Batches emitted while
  // stop() joins the threads are queued before the agent closes the store's intake.
  void emit(std::vector<core::event> batch) {
    if (batch.empty()) return;
    const auto n = static_cast<std::int64_t>(batch.size());
    if (pending_batches.load() >= max_pending_batches) {
      dropped_events += n;
      note_error("store busy: " + std::to_string(n) + " camera events dropped");
      return;
    }
    ++pending_batches;
    boost::asio::post(ex, [self = shared_from_this(), b = std::move(batch)]() mutable {
      --self->pending_batches;
      self->submit(std::move(b));
    });
  }

  void capture_loop();
  void vision_loop();
  class vision_run;  // the vision thread's state, one method per concern
  // Audit clips, on the vision thread: a new one from the request, each analysed frame into it,
  // and the answer (the clip, or why there is none).
  void begin_recording(recording_request r, steady::time_point now);
  void record_frame(const cv::Mat& frame, steady::time_point at, core::utc_time utc);
  void end_recording(core::result<clip> outcome);
  // Snapshots asked for and new lines and zones; what the old lines and zones settled, if set.
  std::optional<vision::frame_outcome> take_requests(vision::pipeline& p, vision::pipeline_options& po,
                                                     const cv::Mat& frame);
  // Counts start again from zero for these lines and zones (under stats_mutex).
  void reset_counts(const vision::pipeline_options& po) {
    counts.camera = cam.id;
    counts.lines.clear();
    for (const auto& l : po.lines) counts.lines.push_back({l.name, 0, 0});
    counts.zones.clear();
    for (const auto& z : po.zones) counts.zones.push_back({z.name, 0});
    counts.since = steady::now();
  }
};

void camera_source::shared::capture_loop() {
  core::backoff retry{std::chrono::seconds(1), std::chrono::seconds(cam.reconnect_max_s),
                      std::hash<std::string>{}(source_id)};
  // Not std::optional: GCC 12 at -O3 warns (wrongly) that its value may be uninitialised.
  bool in_gap = false;
  core::utc_time gap_from{};
  std::string gap_reason;
  core::utc_time last_frame_utc = clock.now_utc();
  const int timeout_ms = static_cast<int>(cam.read_timeout_s * 1000);
  auto report_gap = [&](core::utc_time to) {
    emit({make(core::camera_gap{cam.id, gap_from, to, gap_reason}, to)});
    ++gaps;
    in_gap = false;
    offline_since_ms = 0;
  };
  auto enter_gap = [&](core::utc_time from, std::string reason) {
    in_gap = true;
    gap_from = from;
    gap_reason = std::move(reason);
    offline_since_ms = core::to_unix_ms(from);
  };
  while (!stopping) {
    vision::frame_source src{{.url = cam.url, .loop = cam.loop, .open_timeout_ms = 2 * timeout_ms,
                              .read_timeout_ms = timeout_ms}};
    if (auto st = src.open(); !st) {
      note_error(st.error_message());
      if (!in_gap) {
        enter_gap(clock.now_utc(), st.error_message());
        log->warn("camera {}: {}", cam.id, st.error_message());
      }
      if (!pause(retry.next())) break;
      continue;
    }
    retry.reset();
    // A file plays at its own frame rate, as a camera would send it.
    const double fps = src.declared_fps() > 0 ? src.declared_fps() : 10;
    const auto started = steady::now();
    std::int64_t n = 0;
    cv::Mat m;
    while (!stopping && src.read(m)) {
      const auto now_utc = clock.now_utc();
      if (in_gap) {
        log->info("camera {}: frames again after {} s", cam.id,
                  std::chrono::duration_cast<std::chrono::seconds>(now_utc - gap_from).count());
        report_gap(now_utc);
      }
      online = true;
      ++frames_read;
      last_frame_utc = now_utc;
      mailbox.put({std::move(m), steady::now(), now_utc});
      m = cv::Mat();
      ++n;
      if (src.is_file()) {
        const auto due = started + std::chrono::microseconds(static_cast<std::int64_t>(1e6 * static_cast<double>(n) / fps));
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - steady::now());
        if (wait.count() > 0 && !pause(wait)) break;
      }
    }
    online = false;
    if (stopping) break;
    note_error(src.last_error());
    if (src.is_file() && !cam.loop) {
      log->info("camera {}: {} ended", cam.id, config::without_password(cam.url));
      break;
    }
    enter_gap(last_frame_utc, src.last_error());
    log->warn("camera {}: {}; reconnecting", cam.id, src.last_error());
    if (!pause(retry.next())) break;
  }
  if (in_gap) report_gap(clock.now_utc());  // stopping while the camera is down: the gap so far
  mailbox.close();
}

std::optional<vision::frame_outcome> camera_source::shared::take_requests(vision::pipeline& p,
                                                                         vision::pipeline_options& po,
                                                                         const cv::Mat& frame) {
  std::vector<std::function<void(core::result<std::string>)>> waiters;
  std::optional<geometry> wanted;
  {
    std::lock_guard lock(stats_mutex);
    waiters.swap(snapshot_waiters);
    wanted.swap(new_geometry);
  }
  std::optional<vision::frame_outcome> settled;
  if (wanted) {
    cam.lines = std::move(wanted->first);
    cam.zones = std::move(wanted->second);
    const auto next = vision::pipeline_options_for(cam);
    po.lines = next.lines;
    po.zones = next.zones;
    settled = p.set_geometry(po.lines, po.zones);
    log->info("camera {}: now {} lines, {} zones (set by a technician)", cam.id, po.lines.size(), po.zones.size());
  }
  if (waiters.empty()) return settled;
  std::vector<uchar> jpeg;
  core::result<std::string> answer = core::error{"camera " + cam.id + ": the frame did not encode as JPEG"};
  if (cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, 80}))
    answer = std::string(jpeg.begin(), jpeg.end());
  for (auto& w : waiters)
    boost::asio::post(ex, [w = std::move(w), answer] { w(answer); });
  return settled;
}

void camera_source::shared::begin_recording(recording_request r, steady::time_point now) {
  if (recording) {
    boost::asio::post(ex, [done = std::move(r.done), id = cam.id] {
      done(core::error{"camera " + id + " is already recording an audit clip"});
    });
    return;
  }
  const int fd = ::open(r.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    boost::asio::post(ex, [done = std::move(r.done), why = r.path + ": " + std::strerror(errno)] {
      done(core::error{"cannot write the audit clip " + why});
    });
    return;
  }
  auto& rec = recording.emplace();
  rec.fd = fd;
  rec.until = now + r.length;
  rec.written.path = r.path;
  rec.request = std::move(r);
  log->info("camera {}: recording a {} s audit clip", cam.id, rec.request.length.count());
}

void camera_source::shared::record_frame(const cv::Mat& frame, steady::time_point at, core::utc_time utc) {
  auto& rec = *recording;
  if (at >= rec.until + clip_tail) {
    end_recording(std::move(rec.written));
    return;
  }
  if (at >= rec.until) return;  // the tail: analysed, not written
  std::vector<uchar> jpeg;
  if (!cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, 70})) {
    end_recording(core::error{"camera " + cam.id + ": a frame did not encode as JPEG"});
    return;
  }
  const auto offset = rec.written.frames.empty() ? 0 : rec.written.frames.back().offset + rec.written.frames.back().size;
  if (!write_all(rec.fd, jpeg)) {
    end_recording(core::error{"cannot write the audit clip " + rec.written.path + ": " + std::strerror(errno)});
    return;
  }
  rec.written.width = frame.cols;
  rec.written.height = frame.rows;
  rec.written.frames.push_back({offset, static_cast<std::int64_t>(jpeg.size()), utc});
}

void camera_source::shared::end_recording(core::result<clip> outcome) {
  auto done = std::move(recording->request.done);
  recording.reset();  // closes the file
  if (outcome) log->info("camera {}: audit clip recorded, {} frames", cam.id, outcome->frames.size());
  boost::asio::post(ex, [done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
}

// One run of the vision thread: the newest frame at process_fps through the pipeline, and what
// it settles as events. Only the vision thread touches it.
class camera_source::shared::vision_run {
 public:
  explicit vision_run(shared& s)
      : s_(s), po_(vision::pipeline_options_for(s.cam)), period_(1'000'000 / s.cam.process_fps),
        tiles_(s.cam.id, s.zone),
        checkpoint_(s.heat_file, std::chrono::seconds(s.cam.heat_checkpoint_s)) {
    std::lock_guard lock(s_.stats_mutex);
    s_.reset_counts(po_);
  }

  void run() {
    while (!s_.stopping) {
      auto f = s_.mailbox.take(std::chrono::milliseconds(200));
      if (!f) {
        if (s_.mailbox.closed()) break;  // the file ended
        on_quiet();
        continue;
      }
      last_frame_at_ = steady::now();
      settled_ = false;
      if (!pace(f) || !ensure_pipeline(*f)) break;
      analyse(*f);
    }
    if (p_) {
      settle();
      save_heat(steady::now(), true);
    }
    if (s_.recording) s_.end_recording(core::error{"camera " + s_.cam.id + " stopped while recording the audit clip"});
  }

 private:
  core::utc_time utc_of(double t_s) const { return utc0_ + std::chrono::milliseconds(std::llround(t_s * 1000)); }

  // No frames for a while (the camera is down): people seen before the gap have gone as far as
  // we know, so their visits close now rather than when frames return.
  void on_quiet() {
    if (!p_ || settled_ || steady::now() - last_frame_at_ <= std::chrono::seconds(2)) return;
    settle();
    settled_ = true;
    if (s_.recording) s_.end_recording(core::error{"camera " + s_.cam.id + " stopped sending frames during the audit clip"});
  }

  // Analyse at process_fps: wait for the slot, then take whatever is newest. False on stop().
  bool pace(std::optional<captured>& f) {
    const auto now = steady::now();
    if (now < next_due_) {
      if (!s_.pause(std::chrono::duration_cast<std::chrono::milliseconds>(next_due_ - now))) return false;
      if (auto newer = s_.mailbox.take(std::chrono::milliseconds(0))) f = std::move(newer);
    }
    next_due_ = std::max(next_due_ + period_, steady::now());
    return true;
  }

  // A pipeline for the first frame, and a fresh one when the frame size changes (the tracks of
  // the old one settled first). False when no detector can be made.
  bool ensure_pipeline(const captured& f) {
    if (p_ && f.frame.cols == width_ && f.frame.rows == height_) return true;
    std::optional<heat_progress> carried;  // a new frame size: the old grid's heat, in memory
    if (p_) {
      settle();
      carried = tiles_.progress(p_->heat());
    }
    width_ = f.frame.cols;
    height_ = f.frame.rows;
    // The first detector was made in start(); a new frame size needs a fresh one.
    std::unique_ptr<vision::detector> det = std::move(s_.detector);
    if (!det) {
      auto made = vision::make_detector(vision::detector_options_for(s_.cam));
      if (!made) {
        s_.note_error(made.error_message());
        return false;
      }
      det = std::move(made).value();
    }
    p_ = std::make_unique<vision::pipeline>(po_, std::move(det), width_, height_);
    t0_ = f.at;
    utc0_ = f.utc;
    tiles_.start(f.utc, width_, height_, p_->heat());
    carry_heat_on(std::move(carried));
    next_occupancy_ = f.at + std::chrono::seconds(s_.cam.occupancy_interval_s);
    return true;
  }

  void analyse(const captured& f) {
    std::vector<core::event> batch;
    if (s_.requests.exchange(false)) apply_requests(f, batch);
    const double t_s = std::chrono::duration<double>(f.at - t0_).count();
    const auto r = p_->process(f.frame, t_s, index_++);
    ++s_.frames_processed;
    if (r.detected) ++s_.detector_runs;
    convert(r, batch);
    report_occupancy(f, batch);
    bool closed = false;
    for (auto& t : tiles_.advance(f.utc, p_->heat())) {
      const auto closed_at = t.end;
      batch.push_back(s_.make(std::move(t), closed_at, "heatmap"));
      closed = true;
    }
    save_heat(f.at, closed);
    show(r);
    s_.emit(std::move(batch));
    // After the frame's events: a clip's answer reaches the io_context behind its crossings.
    // Its frames are timed like the crossings (utc_of), so a crossing falls on a frame exactly.
    if (s_.recording) s_.record_frame(f.frame, f.at, utc_of(t_s));
  }

  // The technician's snapshots, lines and zones, and audit clips, between two frames.
  void apply_requests(const captured& f, std::vector<core::event>& batch) {
    if (const auto old_geometry = s_.take_requests(*p_, po_, f.frame)) {
      convert(*old_geometry, batch);
      std::lock_guard lock(s_.stats_mutex);
      s_.reset_counts(po_);
    }
    std::optional<recording_request> wanted;
    {
      std::lock_guard lock(s_.stats_mutex);
      wanted.swap(s_.new_recording);
    }
    if (wanted) s_.begin_recording(std::move(*wanted), f.at);
  }

  void report_occupancy(const captured& f, std::vector<core::event>& batch) {
    if (po_.zones.empty() || f.at < next_occupancy_) return;
    core::traffic_occupancy occ{s_.cam.id, {}};
    const auto people = p_->zones().occupancy();
    for (std::size_t i = 0; i < po_.zones.size(); ++i) occ.zones.push_back({po_.zones[i].name, people[i]});
    batch.push_back(s_.make(std::move(occ), f.utc));
    next_occupancy_ = f.at + std::chrono::seconds(s_.cam.occupancy_interval_s);
  }

  // What the technician page and the heat map's hour in progress show.
  void show(const vision::frame_outcome& r) {
    std::lock_guard lock(s_.stats_mutex);
    auto& counts = s_.counts;
    counts.tracks = static_cast<std::int64_t>(r.tracks.size());
    counts.frame_width = width_;
    counts.frame_height = height_;
    const auto now_in = p_->zones().occupancy();
    for (std::size_t i = 0; i < counts.zones.size() && i < now_in.size(); ++i) counts.zones[i].people = now_in[i];
    counts.heat_cols = p_->heat().cols();
    counts.heat_rows = p_->heat().rows();
    counts.heat_s = p_->heat().cells();
  }

  void convert(const vision::frame_outcome& r, std::vector<core::event>& out) {
    if (!r.crossings.empty()) {
      std::lock_guard lock(s_.stats_mutex);
      for (const auto& c : r.crossings)
        for (auto& l : s_.counts.lines)
          if (l.name == c.line) ++(c.direction == vision::crossing_direction::in ? l.in : l.out);
    }
    for (const auto& c : r.crossings)
      out.push_back(s_.make(core::traffic_line_cross{s_.cam.id, c.line, c.direction, c.track_id}, utc_of(c.t_s)));
    for (const auto& v : r.visits)
      out.push_back(s_.make(core::traffic_zone_dwell{s_.cam.id, v.zone, v.track_id, utc_of(v.enter_t_s),
                                                     std::llround(v.dwell_s * 1000), v.engaged},
                            utc_of(v.exit_t_s)));
  }

  // The heat in progress of the previous pipeline (`carried`: a new frame size) or else of an
  // earlier run (the checkpoint: a restart) goes on in this one; its hour and day, if over, close
  // now as tiles.
  void carry_heat_on(std::optional<heat_progress> carried) {
    if (!carried) {
      auto saved = checkpoint_.load();
      if (!saved) {
        s_.log->warn("camera {}: the heat of the hour so far starts afresh: {}", s_.cam.id, saved.error_message());
        return;
      }
      carried = std::move(saved).value();
    }
    if (!carried) return;
    std::vector<core::event> batch;
    for (auto& t : tiles_.resume(*carried, p_->heat())) {
      const auto closed_at = t.end;
      batch.push_back(s_.make(std::move(t), closed_at, "heatmap"));
    }
    s_.emit(std::move(batch));
  }

  // A checkpoint every heat_checkpoint_s, and at once when an hour closed or the run ends.
  void save_heat(steady::time_point at, bool now) {
    if (!now && !checkpoint_.due(at)) return;
    if (auto st = checkpoint_.save(tiles_.progress(p_->heat()), at); !st)
      s_.log->warn("camera {}: heat so far not saved: {}", s_.cam.id, st.error_message());
  }

  // Settles every track and open visit (camera gone quiet, frame size changed, stopping).
  void settle() {
    std::vector<core::event> tail;
    convert(p_->finish(), tail);
    s_.emit(std::move(tail));
  }

  shared& s_;
  vision::pipeline_options po_;
  std::unique_ptr<vision::pipeline> p_;
  std::chrono::microseconds period_;
  steady::time_point t0_{}, next_due_{}, next_occupancy_{};
  steady::time_point last_frame_at_ = steady::now();
  core::utc_time utc0_{};
  std::int64_t index_ = 0;
  int width_ = 0, height_ = 0;
  heat_tiles tiles_;
  heat_checkpoint checkpoint_;
  bool settled_ = false;  // finish() ran for the current gap
};

void camera_source::shared::vision_loop() { vision_run{*this}.run(); }

camera_source::camera_source(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                             config::camera_config cam, std::string store, core::time_zone zone,
                             std::shared_ptr<spdlog::logger> log, std::filesystem::path heat_file)
    : shared_(std::make_shared<shared>(std::move(ex), ingest, clock, std::move(cam), std::move(store), std::move(zone),
                                       std::move(log), std::move(heat_file))) {}

camera_source::~camera_source() { stop(); }

core::status camera_source::start() {
  auto& s = *shared_;
  auto det = vision::make_detector(vision::detector_options_for(s.cam));
  if (!det) return core::error{"cameras[" + s.cam.id + "].detector: " + det.error_message()};
  s.detector = std::move(det).value();
  capture_ = std::thread([self = shared_] { self->capture_loop(); });
  vision_ = std::thread([self = shared_] { self->vision_loop(); });
  s.log->info("camera {}: {} with {} lines, {} zones, detector {} at {} fps", s.cam.id, config::without_password(s.cam.url), s.cam.lines.size(),
              s.cam.zones.size(), s.cam.detector, s.cam.process_fps);
  return core::ok();
}

void camera_source::stop() {
  {
    std::lock_guard lock(shared_->wake_mutex);
    shared_->stopping = true;
  }
  shared_->wake.notify_all();
  // The capture thread may sit in a stream read for up to read_timeout_s.
  if (capture_.joinable()) capture_.join();
  shared_->mailbox.close();
  if (vision_.joinable()) vision_.join();
}

const std::string& camera_source::camera_id() const { return shared_->cam.id; }

void camera_source::snapshot(std::function<void(core::result<std::string>)> done) {
  auto& s = *shared_;
  if (!s.online) {
    std::string why;
    {
      std::lock_guard lock(s.stats_mutex);
      why = s.last_error.empty() ? "no frames yet" : s.last_error;
    }
    done(core::error{"camera " + s.cam.id + " is offline: " + why});
    return;
  }
  {
    std::lock_guard lock(s.stats_mutex);
    s.snapshot_waiters.push_back(std::move(done));
  }
  s.requests = true;
}

void camera_source::set_geometry(std::vector<config::camera_line_config> lines,
                                 std::vector<config::camera_zone_config> zones) {
  auto& s = *shared_;
  {
    std::lock_guard lock(s.stats_mutex);
    s.new_geometry.emplace(std::move(lines), std::move(zones));
  }
  s.requests = true;
}

void camera_source::record(std::chrono::seconds length, std::string path,
                           std::function<void(core::result<clip>)> done) {
  auto& s = *shared_;
  if (!s.online) {
    done(core::error{"camera " + s.cam.id + " is offline: no clip to record"});
    return;
  }
  {
    std::lock_guard lock(s.stats_mutex);
    if (s.new_recording) {
      done(core::error{"camera " + s.cam.id + " is already recording an audit clip"});
      return;
    }
    s.new_recording = recording_request{length, std::move(path), std::move(done)};
  }
  s.requests = true;
}

live_counts camera_source::counts() const {
  std::lock_guard lock(shared_->stats_mutex);
  return shared_->counts;
}

core::source_health camera_source::health() const {
  const auto& s = *shared_;
  core::source_health h;
  h.source = s.source_id;
  h.driver = "camera";
  h.accepted = s.events.load();
  h.rejected = s.dropped_events.load();
  std::lock_guard lock(s.stats_mutex);
  h.last_event_at = s.last_event_at;
  h.last_error = s.last_error;
  h.last_error_at = s.last_error_at;
  return h;
}

std::optional<core::camera_health> camera_source::camera() const {
  const auto& s = *shared_;
  core::camera_health h;
  h.camera = s.cam.id;
  h.state = s.online ? "online" : "offline";
  h.frames_read = s.frames_read.load();
  h.frames_processed = s.frames_processed.load();
  h.frames_dropped = s.mailbox.dropped();
  h.detector_runs = s.detector_runs.load();
  h.gaps = s.gaps.load();
  std::lock_guard lock(s.stats_mutex);
  const auto now = steady::now();
  const double secs = std::chrono::duration<double>(now - s.fps_prev_at).count();
  if (secs > 0) h.processed_fps_milli = std::llround(1000.0 * static_cast<double>(h.frames_processed - s.fps_prev_processed) / secs);
  s.fps_prev_processed = h.frames_processed;
  s.fps_prev_at = now;
  h.last_error = s.last_error;
  if (const auto since = s.offline_since_ms.load(); since != 0 && !s.online) h.offline_since = core::from_unix_ms(since);
  return h;
}

}  // namespace kelu::camera
