// `cmake --install` lays out what deploy/accrue.service runs (bin/accrue, share/accrue/web,
// share/accrue/fonts, share/accrue/policies), and the installed binary, away from its build
// tree, finds the CJK font for statements and the example policy packs there.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "testing/cli_runner.h"

namespace accrue {
namespace {

namespace fs = std::filesystem;
using testing::AccrueBinary;
using testing::AccrueDb;
using testing::CliResult;
using testing::ReadFile;
using testing::RunOptions;
using testing::TempDir;

TEST(InstallTest, TheInstalledBinaryFindsItsPortalItsCjkFontAndItsPolicies) {
  TempDir prefix;
  const fs::path build = fs::path(AccrueBinary()).parent_path();
  if (!fs::exists(build / "fonts" / "wqy-microhei-flat.ttf")) {
    GTEST_SKIP() << "this build has no CJK font (CMake warned: no fonttools or WenQuanYi)";
  }
  const std::string install = "cmake --install '" + build.string() + "' --prefix '" +
                              prefix.path().string() + "' > /dev/null";
  ASSERT_EQ(std::system(install.c_str()), 0) << install;
  const fs::path installed = prefix.path() / "bin" / "accrue";
  EXPECT_TRUE(fs::exists(installed));
  EXPECT_TRUE(fs::exists(prefix.path() / "share/accrue/web/index.html"));
  EXPECT_TRUE(fs::exists(prefix.path() / "share/accrue/fonts/wqy-microhei-flat.ttf"));
  EXPECT_TRUE(fs::exists(prefix.path() / "share/accrue/policies/benefits.toml"));

  AccrueDb db;
  db.Init();
  CliResult added = db.Run({"worker", "add", "--name", "陳美玲", "--birth-date", "1990-01-01",
                            "--home", "US-WA-SEATTLE"});
  ASSERT_EQ(added.exit_code, 0) << added.Describe();
  std::string account;
  std::istringstream(added.out) >> account;
  RunOptions options;
  options.binary = installed.string();
  // The monthly notice as the installed binary prints it, or "" if the command failed.
  auto notice = [&] {
    const std::string pdf = db.File("notice.pdf");
    const CliResult r = db.Run(
        {"statement", "worker", account, "--month", "2026-09", "--format", "pdf", "--out", pdf},
        options);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.exit_code == 0 ? ReadFile(pdf) : std::string();
  };
  // The font is embedded under its PostScript name; without it DejaVu would be.
  const std::string bytes = notice();
  EXPECT_NE(bytes.find("WenQuanYi"), std::string::npos);
  EXPECT_EQ(bytes.find("DejaVu"), std::string::npos);

  // Run from a directory with no policies/ of its own, `policy test` finds the shipped packs.
  TempDir elsewhere;
  RunOptions away = options;
  away.cwd = elsewhere.path().string();
  const CliResult tested = db.Run({"policy", "test"}, away);
  EXPECT_EQ(tested.exit_code, 0) << tested.Describe();
  EXPECT_NE(tested.out.find(" passed, 0 failed"), std::string::npos) << tested.out;

  // Moved away from both layouts, it falls back to DejaVu rather than failing, and `policy
  // test` names the directory it looked for.
  fs::rename(prefix.path() / "share", prefix.path() / "elsewhere");
  const std::string fallback = notice();
  EXPECT_EQ(fallback.find("WenQuanYi"), std::string::npos);
  EXPECT_NE(fallback.find("DejaVu"), std::string::npos);
  const CliResult lost = db.Run({"policy", "test"}, away);
  EXPECT_EQ(lost.exit_code, 2) << lost.Describe();
  EXPECT_NE(lost.err.find("cannot read 'policies/benefits.toml'"), std::string::npos) << lost.err;
}

}  // namespace
}  // namespace accrue
