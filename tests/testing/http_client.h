// A small blocking HTTP/1.1 client for tests and benchmarks against a server on 127.0.0.1:
// one keep-alive connection, requests sent one at a time, responses read by Content-Length.
// Header-only, like the other test helpers.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace accrue::testing {

struct HttpReply {
  int status = 0;                                            // 0: the connection failed or closed
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}
  ~HttpClient() { Close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& token = "", const std::string& type = "application/json",
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) return {};
      std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
      if (!body.empty()) req += "Content-Type: " + type + "\r\n";
      for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      const bool reused = used_;
      if (!WriteAll(req)) {
        Close();
        if (reused) continue;  // the server closed an idle connection: once more, fresh
        return {};
      }
      used_ = true;
      HttpReply reply = Read();
      if (reply.status == 0) {
        Close();
        if (reused && nothing_read_) continue;
      }
      return reply;
    }
    return {};
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
    used_ = false;
  }

 private:
  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }

  bool WriteAll(const std::string& s) {
    size_t at = 0;
    while (at < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + at, s.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<size_t>(n);
    }
    return true;
  }

  bool Fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    nothing_read_ = false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  HttpReply Read() {
    nothing_read_ = true;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return {};
    }
    HttpReply reply;
    const std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return {};
    reply.status = std::stoi(status_line.substr(9, 3));
    size_t length = 0;
    bool close = false;
    while (line_end != std::string::npos) {
      const size_t next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(line_end + 2, next - line_end - 2);
      line_end = next;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "content-length") length = std::stoul(value);
      if (name == "connection" && value == "close") close = true;
      reply.headers.emplace_back(std::move(name), std::move(value));
    }
    while (buf_.size() < length) {
      if (!Fill()) return {};
    }
    reply.body = buf_.substr(0, length);
    buf_.erase(0, length);
    if (close) Close();
    return reply;
  }

  uint16_t port_;
  int fd_ = -1;
  std::string buf_;
  bool used_ = false;
  bool nothing_read_ = true;
};

}  // namespace accrue::testing
