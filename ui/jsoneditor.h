// A small JSON text editor that validates as the user types: the status line says "valid JSON"
// or names the error with its line and column, and the error position is underlined in place.
#pragma once

#include <QJsonValue>
#include <QWidget>

class QLabel;
class QPlainTextEdit;

class JsonEditor : public QWidget
{
    Q_OBJECT
public:
    enum class Expect { Object, Array };

    struct Result
    {
        bool ok = false;
        QJsonValue value;  // Undefined when the text is empty (and that is allowed)
        QString error;     // "line 1, column 7: missing value"
        int position = -1; // character offset of the error in the text
    };

    explicit JsonEditor(Expect expect, QWidget *parent = nullptr);

    // Empty text counts as valid (no auth, no arguments). Default: allowed.
    void setAllowEmpty(bool allow);
    void setPlaceholderText(const QString &text);
    // How many text lines the editor shows before it scrolls.
    void setVisibleLines(int lines);

    QString text() const;
    void setText(const QString &text);
    bool isValid() const { return m_result.ok; }
    const Result &result() const { return m_result; }
    QJsonValue value() const { return m_result.value; }
    QPlainTextEdit *editor() const { return m_edit; }
    QLabel *statusLabel() const { return m_status; }

    // Validation without a widget, for the tests and for other editors.
    static Result validate(const QString &text, Expect expect, bool allowEmpty);

Q_SIGNALS:
    void textChanged();
    void validityChanged(bool valid);

private:
    void revalidate();

    Expect m_expect;
    bool m_allowEmpty = true;
    QPlainTextEdit *m_edit;
    QLabel *m_status;
    Result m_result;
};
