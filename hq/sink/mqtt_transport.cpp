// SPDX-License-Identifier: Apache-2.0
#include "mqtt_transport.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

namespace kelu::hq {

namespace {

using clock = mqtt_transport::clock;

int remaining_ms(clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

struct endpoint {
  bool tls = false;
  std::string host;
  std::string port;
};

core::result<endpoint> parse_uri(const std::string& uri) {
  endpoint e;
  std::string rest;
  if (uri.starts_with("tcp://")) {
    rest = uri.substr(6);
  } else if (uri.starts_with("ssl://")) {
    e.tls = true;
    rest = uri.substr(6);
  } else {
    return core::error{uri + ": expected tcp://host:port or ssl://host:port"};
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) return core::error{uri + ": no port"};
  e.host = rest.substr(0, colon);
  e.port = rest.substr(colon + 1);
  // [::1]:8883
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  return e;
}

// Non-blocking connect bounded by `deadline`; the socket stays non-blocking (reads and writes poll).
core::result<int> dial(const std::string& uri, const endpoint& to, clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(to.host.c_str(), to.port.c_str(), &hints, &found); rc != 0)
    return core::error{uri + ": " + gai_strerror(rc)};
  std::string why = "no address";
  for (auto* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = ETIMEDOUT;
      if (::poll(&p, 1, remaining_ms(deadline)) == 1) {
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
      if (err == 0) {
        freeaddrinfo(found);
        return fd;
      }
      why = std::strerror(err);
    } else {
      why = std::strerror(errno);
    }
    ::close(fd);
  }
  freeaddrinfo(found);
  return core::error{uri + ": " + why};
}

// OpenSSL's queued reasons, oldest first, emptied.
std::string ssl_errors() {
  std::string all;
  while (const unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    if (!all.empty()) all += "; ";
    all += text;
  }
  return all.empty() ? "no reason given" : all;
}

bool is_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

struct mqtt_transport::tls_session {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;

  tls_session() = default;
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;
  ~tls_session() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
  }

  // The context: TLS 1.2 or later, the broker verified against `ca_file`, our certificate if any.
  core::status configure(const transport_tls& tls) {
    if (tls.ca_file.empty()) return core::error{"a CA file is required to verify the broker"};
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return core::error{"TLS: " + ssl_errors()};
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1)
      return core::error{"CA file " + tls.ca_file + ": " + ssl_errors()};
    if (tls.cert_file.empty() != tls.key_file.empty())
      return core::error{"a client certificate needs both its file and its key"};
    if (!tls.cert_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1)
        return core::error{"certificate " + tls.cert_file + ": " + ssl_errors()};
      if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_check_private_key(ctx) != 1)
        return core::error{"key " + tls.key_file + ": " + ssl_errors()};
    }
    return core::ok();
  }

  // The session on `fd`, bound to the name (or address) the broker must prove.
  core::status bind(int fd, const std::string& host) {
    ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) return core::error{"TLS: " + ssl_errors()};
    if (is_address(host)) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)
        return core::error{"TLS: " + ssl_errors()};
    } else if (SSL_set1_host(ssl, host.c_str()) != 1 ||
               // SSL_set_tlsext_host_name, a macro with a C cast; SNI for brokers behind one address.
               SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1) {
      return core::error{"TLS: " + ssl_errors()};
    }
    return core::ok();
  }

  // Why the handshake failed: the certificate's verdict when that was it.
  std::string handshake_failure() const {
    const long verdict = SSL_get_verify_result(ssl);
    if (verdict != X509_V_OK) {
      ERR_clear_error();
      return std::string("the broker's certificate: ") + X509_verify_cert_error_string(verdict);
    }
    return ssl_errors();
  }
};

mqtt_transport::mqtt_transport(int fd, std::unique_ptr<tls_session> tls) : fd_(fd), tls_(std::move(tls)) {}

mqtt_transport::mqtt_transport(mqtt_transport&& o) noexcept : fd_(std::exchange(o.fd_, -1)), tls_(std::move(o.tls_)) {}

mqtt_transport& mqtt_transport::operator=(mqtt_transport&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
    tls_ = std::move(o.tls_);
  }
  return *this;
}

mqtt_transport::~mqtt_transport() { close(); }

