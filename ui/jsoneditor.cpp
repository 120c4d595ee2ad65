#include "jsoneditor.h"

#include "tones.h"
#include <QFontDatabase>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QVBoxLayout>

JsonEditor::JsonEditor(Expect expect, QWidget *parent)
    : QWidget(parent)
    , m_expect(expect)
    , m_edit(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setTabChangesFocus(true);
    m_edit->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_edit);
    layout->addWidget(m_status);
    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        revalidate();
        Q_EMIT textChanged();
    });
    revalidate();
}

void JsonEditor::setAllowEmpty(bool allow)
{
    m_allowEmpty = allow;
    revalidate();
}

void JsonEditor::setPlaceholderText(const QString &text)
{
    m_edit->setPlaceholderText(text);
}

void JsonEditor::setVisibleLines(int lines)
{
    const QFontMetrics metrics(m_edit->font());
    const int frame = 2 * m_edit->frameWidth() + int(m_edit->document()->documentMargin() * 2);
    m_edit->setFixedHeight(metrics.lineSpacing() * lines + frame);
}

QString JsonEditor::text() const
{
    return m_edit->toPlainText();
}

void JsonEditor::setText(const QString &text)
{
    m_edit->setPlainText(text);
}

JsonEditor::Result JsonEditor::validate(const QString &text, Expect expect, bool allowEmpty)
{
    Result result;
    if (text.trimmed().isEmpty()) {
        result.ok = allowEmpty;
        if (!allowEmpty) {
            result.error = expect == Expect::Array ? tr("a JSON array is required")
                                                   : tr("a JSON object is required");
            result.position = 0;
        }
        return result;
    }
    const QByteArray utf8 = text.toUtf8();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(utf8, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // The parser counts UTF-8 bytes, and stops just past the offending character unless the
        // input ended early; the editor counts characters and marks the character itself.
        qsizetype offset = parseError.offset;
        if (offset > 0 && offset < utf8.size())
            --offset;
        // (At the end of the input there is no character to step back over.)
        while (offset > 0 && offset < utf8.size() && (quint8(utf8.at(offset)) & 0xc0) == 0x80)
            --offset; // not inside a multi-byte character
        const int position = int(QString::fromUtf8(utf8.left(offset)).size());
        const QStringView before = QStringView(text).left(position);
        const int line = int(before.count(QLatin1Char('\n'))) + 1;
        const int column = position - int(before.lastIndexOf(QLatin1Char('\n')));
        result.error =
            tr("line %1, column %2: %3").arg(line).arg(column).arg(parseError.errorString());
        result.position = position;
        return result;
    }
    if (expect == Expect::Array && !document.isArray()) {
        result.error = tr("expected a JSON array, e.g. [\"hello\", 42]");
        result.position = 0;
        return result;
    }
    if (expect == Expect::Object && !document.isObject()) {
        result.error = tr("expected a JSON object, e.g. {\"token\": \"…\"}");
        result.position = 0;
        return result;
    }
    result.ok = true;
    result.value =
        document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
    return result;
}

void JsonEditor::revalidate()
{
    const bool wasValid = m_result.ok;
    m_result = validate(text(), m_expect, m_allowEmpty);
    QList<QTextEdit::ExtraSelection> marks;
    if (m_result.ok) {
        m_status->setText(text().trimmed().isEmpty() ? tr("empty") : tr("✓ valid JSON"));
        m_status->setStyleSheet(QStringLiteral("color: palette(mid);"));
        m_status->setToolTip({});
    } else {
        m_status->setText(QStringLiteral("✗ ") + m_result.error);
        m_status->setStyleSheet(textStyleSheet(Tone::Error, palette()));
        m_status->setToolTip(m_result.error);
        if (!text().isEmpty() && m_result.position >= 0) {
            QTextEdit::ExtraSelection mark;
            mark.cursor = QTextCursor(m_edit->document());
            const int position = qMin(m_result.position, int(text().size()) - 1);
            mark.cursor.setPosition(qMax(0, position));
            mark.cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
            mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
            mark.format.setUnderlineColor(QColor(0xc0, 0x39, 0x2b));
            mark.format.setBackground(QColor(0xc0, 0x39, 0x2b, 40));
            marks.append(mark);
        }
    }
    m_edit->setExtraSelections(marks);
    if (wasValid != m_result.ok)
        Q_EMIT validityChanged(m_result.ok);
}
