// The strip at the top of a window that says what just happened: an error (red) or a note
// (blue), as rich text with links. Hidden until there is something to say.
#pragma once

#include <QLabel>

class InfoBanner : public QLabel
{
    Q_OBJECT
public:
    enum class Kind { Note, Error };

    explicit InfoBanner(QWidget *parent = nullptr);
    void showMessage(const QString &html, Kind kind);
    Kind kind() const { return m_kind; }

private:
    Kind m_kind = Kind::Note;
};
