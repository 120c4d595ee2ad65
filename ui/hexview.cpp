#include "hexview.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>
#include <cmath>

namespace {
constexpr int HexChars =
    HexView::BytesPerRow * 3; // "xx " per byte, one extra space mid-row, no trailing space
constexpr int GapChars = 2;
const char HexDigits[] = "0123456789abcdef";

int hexColumnChar(int byteInRow)
{
    return byteInRow * 3 + (byteInRow >= HexView::BytesPerRow / 2 ? 1 : 0);
}

// Some monospace fonts do not set the fixed-pitch flag (Noto Sans Mono): measure instead.
bool isMonospaced(const QFont &font)
{
    const QFontMetrics metrics(font);
    const int width = metrics.horizontalAdvance(QLatin1Char('0'));
    for (QLatin1Char c : {QLatin1Char('i'), QLatin1Char('W'), QLatin1Char('.'), QLatin1Char(' ')})
        if (metrics.horizontalAdvance(c) != width)
            return false;
    return true;
}

QFont monospaceFont()
{
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (isMonospaced(font))
        return font;
    font.setStyleHint(QFont::TypeWriter);
    font.setFixedPitch(true);
    font.setFamilies({QStringLiteral("DejaVu Sans Mono"), QStringLiteral("Noto Sans Mono"),
                      QStringLiteral("Liberation Mono"), QStringLiteral("Consolas"),
                      QStringLiteral("Menlo"), QStringLiteral("Courier New")});
    return font;
}

QChar asciiChar(char byte)
{
    const uchar c = uchar(byte);
    return c >= 0x20 && c < 0x7f ? QChar(QLatin1Char(char(c))) : QChar(QLatin1Char('.'));
}
} // namespace

HexView::HexView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setFont(monospaceFont());
    setFocusPolicy(Qt::StrongFocus);
    viewport()->setCursor(Qt::IBeamCursor);
    updateMetrics();
}

void HexView::setData(const QByteArray &data)
{
    m_data = data;
    m_cursor = m_anchor = 0;
    m_offsetDigits = offsetDigits(m_data.size());
    verticalScrollBar()->setValue(0);
    horizontalScrollBar()->setValue(0);
    updateScrollBars();
    viewport()->update();
    Q_EMIT cursorPositionChanged(0);
    Q_EMIT selectionChanged();
}

qint64 HexView::rowCountFor(qint64 dataSize)
{
    return (dataSize + BytesPerRow - 1) / BytesPerRow;
}

int HexView::offsetDigits(qint64 dataSize)
{
    int digits = 8;
    // The largest offset shown is that of the last row.
    const qint64 last = dataSize > 0 ? (dataSize - 1) / BytesPerRow * BytesPerRow : 0;
    while (digits < 16 && (last >> (4 * digits)) != 0)
        ++digits;
    return digits;
}

QString HexView::offsetText(qint64 offset, qint64 dataSize)
{
    return QStringLiteral("%1").arg(offset, offsetDigits(dataSize), 16, QLatin1Char('0'));
}

QString HexView::rowText(qint64 row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    const qint64 start = row * BytesPerRow;
    const int count = int(std::min<qint64>(BytesPerRow, m_data.size() - start));
    QString line(m_offsetDigits + GapChars + HexChars + GapChars + count, QLatin1Char(' '));
    QChar *out = line.data();
    const QString offset = offsetText(start, m_data.size());
    std::copy(offset.begin(), offset.end(), out);
    QChar *hex = out + m_offsetDigits + GapChars;
    QChar *ascii = hex + HexChars + GapChars;
    for (int i = 0; i < count; ++i) {
        const uchar byte = uchar(m_data[start + i]);
        hex[hexColumnChar(i)] = QLatin1Char(HexDigits[byte >> 4]);
        hex[hexColumnChar(i) + 1] = QLatin1Char(HexDigits[byte & 15]);
        ascii[i] = asciiChar(char(byte));
    }
    return line;
}

void HexView::updateMetrics()
{
    const QFontMetricsF metrics(font());
    m_charWidth = std::max<qreal>(1, metrics.horizontalAdvance(QLatin1Char('0')));
    m_rowHeight = std::max(1, int(std::ceil(metrics.height())));
    m_ascent = metrics.ascent();
    updateScrollBars();
    viewport()->update();
}

int HexView::rowHeight() const
{
    return m_rowHeight;
}

