// poppler's core API (libpoppler-private-dev), pinned by Debian 12 to poppler 22.12:
// poppler-cpp builds a new text device per page and has no way to stop a page early,
// and those two account for most of a report's reading time (issue 17).
#include "pdf_pages.h"

#include <PDFDoc.h>
#include <Stream.h>
#include <TextOutputDev.h>
#include <goo/GooString.h>
#include <poppler-document.h>
#include <poppler-global.h>

#include <climits>
#include <mutex>

namespace creb {

void silence_poppler() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

namespace {

// poppler's text device in raw order: the words poppler-cpp's page::text_list()
// gives, without the reading-order analysis (a fifth of a page's time) that
// build_lines() does not use — it orders words by position itself. Counts the
// characters drawn so a page can be abandoned after its first ones.
class WordsDevice : public TextOutputDev {
public:
    WordsDevice() : TextOutputDev(nullptr, false, 0, /*rawOrderA=*/true, false) {}

    void drawChar(GfxState* state, double x, double y, double dx, double dy, double origin_x, double origin_y,
                  CharCode code, int bytes, const Unicode* u, int u_len) override {
        ++drawn_;
        TextOutputDev::drawChar(state, x, y, dx, dy, origin_x, origin_y, code, bytes, u, u_len);
    }

    void start(int limit) { drawn_ = 0, limit_ = limit; }
    static bool enough(void* self) {
        auto* d = static_cast<WordsDevice*>(self);
        return d->drawn_ >= d->limit_;
    }

private:
    int drawn_ = 0;
    int limit_ = INT_MAX;
};

}  // namespace

// `cpp` is opened first and lives as long as `core`: poppler-cpp owns poppler's
// process-wide state (globalParams, the error callback), creating it when its
// first document opens and destroying it when its last one closes.
struct PdfPages::Impl {
    std::unique_ptr<poppler::document> cpp;
    std::unique_ptr<PDFDoc> core;
    WordsDevice device;
};

PdfPages::PdfPages(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdfPages::~PdfPages() = default;

std::unique_ptr<PdfPages> PdfPages::open_file(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    impl->cpp.reset(poppler::document::load_from_file(path));
    if (!impl->cpp) return nullptr;
    if (!impl->cpp->is_locked()) impl->core = std::make_unique<PDFDoc>(std::make_unique<GooString>(path));
    return std::unique_ptr<PdfPages>(new PdfPages(std::move(impl)));
}

std::unique_ptr<PdfPages> PdfPages::open_memory(const std::string& bytes) {
    if (bytes.size() > static_cast<size_t>(INT_MAX)) return nullptr;
    auto impl = std::make_unique<Impl>();
    impl->cpp.reset(poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
    if (!impl->cpp) return nullptr;
    if (!impl->cpp->is_locked())
        impl->core = std::make_unique<PDFDoc>(new MemStream(bytes.data(), 0, static_cast<Goffset>(bytes.size()),
                                                            Object(objNull)));
    return std::unique_ptr<PdfPages>(new PdfPages(std::move(impl)));
}

bool PdfPages::locked() const { return impl_->cpp->is_locked(); }
int PdfPages::count() const { return impl_->cpp->pages(); }
const poppler::document& PdfPages::document() const { return *impl_->cpp; }

PageText PdfPages::words(int index) { return first_words(index, INT_MAX); }

PageText PdfPages::first_words(int index, int chars) {
    PageText pt;
    pt.number = index + 1;
    PDFDoc* doc = impl_->core.get();
    if (!doc || !doc->isOk() || index < 0 || index >= doc->getNumPages() || !doc->getPage(index + 1)) return pt;
    pt.width = doc->getPageCropWidth(index + 1);
    pt.height = doc->getPageCropHeight(index + 1);
    WordsDevice& dev = impl_->device;
    dev.start(chars);
    doc->displayPage(&dev, index + 1, 72, 72, 0, false, false, false,
                     chars == INT_MAX ? nullptr : &WordsDevice::enough, &dev);
    if (std::unique_ptr<TextWordList> list = dev.makeWordList()) {
        pt.words.reserve(static_cast<size_t>(list->getLength()));
        for (int i = 0; i < list->getLength(); ++i) {
            const TextWord* tw = list->get(i);
            std::unique_ptr<GooString> text(tw->getText());
            Word w;
            w.text = text->c_str();  // up to a NUL, as poppler-cpp's text_box gives it
            double x0, y0, x1, y1;
            tw->getBBox(&x0, &y0, &x1, &y1);
            w.box = Box{x0, y0, x1, y1};
            pt.words.push_back(std::move(w));
        }
    }
    build_lines(pt);
    return pt;
}

}  // namespace creb
