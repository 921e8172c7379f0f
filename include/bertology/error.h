#pragma once
// One exception type for every user-facing failure. It carries where the problem is
// (file, record, line, rank) so that main() can print one clear message and exit.
#include <stdexcept>
#include <string>
#include <utility>

namespace bertology {

struct ErrorContext {
  ErrorContext() = default;
  ErrorContext(std::string file_, std::string record_ = {}, long line_ = 0)
      : file(std::move(file_)), record(std::move(record_)), line(line_) {}

  std::string file;    // input or output path involved, if any
  std::string record;  // record id or index inside the file, if any
  long line = 0;       // 1-based line number, 0 when not applicable
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ErrorContext context = {})
      : std::runtime_error(format(what, context)), context_(std::move(context)) {}

  const ErrorContext& context() const noexcept { return context_; }

 private:
  static std::string format(const std::string& what, const ErrorContext& c) {
    std::string prefix;
    if (!c.file.empty()) prefix += c.file;
    if (c.line > 0) prefix += (prefix.empty() ? "line " : ":") + std::to_string(c.line);
    if (!c.record.empty()) prefix += (prefix.empty() ? "record " : " record ") + c.record;
    return prefix.empty() ? what : prefix + ": " + what;
  }
  ErrorContext context_;
};

// Checks an invariant the user can break (bad input, bad option) and throws with context.
inline void require(bool condition, const std::string& what, const ErrorContext& context = {}) {
  if (!condition) throw Error(what, context);
}

}  // namespace bertology