int HexView::lineWidth() const
{
    return int(std::ceil((m_offsetDigits + GapChars + HexChars + GapChars + BytesPerRow + 1) *
                         m_charWidth));
}

qreal HexView::hexX(int column) const
{
    return m_charWidth / 2.0 + (m_offsetDigits + GapChars + hexColumnChar(column)) * m_charWidth;
}

qreal HexView::asciiX(int column) const
{
    return m_charWidth / 2.0 +
           (m_offsetDigits + GapChars + HexChars + GapChars + column) * m_charWidth;
}

qint64 HexView::firstVisibleRow() const
{
    return verticalScrollBar()->value();
}

int HexView::visibleRowCount() const
{
    return (viewport()->height() + m_rowHeight - 1) / m_rowHeight;
}

void HexView::updateScrollBars()
{
    const int fullRows = std::max(1, viewport()->height() / m_rowHeight);
    const qint64 maximum = std::max<qint64>(0, rowCount() - fullRows);
    verticalScrollBar()->setRange(0, int(std::min<qint64>(maximum, INT_MAX)));
    verticalScrollBar()->setPageStep(fullRows);
    verticalScrollBar()->setSingleStep(1);
    horizontalScrollBar()->setRange(0, std::max(0, lineWidth() - viewport()->width()));
    horizontalScrollBar()->setPageStep(viewport()->width());
    horizontalScrollBar()->setSingleStep(int(std::ceil(m_charWidth)));
}

void HexView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
}

void HexView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        updateMetrics();
}

void HexView::scrollContentsBy(int, int)
{
    viewport()->update();
}

void HexView::paintEvent(QPaintEvent *event)
{
    QPainter painter(viewport());
    const QPalette &pal = palette();
    painter.fillRect(event->rect(), pal.color(QPalette::Base));
    painter.setFont(font());
    const int dx = -horizontalScrollBar()->value();
    const qint64 first = firstVisibleRow() + event->rect().top() / m_rowHeight;
    const qint64 last =
        std::min(rowCount() - 1, firstVisibleRow() + event->rect().bottom() / m_rowHeight);
    const qint64 selStart = selectionStart();
    const qint64 selEnd = selectionEnd();

    // The offset column on a slightly different background, as a gutter.
    const QColor gutter = pal.color(QPalette::AlternateBase);
    painter.fillRect(
        QRectF(0, event->rect().top(), hexX(0) - m_charWidth + dx, event->rect().height()), gutter);

    int painted = 0;
    for (qint64 row = first; row <= last; ++row, ++painted) {
        const int y = int(row - firstVisibleRow()) * m_rowHeight;
        const QString line = rowText(row);
        painter.setPen(pal.color(QPalette::Text));
        painter.drawText(QPointF(m_charWidth / 2.0 + dx, y + m_ascent), line);

        const qint64 rowStart = row * BytesPerRow;
        const qint64 rowEnd = std::min<qint64>(rowStart + BytesPerRow, m_data.size());
        const qint64 from = std::max(selStart, rowStart);
        const qint64 to = std::min(selEnd, rowEnd);
        auto drawSpan = [&](qreal x0, qreal x1, const QColor &fill, const QColor &text) {
            const QRectF span(x0 + dx, y, x1 - x0, m_rowHeight);
            painter.fillRect(span, fill);
            painter.save();
            painter.setClipRect(span);
            painter.setPen(text);
            painter.drawText(QPointF(m_charWidth / 2.0 + dx, y + m_ascent), line);
            painter.restore();
        };
        if (from < to) {
            const int a = int(from - rowStart);
            const int b = int(to - rowStart) - 1;
            const QColor highlight = pal.color(QPalette::Highlight);
            QColor other = highlight;
            other.setAlpha(110);
            const QColor highlightedText = pal.color(QPalette::HighlightedText);
            // The column in use gets the full highlight, the other a lighter one.
            drawSpan(hexX(a), hexX(b) + 2 * m_charWidth, m_asciiActive ? other : highlight,
                     m_asciiActive ? pal.color(QPalette::Text) : highlightedText);
            drawSpan(asciiX(a), asciiX(b) + m_charWidth, m_asciiActive ? highlight : other,
                     m_asciiActive ? highlightedText : pal.color(QPalette::Text));
        }
        if (m_cursor >= rowStart && m_cursor < rowEnd && hasFocus()) {
            const int column = int(m_cursor - rowStart);
            painter.setPen(pal.color(QPalette::Text));
            painter.setBrush(Qt::NoBrush);
            const QRectF hexBox(hexX(column) + dx, y, 2 * m_charWidth, m_rowHeight - 1);
            const QRectF asciiBox(asciiX(column) + dx, y, m_charWidth, m_rowHeight - 1);
            painter.drawRect(m_asciiActive ? asciiBox : hexBox);
            painter.drawLine((m_asciiActive ? hexBox : asciiBox).bottomLeft(),
                             (m_asciiActive ? hexBox : asciiBox).bottomRight());
        }
    }
    m_lastPaintedRows = painted;
}