void mqtt_transport::close() {
  if (tls_ && tls_->ssl && fd_ >= 0) SSL_shutdown(tls_->ssl);
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

core::result<mqtt_transport> mqtt_transport::open(const std::string& uri, const transport_tls& tls,
                                                  clock::time_point deadline) {
  auto to = parse_uri(uri);
  if (!to) return core::error{to.error_message()};
  std::unique_ptr<tls_session> session;
  if (to->tls) {
    session = std::make_unique<tls_session>();
    if (auto st = session->configure(tls); !st) return core::error{uri + ": " + st.error_message()};
  }
  auto fd = dial(uri, *to, deadline);
  if (!fd) return core::error{fd.error_message()};
  mqtt_transport t(*fd, std::move(session));
  if (!t.tls_) return t;
  if (auto st = t.tls_->bind(t.fd_, to->host); !st) return core::error{uri + ": " + st.error_message()};
  for (;;) {
    const int rc = SSL_connect(t.tls_->ssl);
    if (rc == 1) return t;
    const int why = SSL_get_error(t.tls_->ssl, rc);
    if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE)
      return core::error{uri + ": TLS handshake: " + t.tls_->handshake_failure()};
    auto ready = t.wait(why == SSL_ERROR_WANT_WRITE, deadline);
    if (!ready) return core::error{uri + ": TLS handshake: " + ready.error_message()};
    if (!*ready) return core::error{uri + ": TLS handshake: no answer in time"};
  }
}

core::result<bool> mqtt_transport::wait(bool for_write, clock::time_point deadline) const {
  for (;;) {
    pollfd p{fd_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return core::error{std::string("poll: ") + std::strerror(errno)};
  }
}

core::status mqtt_transport::write_all(std::string_view bytes, clock::time_point deadline) {
  if (fd_ < 0) return core::error{"not connected"};
  for (std::size_t sent = 0; sent < bytes.size();) {
    const auto left = std::min<std::size_t>(bytes.size() - sent, INT_MAX);
    bool want_write = true;
    if (tls_) {
      const int n = SSL_write(tls_->ssl, bytes.data() + sent, static_cast<int>(left));
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      const int why = SSL_get_error(tls_->ssl, n);
      if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) return core::error{"send: TLS: " + ssl_errors()};
      want_write = why == SSL_ERROR_WANT_WRITE;
    } else {
      const auto n = ::send(fd_, bytes.data() + sent, left, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return core::error{std::string("send: ") + std::strerror(errno)};
    }
    auto ready = wait(want_write, deadline);
    if (!ready) return core::error{"send: " + ready.error_message()};
    if (!*ready) return core::error{"send: the broker took nothing in time"};
  }
  return core::ok();
}

core::result<std::optional<std::size_t>> mqtt_transport::read_some(char* buffer, std::size_t size,
                                                                    clock::time_point deadline) {
  if (fd_ < 0) return core::error{"not connected"};
  const int most = static_cast<int>(std::min<std::size_t>(size, INT_MAX));
  for (;;) {
    bool want_write = false;
    if (tls_) {
      // Before any poll: OpenSSL may hold bytes it already decrypted.
      const int n = SSL_read(tls_->ssl, buffer, most);
      if (n > 0) return std::optional<std::size_t>(static_cast<std::size_t>(n));
      const int why = SSL_get_error(tls_->ssl, n);
      if (why == SSL_ERROR_ZERO_RETURN || (why == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
        return core::error{"the broker closed the connection"};
      if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) return core::error{"recv: TLS: " + ssl_errors()};
      want_write = why == SSL_ERROR_WANT_WRITE;
    } else {
      const auto n = ::recv(fd_, buffer, static_cast<std::size_t>(most), 0);
      if (n > 0) return std::optional<std::size_t>(static_cast<std::size_t>(n));
      if (n == 0) return core::error{"the broker closed the connection"};
      if (errno != EAGAIN && errno != EINTR) return core::error{std::string("recv: ") + std::strerror(errno)};
    }
    auto ready = wait(want_write, deadline);
    if (!ready) return core::error{ready.error_message()};
    if (!*ready) return std::optional<std::size_t>{};
  }
}

}  // namespace kelu::hq
