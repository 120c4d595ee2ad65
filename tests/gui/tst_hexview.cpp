#include "hexview.h"

#include <QApplication>
#include <QClipboard>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

namespace {
QByteArray sequence(int size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        data[i] = char(i);
    return data;
}

// The viewport point at the middle of a byte's hex pair or ASCII character.
QPoint hexPoint(const HexView &view, qint64 offset)
{
    const int digits = HexView::offsetDigits(view.data().size());
    const int column = int(offset % HexView::BytesPerRow);
    const int character = digits + 2 + column * 3 + (column >= 8 ? 1 : 0);
    const qreal charWidth = QFontMetricsF(view.font()).horizontalAdvance(QLatin1Char('0'));
    const int row = int(offset / HexView::BytesPerRow - view.firstVisibleRow());
    return QPointF(charWidth / 2 + character * charWidth + charWidth,
                   row * view.rowHeight() + view.rowHeight() / 2)
        .toPoint();
}

QPoint asciiPoint(const HexView &view, qint64 offset)
{
    const int digits = HexView::offsetDigits(view.data().size());
    const int column = int(offset % HexView::BytesPerRow);
    const int character = digits + 2 + 48 + 2 + column;
    const qreal charWidth = QFontMetricsF(view.font()).horizontalAdvance(QLatin1Char('0'));
    const int row = int(offset / HexView::BytesPerRow - view.firstVisibleRow());
    return QPointF(charWidth / 2 + character * charWidth + charWidth / 2,
                   row * view.rowHeight() + view.rowHeight() / 2)
        .toPoint();
}

void dragTo(HexView &view, const QPoint &to)
{
    QMouseEvent move(QEvent::MouseMove, to, view.viewport()->mapToGlobal(to), Qt::NoButton,
                     Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view.viewport(), &move);
}
} // namespace