qint64 HexView::offsetAt(const QPoint &pos, bool *inAscii) const
{
    if (pos.y() < 0)
        return -1;
    const qint64 row = firstVisibleRow() + pos.y() / m_rowHeight;
    const qreal x = pos.x() + horizontalScrollBar()->value() - m_charWidth / 2;
    if (x < 0)
        return -1;
    const int character = int(x / m_charWidth);
    const int hexStart = m_offsetDigits + GapChars;
    const int asciiStart = hexStart + HexChars + GapChars;
    int column = -1;
    bool ascii = false;
    if (character >= hexStart && character < hexStart + HexChars) {
        int relative = character - hexStart;
        if (relative >= hexColumnChar(BytesPerRow / 2) - 1)
            --relative; // the extra space between the two halves
        column = std::min(relative / 3, BytesPerRow - 1);
    } else if (character >= asciiStart && character < asciiStart + BytesPerRow) {
        column = character - asciiStart;
        ascii = true;
    }
    if (column < 0)
        return -1;
    const qint64 offset = row * BytesPerRow + column;
    if (offset >= m_data.size())
        return -1;
    if (inAscii)
        *inAscii = ascii;
    return offset;
}

void HexView::ensureVisible(qint64 offset)
{
    const qint64 row = offset / BytesPerRow;
    const int fullRows = std::max(1, viewport()->height() / m_rowHeight);
    QScrollBar *bar = verticalScrollBar();
    if (row < bar->value())
        bar->setValue(int(row));
    else if (row >= bar->value() + fullRows)
        bar->setValue(int(std::min<qint64>(row - fullRows + 1, INT_MAX)));
}

void HexView::moveCursor(qint64 offset, bool extend)
{
    offset = std::clamp<qint64>(offset, 0, m_data.size());
    const bool hadSelection = hasSelection();
    const qint64 oldCursor = m_cursor;
    m_cursor = offset;
    if (!extend)
        m_anchor = offset;
    ensureVisible(std::min<qint64>(offset, std::max<qint64>(0, m_data.size() - 1)));
    viewport()->update();
    if (oldCursor != m_cursor)
        Q_EMIT cursorPositionChanged(m_cursor);
    if (hadSelection || hasSelection())
        Q_EMIT selectionChanged();
}

void HexView::setCursorPosition(qint64 offset, bool extendSelection)
{
    moveCursor(offset, extendSelection);
}

void HexView::setSelection(qint64 start, qint64 end)
{
    start = std::clamp<qint64>(start, 0, m_data.size());
    end = std::clamp<qint64>(end, 0, m_data.size());
    m_anchor = start;
    moveCursor(end, true);
}

void HexView::selectAll()
{
    setSelection(0, m_data.size());
}

void HexView::clearSelection()
{
    moveCursor(m_cursor, false);
}

QByteArray HexView::selectedBytes() const
{
    return m_data.mid(selectionStart(), selectionEnd() - selectionStart());
}

QString HexView::hexText(QByteArrayView bytes)
{
    QString text;
    text.reserve(bytes.size() * 3);
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (i)
            text += QLatin1Char(' ');
        text += QLatin1Char(HexDigits[uchar(bytes[i]) >> 4]);
        text += QLatin1Char(HexDigits[uchar(bytes[i]) & 15]);
    }
    return text;
}

QString HexView::asciiText(QByteArrayView bytes)
{
    QString text(bytes.size(), Qt::Uninitialized);
    for (qsizetype i = 0; i < bytes.size(); ++i)
        text[i] = asciiChar(bytes[i]);
    return text;
}

QString HexView::selectedHex() const
{
    return hexText(selectedBytes());
}

QString HexView::selectedText() const
{
    return asciiText(selectedBytes());
}

void HexView::copyHex()
{
    if (hasSelection())
        QGuiApplication::clipboard()->setText(selectedHex());
}

