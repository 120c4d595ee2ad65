// A read-only hex dump: offset, 16 bytes in hex, and the same bytes as ASCII, one row each.
//
// Only the rows in the viewport are ever laid out or painted, and the vertical scroll bar counts
// rows, not pixels, so 100 MB of data costs the same as 100 bytes. Fixed-pitch font, uniform row
// height. Bytes are selected with the mouse (drag, shift+click) or the keyboard (shift+arrows)
// and copied as hex ("0a 1b ...") or as text (the ASCII column: '.' for what is not printable).
#pragma once

#include <QAbstractScrollArea>
#include <QByteArray>

class HexView : public QAbstractScrollArea
{
    Q_OBJECT
public:
    static constexpr int BytesPerRow = 16;

    explicit HexView(QWidget *parent = nullptr);

    void setData(const QByteArray &data);
    const QByteArray &data() const { return m_data; }

    qint64 rowCount() const { return rowCountFor(m_data.size()); }
    static qint64 rowCountFor(qint64 dataSize);
    // Hex digits of the offset column: 8, or more when the data needs them.
    static int offsetDigits(qint64 dataSize);
    static QString offsetText(qint64 offset, qint64 dataSize);
    // The row as painted: "00000010  30 31 ... 37  38 ... 3f  0123456789:;<=>?".
    QString rowText(qint64 row) const;

    // Cursor and selection. The selection is [selectionStart, selectionEnd); empty when equal.
    qint64 cursorPosition() const { return m_cursor; }
    void setCursorPosition(qint64 offset, bool extendSelection = false);
    void setSelection(qint64 start, qint64 end);
    void selectAll();
    void clearSelection();
    qint64 selectionStart() const { return std::min(m_anchor, m_cursor); }
    qint64 selectionEnd() const { return std::max(m_anchor, m_cursor); }
    bool hasSelection() const { return m_anchor != m_cursor; }
    QByteArray selectedBytes() const;
    QString selectedHex() const;
    QString selectedText() const;
    static QString hexText(QByteArrayView bytes);
    static QString asciiText(QByteArrayView bytes);

    // Layout, for hit tests and the tests.
    int rowHeight() const;
    qint64 firstVisibleRow() const;
    int visibleRowCount() const; // rows that fit (partly) in the viewport
    // The byte under a viewport position, or -1; `inAscii` tells which column was hit.
    qint64 offsetAt(const QPoint &viewportPos, bool *inAscii = nullptr) const;
    void ensureVisible(qint64 offset);
    // Rows the last paint event drew (for the tests: never more than fit the viewport).
    int lastPaintedRows() const { return m_lastPaintedRows; }

public Q_SLOTS:
    void copyHex();
    void copyText();
    // Copies as text when the ASCII column was used last, else as hex (Ctrl+C).
    void copy();

Q_SIGNALS:
    void cursorPositionChanged(qint64 offset);
    void selectionChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void updateMetrics();
    void updateScrollBars();
    int lineWidth() const; // pixels of one full row
    // x of a byte's hex pair / character, in content coordinates. Fractional: glyph advances
    // are, and a rounded width would drift over a row of 78 characters.
    qreal hexX(int column) const;
    qreal asciiX(int column) const;
    void moveCursor(qint64 offset, bool extend);

    QByteArray m_data;
    qint64 m_cursor = 0;
    qint64 m_anchor = 0;
    bool m_asciiActive = false;
    bool m_dragging = false;
    qreal m_charWidth = 8;
    int m_rowHeight = 16;
    int m_ascent = 12;
    int m_offsetDigits = 8;
    int m_lastPaintedRows = 0;
};
