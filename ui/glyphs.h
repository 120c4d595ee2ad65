// Symbols the views share. Each comes from a Unicode block that DejaVu, the default font on
// Debian, covers, so that it never renders as an empty box.
#pragma once

#include <QString>

namespace Glyphs {
// A binary attachment (placeholder, attachment list, preview).
inline const QString Attachment = QStringLiteral("\u25a3"); // ▣
} // namespace Glyphs
