#pragma once
// Text outputs of the report module (pages, figures, tables) written whole or not at all.
// Internal to the report module.
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "bertology/error.h"

namespace bertology::report {

// Written under PATH.partial and renamed into place, so that a reader never sees half a file.
inline void write_text_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary);
    out << text;
    require(static_cast<bool>(out.flush()), "cannot write", ErrorContext{path});
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  require(!error, "cannot move into place: " + error.message(), ErrorContext{path});
}

}  // namespace bertology::report