void HexView::copyText()
{
    if (hasSelection())
        QGuiApplication::clipboard()->setText(selectedText());
}

void HexView::copy()
{
    if (m_asciiActive)
        copyText();
    else
        copyHex();
}

void HexView::keyPressEvent(QKeyEvent *event)
{
    if (event == QKeySequence::Copy) {
        copy();
        return;
    }
    if (event == QKeySequence::SelectAll) {
        selectAll();
        return;
    }
    const bool extend = event->modifiers() & Qt::ShiftModifier;
    const bool control = event->modifiers() & Qt::ControlModifier;
    const qint64 page = qint64(std::max(1, viewport()->height() / m_rowHeight)) * BytesPerRow;
    const qint64 rowStart = m_cursor / BytesPerRow * BytesPerRow;
    qint64 target = m_cursor;
    switch (event->key()) {
    case Qt::Key_Left:
        target = m_cursor - 1;
        break;
    case Qt::Key_Right:
        target = m_cursor + 1;
        break;
    case Qt::Key_Up:
        target = m_cursor >= BytesPerRow ? m_cursor - BytesPerRow : m_cursor;
        break;
    case Qt::Key_Down:
        target = m_cursor + BytesPerRow <= m_data.size() ? m_cursor + BytesPerRow : m_cursor;
        break;
    case Qt::Key_PageUp:
        target = m_cursor - std::min(page, m_cursor / BytesPerRow * BytesPerRow);
        break;
    case Qt::Key_PageDown:
        target = m_cursor + page <= m_data.size() ? m_cursor + page : m_data.size();
        break;
    case Qt::Key_Home:
        target = control ? 0 : rowStart;
        break;
    case Qt::Key_End:
        target = control ? m_data.size() : std::min<qint64>(rowStart + BytesPerRow, m_data.size());
        break;
    default:
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    moveCursor(target, extend);
}

void HexView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    bool ascii = false;
    const qint64 offset = offsetAt(event->position().toPoint(), &ascii);
    if (offset < 0)
        return;
    m_asciiActive = ascii;
    m_dragging = true;
    if (event->modifiers() & Qt::ShiftModifier) {
        // Extend to include the clicked byte, on whichever side of the anchor it is.
        if (offset >= m_anchor)
            moveCursor(offset + 1, true);
        else
            moveCursor(offset, true);
        return;
    }
    m_anchor = offset;
    moveCursor(offset, true);
}

void HexView::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_dragging || !(event->buttons() & Qt::LeftButton))
        return;
    QPoint pos = event->position().toPoint();
    // Past the top or bottom edge: scroll one row and select into it.
    if (pos.y() < 0) {
        verticalScrollBar()->setValue(verticalScrollBar()->value() - 1);
        pos.setY(0);
    } else if (pos.y() >= viewport()->height()) {
        verticalScrollBar()->setValue(verticalScrollBar()->value() + 1);
        pos.setY(viewport()->height() - 1);
    }
    const qint64 row = firstVisibleRow() + pos.y() / m_rowHeight;
    const qreal hexStart = hexX(0) - horizontalScrollBar()->value();
    qint64 offset = offsetAt(pos);
    if (offset < 0) {
        // Beside the columns: the first or last byte of the row.
        offset = pos.x() < hexStart ? row * BytesPerRow : row * BytesPerRow + BytesPerRow - 1;
        offset = std::min<qint64>(offset, m_data.size() - 1);
    }
    if (offset < 0)
        return;
    // The press position is always inside the selection.
    const qint64 pressed = m_anchor > m_cursor ? m_anchor - 1 : m_anchor;
    if (offset >= pressed) {
        m_anchor = pressed;
        moveCursor(offset + 1, true);
    } else {
        m_anchor = pressed + 1;
        moveCursor(offset, true);
    }
}

void HexView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mouseReleaseEvent(event);
        return;
    }
    m_dragging = false;
    event->accept();
}

void HexView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    QAction *hex = menu.addAction(tr("Copy as &Hex"), this, &HexView::copyHex);
    QAction *text = menu.addAction(tr("Copy as &Text"), this, &HexView::copyText);
    hex->setEnabled(hasSelection());
    text->setEnabled(hasSelection());
    menu.addSeparator();
    menu.addAction(tr("Select &All"), this, &HexView::selectAll);
    menu.exec(event->globalPos());
}
