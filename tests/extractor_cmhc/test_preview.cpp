// analytica.preview/1 of extractor_cmhc_rmr, through the C ABI: the marked
// cell in a grid of its sheet with its row label and column headers.
#include "cmhc_test.h"

#include "support/sink_module.h"
#include "xlsx.h"

#include <analytica.h>

#include <catch2/catch.hpp>
#include <dlfcn.h>

using namespace cmhc_test;
namespace fs = std::filesystem;

namespace {

struct Plugin {
  void* lib = nullptr;
  const analytica_plugin_descriptor* d = nullptr;
  void* self = nullptr;
  sinktest::TestHost host;

  Plugin() {
    const std::string path = std::string(PLUGIN_DIR) + "/libextractor_cmhc_rmr.so";
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    INFO(path << ": " << (lib ? "" : dlerror()));
    REQUIRE(lib);
    auto entry = reinterpret_cast<analytica_entry_fn>(dlsym(lib, ANALYTICA_ENTRY));
    REQUIRE(entry);
    d = entry();
    REQUIRE(d->create(host.table(), "{}", &self) == ANALYTICA_OK);
  }
  ~Plugin() {
    if (d && self) d->destroy(self);
    if (lib) dlclose(lib);
  }
  const analytica_preview_v1* preview() const {
    return static_cast<const analytica_preview_v1*>(d->get_interface(ANALYTICA_PREVIEW_V1));
  }
  analytica_status render(const std::string& path, std::vector<analytica_provenance> cells, std::string& type,
                          std::string& body) {
    const analytica_preview_request req{sizeof(analytica_preview_request), path.c_str(), cells.data(),
                                        static_cast<uint32_t>(cells.size()), 1.0};
    const char* media = nullptr;
    const uint8_t* data = nullptr;
    uint64_t size = 0;
    const analytica_status s = preview()->render(self, &req, &media, &data, &size);
    if (s == ANALYTICA_OK) {
      type = media;
      body.assign(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
    }
    return s;
  }
};

analytica_provenance cell(int page, const std::string& name) {
  int c = -1, r = -1;
  REQUIRE(xlsx::parse_ref(name, c, r));
  return {page, {double(c), double(r), double(c + 1), double(r + 1)}, 1.0};
}

}  // namespace

TEST_CASE("the preview shows the marked cell with its centre and its group and period headers", "[preview]") {
  TempDir t;
  cmhc_synth::Options o;
  o.seed = 61;
  const json expected = synth(t / "p.xlsx", o);
  // A figure of 1.1.2 (sheet 3: Index, 1.1.1, 1.1.2) with a value.
  json target;
  for (const auto& v : expected.at("values"))
    if (v.at("table") == "1.1.2" && !v.at("value").is_null() && v.at("group") == "2 Bedroom") {
      target = v;
      break;
    }
  REQUIRE(target.is_object());
  Plugin p;
  REQUIRE(p.preview());
  CHECK(p.preview()->struct_size >= sizeof(analytica_preview_v1));
  std::string type, html;
  REQUIRE(p.render((t / "p.xlsx").string(), {cell(3, target.at("cell"))}, type, html) == ANALYTICA_OK);
  CHECK(type == "text/html");
  CHECK(contains(html, "<table>"));
  CHECK_FALSE(contains(html, "<script"));
  CHECK(contains(html, "Table 1.1.2 &middot; " + target.at("cell").get<std::string>()));
  // The marked cell holds the printed figure; its row label and headers are highlighted.
  const double v = target.at("value").get<double>();
  std::string printed = std::to_string(static_cast<long long>(v));
  if (printed.size() > 3) printed.insert(printed.size() - 3, ",");
  CHECK(contains(html, "<td class=\"mark\">" + printed + "</td>"));
  CHECK(contains(html, "<td class=\"ctx\">" + target.at("centre").get<std::string>() + "</td>"));
  CHECK(contains(html, "<td class=\"ctx\">2 Bedroom</td>"));
  CHECK(contains(html, "<td class=\"ctx\">Oct-"));
  CHECK(contains(html, "Private Apartment Average Rents"));
  // A centre five rows below the first one is out of view around it.
  if (target.at("centre") == "Calgary CMA") CHECK_FALSE(contains(html, "<td>Alberta 10,000+</td>"));
}

TEST_CASE("the preview refuses cells outside the workbook and files it does not read", "[preview]") {
  TempDir t;
  synth(t / "p.xlsx", {});
  write_text(t / "not.xlsx", "plain text");
  Plugin p;
  std::string type, html;
  CHECK(p.render((t / "p.xlsx").string(), {cell(99, "B8")}, type, html) == ANALYTICA_ERR_INVALID);
  CHECK(contains(p.host.last_failure(), "outside the workbook"));
  CHECK(p.render((t / "p.xlsx").string(), {cell(2, "ZZ9999")}, type, html) == ANALYTICA_ERR_INVALID);
  CHECK(p.render((t / "not.xlsx").string(), {cell(1, "A1")}, type, html) == ANALYTICA_ERR_FORMAT);
  CHECK(contains(p.host.last_failure(), "not a zip"));
  CHECK(p.render((t / "p.xlsx").string(), {}, type, html) == ANALYTICA_ERR_INVALID);
}

TEST_CASE("plugins inspect lists the extractor and its settings", "[preview]") {
  const CliResult r = run_cli({"plugins", "inspect", "extractor_cmhc_rmr"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "analytica.extractor/1"));
  CHECK(contains(r.out, "max_entry_bytes"));
  CHECK(contains(r.out, "table_prefix"));
  // HOST-CHANGE: `plugins inspect` lists only the six kind interfaces; once it
  // also asks for the extension ids, expect "analytica.preview/1" here too.
}