class tst_HexView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void rowCount_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::addColumn<qint64>("rows");
        QTest::newRow("empty") << qint64(0) << qint64(0);
        QTest::newRow("one byte") << qint64(1) << qint64(1);
        QTest::newRow("exactly one row") << qint64(16) << qint64(1);
        QTest::newRow("one byte into the second row") << qint64(17) << qint64(2);
        QTest::newRow("100 MiB") << qint64(100) * 1024 * 1024 << qint64(6553600);
    }
    void rowCount()
    {
        QFETCH(qint64, size);
        QFETCH(qint64, rows);
        QCOMPARE(HexView::rowCountFor(size), rows);
    }

    void offsetText_data()
    {
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<qint64>("size");
        QTest::addColumn<QString>("text");
        QTest::newRow("first row") << qint64(0) << qint64(10) << "00000000";
        QTest::newRow("lower-case hex, 8 digits") << qint64(0xabc0) << qint64(0xabcd) << "0000abc0";
        QTest::newRow("100 MiB still fits 8 digits")
            << qint64(0x63ffff0) << qint64(100) * 1024 * 1024 << "063ffff0";
        QTest::newRow("last row of 4 GiB fits 8 digits")
            << qint64(0xfffffff0) << qint64(0x100000000) << "fffffff0";
        QTest::newRow("past 4 GiB: 9 digits")
            << qint64(0x100000000) << qint64(0x100000001) << "100000000";
    }
    void offsetText()
    {
        QFETCH(qint64, offset);
        QFETCH(qint64, size);
        QFETCH(QString, text);
        QCOMPARE(HexView::offsetText(offset, size), text);
    }

    void rowLayout()
    {
        HexView view;
        view.setData(QByteArray("0123456789:;<=>?AB\x00\x7f\xff", 21));
        QCOMPARE(view.rowCount(), 2);
        QCOMPARE(view.rowText(0),
                 QStringLiteral("00000000  30 31 32 33 34 35 36 37  38 39 3a 3b 3c "
                                "3d 3e 3f  0123456789:;<=>?"));
        // A short last row keeps the ASCII column where it is.
        QCOMPARE(view.rowText(1), QStringLiteral("00000010  41 42 00 7f ff") +
                                      QString(34 + 2, QLatin1Char(' ')) + QStringLiteral("AB..."));
        QCOMPARE(view.rowText(0).indexOf(QLatin1Char('0'), 50),
                 view.rowText(1).indexOf(QLatin1Char('A'), 50));
        QCOMPARE(view.rowText(2), QString());
        // A fixed-pitch font, by measure (some monospace fonts do not carry the flag).
        const QFontMetricsF metrics(view.font());
        for (QChar c : QStringLiteral("iW. 7"))
            QCOMPARE(metrics.horizontalAdvance(c), metrics.horizontalAdvance(QLatin1Char('0')));
    }

    void paintsOnlyVisibleRows()
    {
        HexView view;
        view.resize(700, 300);
        QByteArray big(100 * 1024 * 1024, Qt::Uninitialized);
        big[big.size() - 1] = 'Z';
        view.setData(big);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QElapsedTimer timer;
        timer.start();
        view.viewport()->repaint();
        const qint64 paintUs = timer.nsecsElapsed() / 1000;
        QVERIFY(view.lastPaintedRows() > 0);
        QVERIFY2(view.lastPaintedRows() <= view.visibleRowCount(),
                 qPrintable(QString::number(view.lastPaintedRows())));
        // Rows are counted by the scroll bar, not pixels: the end of 100 MiB is reachable.
        view.verticalScrollBar()->setValue(view.verticalScrollBar()->maximum());
        view.viewport()->repaint();
        QVERIFY(view.lastPaintedRows() <= view.visibleRowCount());
        QCOMPARE(view.firstVisibleRow() + view.viewport()->height() / view.rowHeight(),
                 view.rowCount());
        QVERIFY(view.rowText(view.rowCount() - 1).endsWith(QStringLiteral("Z")));
        qInfo("one paint of a 100 MiB view, %d rows: %lld us", view.lastPaintedRows(), paintUs);
    }

    void selectionAndCopy()
    {
        HexView view;
        view.setData(QByteArray("Hello\n\x01world", 12));
        QSignalSpy changed(&view, &HexView::selectionChanged);
        view.setSelection(1, 8);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(view.selectedBytes(), QByteArray("ello\n\x01w", 7));
        QCOMPARE(view.selectedHex(), QStringLiteral("65 6c 6c 6f 0a 01 77"));
        QCOMPARE(view.selectedText(), QStringLiteral("ello..w"));
        view.copyHex();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("65 6c 6c 6f 0a 01 77"));
        view.copyText();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("ello..w"));
        // Backwards works the same; out of range is clamped.
        view.setSelection(100, 9);
        QCOMPARE(view.selectionStart(), 9);
        QCOMPARE(view.selectionEnd(), 12);
        QCOMPARE(view.selectedText(), QStringLiteral("rld"));
        view.clearSelection();
        QVERIFY(!view.hasSelection());
        QGuiApplication::clipboard()->setText(QStringLiteral("untouched"));
        view.copy();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("untouched"));
    }

    void mouseSelection()
    {
        HexView view;
        view.resize(800, 300);
        view.setData(sequence(64));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(view.offsetAt(hexPoint(view, 3)), 3);
        QCOMPARE(view.offsetAt(hexPoint(view, 9)), 9); // past the mid-row gap
        QCOMPARE(view.offsetAt(asciiPoint(view, 20)), 20);
        QCOMPARE(view.offsetAt(QPoint(1, 1)), -1); // the offset column
        QTest::mousePress(view.viewport(), Qt::LeftButton, Qt::NoModifier, hexPoint(view, 3));
        dragTo(view, hexPoint(view, 20));
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, Qt::NoModifier, hexPoint(view, 20));
        QCOMPARE(view.selectionStart(), 3);
        QCOMPARE(view.selectionEnd(), 21);
        // Dragging backwards keeps the pressed byte selected.
        QTest::mousePress(view.viewport(), Qt::LeftButton, Qt::NoModifier, asciiPoint(view, 40));
        dragTo(view, asciiPoint(view, 35));
        QCOMPARE(view.selectionStart(), 35);
        QCOMPARE(view.selectionEnd(), 41);
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, Qt::NoModifier, asciiPoint(view, 35));
        // Ctrl+C after using the ASCII column copies text.
        QTest::keyClick(&view, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(), HexView::asciiText(sequence(64).mid(35, 6)));
        // Shift+click extends.
        QTest::mouseClick(view.viewport(), Qt::LeftButton, Qt::NoModifier, hexPoint(view, 10));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, Qt::ShiftModifier, hexPoint(view, 12));
        QCOMPARE(view.selectedHex(), QStringLiteral("0a 0b 0c"));
        QTest::keyClick(&view, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("0a 0b 0c"));
    }

    void hitTestsEveryCharacterOfARow()
    {
        HexView view;
        view.resize(900, 200);
        view.setData(sequence(32));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // From the painted text: a character belongs to the hex pair at or before it (the
        // spaces after a pair, and the mid-row gap, hit that pair's byte).
        const QString line = view.rowText(1);
        const int hexStart = HexView::offsetDigits(32) + 2;
        const qreal charWidth = QFontMetricsF(view.font()).horizontalAdvance(QLatin1Char('0'));
        int byte = -1;
        for (int c = hexStart; c < line.size(); ++c) {
            const bool asciiColumn = c >= hexStart + 48 + 2;
            if (!asciiColumn && line.at(c) != QLatin1Char(' ') &&
                line.at(c - 1) == QLatin1Char(' '))
                ++byte;
            const QPoint point =
                QPointF(charWidth / 2 + (c + 0.5) * charWidth, view.rowHeight() * 1.5).toPoint();
            bool inAscii = false;
            const qint64 hit = view.offsetAt(point, &inAscii);
            if (asciiColumn) {
                QCOMPARE(hit, 16 + c - (hexStart + 48 + 2));
                QVERIFY(inAscii);
            } else if (c >= hexStart + 48) {
                QCOMPARE(hit, -1); // between the columns
            } else {
                QVERIFY2(hit == 16 + byte, qPrintable(QStringLiteral("character %1").arg(c)));
                QVERIFY(!inAscii);
            }
        }
        QCOMPARE(byte, 15);
    }

    void keyboardNavigation()
    {
        HexView view;
        view.resize(800, 120);
        view.setData(sequence(1000));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFocus();
        QCOMPARE(view.cursorPosition(), 0);
        QTest::keyClick(&view, Qt::Key_Right);
        QTest::keyClick(&view, Qt::Key_Down);
        QCOMPARE(view.cursorPosition(), 17);
        QVERIFY(!view.hasSelection());
        QTest::keyClick(&view, Qt::Key_Right, Qt::ShiftModifier);
        QTest::keyClick(&view, Qt::Key_Right, Qt::ShiftModifier);
        QCOMPARE(view.selectionStart(), 17);
        QCOMPARE(view.selectionEnd(), 19);
        QTest::keyClick(&view, Qt::Key_Up, Qt::ShiftModifier);
        QCOMPARE(view.selectionStart(), 3);
        QCOMPARE(view.selectionEnd(), 17);
        QTest::keyClick(&view, Qt::Key_Home);
        QCOMPARE(view.cursorPosition(), 0);
        QVERIFY(!view.hasSelection());
        QTest::keyClick(&view, Qt::Key_End);
        QCOMPARE(view.cursorPosition(), 16);
        QTest::keyClick(&view, Qt::Key_End, Qt::ControlModifier);
        QCOMPARE(view.cursorPosition(), 1000);
        // The cursor's row was scrolled into view.
        QVERIFY(view.firstVisibleRow() > 0);
        QVERIFY(999 / 16 < view.firstVisibleRow() + view.visibleRowCount());
        QTest::keyClick(&view, Qt::Key_Right);
        QCOMPARE(view.cursorPosition(), 1000); // clamped
        QTest::keyClick(&view, Qt::Key_Home, Qt::ControlModifier);
        QCOMPARE(view.firstVisibleRow(), 0);
        QTest::keyClick(&view, Qt::Key_PageDown);
        const int page = view.viewport()->height() / view.rowHeight() * 16;
        QCOMPARE(view.cursorPosition(), page);
        QTest::keyClick(&view, Qt::Key_A, Qt::ControlModifier);
        QCOMPARE(view.selectedBytes().size(), 1000);
    }

    void uniformRowHeightsFollowTheFont()
    {
        HexView view;
        const int before = view.rowHeight();
        QFont font = view.font();
        font.setPointSize(font.pointSize() * 2);
        view.setFont(font);
        QVERIFY(view.rowHeight() > before);
        QCOMPARE(view.rowHeight(), int(std::ceil(QFontMetricsF(font).height())));
    }
};

QTEST_MAIN(tst_HexView)
#include "tst_hexview.moc"
