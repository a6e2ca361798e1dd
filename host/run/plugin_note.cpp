#include "run/plugin_note.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace analytica {
namespace {

// Reads `size` bytes at `offset` of `in`; false when the file is shorter.
bool read_at(std::ifstream& in, uint64_t offset, void* out, uint64_t size) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char*>(out), static_cast<std::streamsize>(size));
  return static_cast<uint64_t>(in.gcount()) == size;
}

}  // namespace

std::optional<analytica_plugin_kind> noted_kind(const std::filesystem::path& file) {
  constexpr uint16_t kMaxSections = 4096;     // a plugin has a few dozen
  constexpr uint64_t kMaxNames = 64u << 10;   // section names
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr eh{};
  if (!in || !read_at(in, 0, &eh, sizeof eh)) return std::nullopt;
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 ||
      eh.e_shnum > kMaxSections || eh.e_shstrndx >= eh.e_shnum)
    return std::nullopt;
  std::vector<Elf64_Shdr> sections(eh.e_shnum);
  if (!read_at(in, eh.e_shoff, sections.data(), sections.size() * sizeof(Elf64_Shdr))) return std::nullopt;
  const Elf64_Shdr& names_header = sections[eh.e_shstrndx];
  if (names_header.sh_size == 0 || names_header.sh_size > kMaxNames) return std::nullopt;
  std::string names(names_header.sh_size, '\0');
  if (!read_at(in, names_header.sh_offset, names.data(), names.size())) return std::nullopt;
  names.back() = '\0';  // every name ends inside the table
  for (const Elf64_Shdr& sh : sections) {
    if (sh.sh_name >= names.size() || std::strcmp(names.c_str() + sh.sh_name, ANALYTICA_NOTE_SECTION) != 0) continue;
    analytica_plugin_note note{};
    if (sh.sh_type != SHT_PROGBITS || sh.sh_size != sizeof note || !read_at(in, sh.sh_offset, &note, sizeof note))
      return std::nullopt;
    char magic[sizeof note.magic] = ANALYTICA_NOTE_MAGIC;
    if (std::memcmp(note.magic, magic, sizeof magic) != 0 || note.abi_major != ANALYTICA_ABI_MAJOR ||
        note.kind < ANALYTICA_KIND_SOURCE || note.kind > ANALYTICA_KIND_GOVERNANCE)
      return std::nullopt;
    return static_cast<analytica_plugin_kind>(note.kind);
  }
  return std::nullopt;
}

}  // namespace analytica
