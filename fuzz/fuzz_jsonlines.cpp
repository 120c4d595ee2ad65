// The JSON Lines log reader (JsonLines::parseRecord, JsonLinesReader), which reads files from
// anywhere (sioscope-cli convert, the GUI's import).
//
// Properties: no crash or sanitizer report; the reader delivers exactly the lines parseRecord
// accepts, in order, and stops at the first bad one; every accepted record written back with
// JsonLines::toLine parses to the same record (docs/log-format.md, "Round trip"), and the
// writer's line is accepted again byte for byte (writing is idempotent).
#include "fuzzcommon.h"
#include "session/jsonlines.h"

#include <QBuffer>

namespace {

// The documented exceptions to the round trip: nsp only for sio records; negative ids and
// round-trip times other than -1 read back as -1.
PacketRecord normalized(PacketRecord record)
{
    if (record.layer != PacketRecord::Layer::SocketIo)
        record.nsp.clear();
    else if (record.nsp.isEmpty())
        record.nsp = QStringLiteral("/");
    if (record.id < 0)
        record.id = -1;
    if (record.rttUs < 0)
        record.rttUs = -1;
    return record;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzzInput(data, size).toByteArray();

    QBuffer buffer;
    buffer.setData(input);
    buffer.open(QIODevice::ReadOnly);
    JsonLinesReader reader(&buffer);
    PacketRecord record;
    qint64 delivered = 0;
    while (reader.next(&record)) {
        ++delivered;
        const QByteArray line = JsonLines::toLine(record);
        FUZZ_CHECK(line.endsWith('\n') && line.count('\n') == 1, QString::fromUtf8(line));
        PacketRecord back;
        QString error;
        FUZZ_CHECK(JsonLines::parseRecord(line, &back, &error),
                   error + QStringLiteral(" in ") + QString::fromUtf8(line));
        const QString difference = recordDifference(normalized(record), normalized(back));
        FUZZ_CHECK(difference.isEmpty(), difference + QStringLiteral(" in ") + QString::fromUtf8(line));
        FUZZ_CHECK(JsonLines::toLine(back) == line, QString::fromUtf8(line));
    }
    FUZZ_CHECK(reader.hasError() == !reader.errorString().isEmpty(), QString());
    FUZZ_CHECK(delivered <= reader.lineNumber(), QString());

    // Every line on its own, as parseRecord is also called directly (the HAR importer).
    forEachLine(QByteArrayView(input), [](QByteArrayView line) {
        PacketRecord one;
        QString error;
        if (!JsonLines::parseRecord(line, &one, &error))
            FUZZ_CHECK(!error.isEmpty(), QString());
    });

    // Timestamps alone: whatever parses must format back to something that parses the same.
    if (input.size() <= 64) {
        qint64 timeUs = 0;
        if (JsonLines::parseTimestamp(input, &timeUs)) {
            qint64 again = 0;
            FUZZ_CHECK(JsonLines::parseTimestamp(JsonLines::formatTimestamp(timeUs), &again),
                       QString::fromLatin1(JsonLines::formatTimestamp(timeUs)));
            FUZZ_CHECK(again == timeUs, QString());
        }
    }
    return 0;
}
