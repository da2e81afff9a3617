// An event-driven HTTP/1.1 load client for the benchmarks: many keep-alive connections to
// 127.0.0.1 driven by a few threads with epoll, so that the client's own cost stays small
// beside the server's on a machine they share (a thread per connection spends most of the
// machine switching between them). Each connection sends a request, reads the whole response
// (by Content-Length; the server never chunks), records its latency and sends the next.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace accrue::bench {

struct EventPhaseResult {
  int64_t ok = 0;      // 2xx answers
  int64_t failed = 0;  // other answers and broken connections
  double seconds = 0;
  std::vector<double> latencies_ms;  // one per answer, unsorted
};

// Builds the bytes of request `i` on connection `conn`.
using MakeRequest = std::function<std::string(int conn, int64_t i)>;

namespace detail {

struct Conn {
  int fd = -1;
  int index = 0;
  int64_t sent = 0;
  std::string out;
  size_t written = 0;
  std::string in;
  std::chrono::steady_clock::time_point started;
};

inline int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The length of the first complete response in `in` and its status, or 0 if incomplete.
inline size_t CompleteResponse(std::string_view in, int* status) {
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos || in.size() < 12) return 0;
  *status = std::atoi(std::string(in.substr(9, 3)).c_str());
  size_t length = 0;
  std::string head(in.substr(0, end));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (const size_t at = head.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::strtoull(head.c_str() + at + 17, nullptr, 10);
  }
  return in.size() >= end + 4 + length ? end + 4 + length : 0;
}

// One thread's share of the connections, until `deadline`.
inline void Drive(uint16_t port, std::vector<int> indexes, const MakeRequest& make,
                  std::chrono::steady_clock::time_point deadline, EventPhaseResult* out) {
  using Clock = std::chrono::steady_clock;
  const int ep = ::epoll_create1(0);
  std::vector<Conn> conns(indexes.size());
  auto send_next = [&](Conn& c) {
    c.out = make(c.index, c.sent++);
    c.written = 0;
    c.started = Clock::now();
    epoll_event ev{EPOLLOUT | EPOLLIN, {.ptr = &c}};
    ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
  };
  int open = 0;
  for (size_t k = 0; k < conns.size(); ++k) {
    Conn& c = conns[k];
    c.index = indexes[k];
    c.fd = Connect(port);
    if (c.fd < 0) {
      ++out->failed;
      continue;
    }
    epoll_event ev{EPOLLOUT, {.ptr = &c}};
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    send_next(c);
    ++open;
  }
  std::vector<epoll_event> events(conns.size() + 1);
  char buf[65536];
  auto drop = [&](Conn& c) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    ++out->failed;
    --open;
  };
  while (open > 0 && Clock::now() < deadline) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
    for (int e = 0; e < n; ++e) {
      Conn& c = *static_cast<Conn*>(events[e].data.ptr);
      if (c.fd < 0) continue;
      if ((events[e].events & EPOLLOUT) && c.written < c.out.size()) {
        const ssize_t w =
            ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
          drop(c);
          continue;
        }
        if (w > 0) c.written += static_cast<size_t>(w);
        if (c.written == c.out.size()) {
          epoll_event ev{EPOLLIN, {.ptr = &c}};
          ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
      if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN)) {
        drop(c);
        continue;
      }
      if (r > 0) c.in.append(buf, static_cast<size_t>(r));
      int status = 0;
      if (const size_t used = CompleteResponse(c.in, &status); used > 0) {
        c.in.erase(0, used);
        out->latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - c.started).count());
        if (status >= 200 && status < 300) {
          ++out->ok;
        } else {
          ++out->failed;
        }
        if (Clock::now() < deadline) send_next(c);
      }
    }
  }
  for (Conn& c : conns) {
    if (c.fd >= 0) ::close(c.fd);
  }
  ::close(ep);
}

}  // namespace detail

// Runs `connections` connections over `threads` threads for `length`; requests still in
// flight at the deadline are not counted.
inline EventPhaseResult RunEventPhase(uint16_t port, int connections, int threads,
                                      std::chrono::steady_clock::duration length,
                                      const MakeRequest& make) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + length;
  threads = std::max(1, std::min(threads, connections));
  std::vector<EventPhaseResult> parts(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    std::vector<int> mine;
    for (int c = t; c < connections; c += threads) mine.push_back(c);
    pool.emplace_back(detail::Drive, port, std::move(mine), std::cref(make), deadline,
                      &parts[static_cast<size_t>(t)]);
  }
  for (auto& th : pool) th.join();
  EventPhaseResult all;
  all.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& p : parts) {
    all.ok += p.ok;
    all.failed += p.failed;
    all.latencies_ms.insert(all.latencies_ms.end(), p.latencies_ms.begin(), p.latencies_ms.end());
  }
  return all;
}

// "GET /path HTTP/1.1" with an optional bearer token and JSON body.
inline std::string HttpRequestBytes(const std::string& method, const std::string& target,
                                    const std::string& token, const std::string& body = "") {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty()) req += "Content-Type: application/json\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return req;
}

}  // namespace accrue::bench
