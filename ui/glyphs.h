// Symbols the views share. Each comes from a Unicode block that DejaVu, the default font on
// Debian, covers, so that it never renders as an empty box.
#pragma once

#include <QString>

namespace Glyphs {
// A binary attachment (placeholder, attachment list, preview).
inline const QString Attachment = QStringLiteral("\u25a3"); // ▣
// Ack states in the timeline: waiting for the answer, answered (with the round trip), timed out.
// (U+23F3 HOURGLASS is not in DejaVu; a quarter-filled clock face is.)
inline const QString AckPending = QStringLiteral("\u25f7");  // ◷
inline const QString AckAnswered = QStringLiteral("\u27f2"); // ⟲
inline const QString AckTimedOut = QStringLiteral("\u26a0"); // ⚠
} // namespace Glyphs
