// The full authorization matrix: every route × no credentials, a malformed token, a revoked
// key, an expired session, and each role calling for its own party and for another party.
// The expected status follows from the route's declaration alone; the OpenAPI document must
// declare the same routes and roles.
#include <regex>

#include "api/api.h"
#include "api/api_fixture.h"

namespace accrue {
namespace {

using testing::ApiTest;

class AuthorizationTest : public ApiTest {
 protected:
  // A fresh session or key per call, since some routes end the caller's own credentials.
  std::string Token(const std::string& who) {
    auto conn = api_->Connection();
    Credentials c((**conn).sql());
    const int64_t now = now_.load();
    if (who == "admin") return c.IssueKey(Role::kAdmin, "", "m", now)->token;
    if (who == "rideco") return c.IssueKey(Role::kEntity, "rideco", "m", now)->token;
    if (who == "cascade") return c.IssueKey(Role::kProvider, "cascade", "m", now)->token;
    if (who == "ana") return c.Login(ana_, "ana-password-1", now, 3600)->token;
    if (who == "revoked") {
      auto k = c.IssueKey(Role::kEntity, "rideco", "m", now);
      EXPECT_TRUE(c.RevokeKey(k->id, now).ok());
      return k->token;
    }
    if (who == "expired") return c.Login(ana_, "ana-password-1", now - 7200, 3600)->token;
    return "acc_k_0123456789abcdef_" + std::string(64, '0');  // well-formed, unknown
  }

  // The route's path with its parameters filled in for `party` (own or other).
  std::string Path(const api::Route& route, bool own) {
    std::string p = route.pattern;
    auto fill = [&](const std::string& name, const std::string& value) {
      const std::string slot = "{" + name + "}";
      if (auto at = p.find(slot); at != std::string::npos) p.replace(at, slot.size(), value);
    };
    fill("entity", own ? "rideco" : "cleanco");
    fill("account", own ? ana_.ToString() : ben_.ToString());
    fill("report_id", "r-none");
    fill("provider", own ? "cascade" : "other");
    fill("id", "1");
    auto conn = api_->Connection();
    fill("key", Credentials((**conn).sql()).IssueKey(Role::kEntity, "cleanco", "m", now_)->id);
    return p;
  }

  int Status(const api::Route& route, bool own, const std::string& who) {
    const std::string token = who == "none" ? "" : Token(who);
    return Send(route.method, Path(route, own), route.method == "POST" ? "{}" : "", token).status;
  }
};

TEST_F(AuthorizationTest, EveryRouteAdmitsExactlyItsRolesAndParties) {
  struct Caller {
    std::string who;
    Role role;
  };
  const std::vector<Caller> callers = {{"admin", Role::kAdmin},
                                       {"rideco", Role::kEntity},
                                       {"ana", Role::kWorker},
                                       {"cascade", Role::kProvider}};
  int checked = 0;
  for (const api::Route& route : api::Api::Routes()) {
    const std::string name = route.method + " " + route.pattern;
    const bool open = route.roles == 0;
    for (const char* bad : {"garbage", "revoked", "expired"}) {
      EXPECT_EQ(Status(route, true, bad), 401) << name << " with a " << bad << " token";
      ++checked;
    }
    const int anonymous = Status(route, true, "none");
    if (open) {
      EXPECT_TRUE(anonymous != 401 && anonymous != 403) << name << ": " << anonymous;
    } else {
      EXPECT_EQ(anonymous, 401) << name << " without credentials";
    }
    for (const Caller& c : callers) {
      for (bool own : {true, false}) {
        const int got = Status(route, own, c.who);
        const bool admitted = open || ((route.roles & static_cast<unsigned>(c.role)) != 0 &&
                                       (route.owner.empty() || own));
        const std::string what = name + " as " + c.who + (own ? " (own)" : " (other party)");
        if (admitted) {
          EXPECT_TRUE(got != 401 && got != 403 && got < 500) << what << ": " << got;
        } else {
          EXPECT_EQ(got, 403) << what;
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
}

TEST_F(AuthorizationTest, TheOpenApiDocumentDeclaresExactlyTheRoutes) {
  const auto doc = nlohmann::json::parse(api::OpenApiDocument());
  std::set<std::string> documented, served;
  for (const auto& [path, methods] : doc.at("paths").items()) {
    for (const auto& [method, op] : methods.items()) {
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      std::string roles;
      if (op.contains("x-accrue-roles")) {
        for (const auto& r : op["x-accrue-roles"]) roles += r.get<std::string>() + ",";
      }
      documented.insert(m + " " + path + " [" + roles + "]");
      EXPECT_EQ(op.at("security").empty(), roles.empty()) << m << " " << path;
    }
  }
  for (const api::Route& r : api::Api::Routes()) {
    std::string roles;
    for (Role role : {Role::kAdmin, Role::kEntity, Role::kWorker, Role::kProvider}) {
      if ((r.roles & static_cast<unsigned>(role)) != 0) roles += std::string(RoleName(role)) + ",";
    }
    served.insert(r.method + " " + r.pattern + " [" + roles + "]");
  }
  EXPECT_EQ(documented, served);
}

}  // namespace
}  // namespace accrue
