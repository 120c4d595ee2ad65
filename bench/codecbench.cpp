// sioscope-bench-codec: SocketIoEncoder / SocketIoDecoder throughput on the wire forms written by
// `node node/codec.js --dump <file>` (the same bytes socket.io-parser produces and decodes).
//
//   sioscope-bench-codec <shapes.json> [--cpu-ms N]
//   sioscope-bench-codec <msgpack-shapes.json> --parser msgpack [--cpu-ms N]
//
// Prints one JSON object like node/codec.js. "encode" is what SocketIoClient::sendPacket pays
// for the codec: validate() then encode(); "encodeOnly" is encode() alone. "decode" is
// decodeText() (+ decodeBinary() per attachment) + takePacket(). Rates are packets per second of
// process CPU time (CLOCK_PROCESS_CPUTIME_ID).
//
// --parser msgpack: SocketIoMsgpackParser on the bytes `node node/msgpack-codec.js --dump <file>`
// writes (socket.io-msgpack-parser's). "encode" is checkAndEncode() (what a send runs: the
// packet checked while it is written), "decode" is
// decodePacket(); there is no "encodeOnly".
#include "socketio/socketiocodec.h"
#include "socketio/socketiomsgpackparser.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <ctime>

namespace {
qint64 cpuUs()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

constexpr qint64 MaxIterations = 50'000'000;
qint64 budgetUs = 400'000;
volatile qint64 sink = 0;

template<typename Body> QJsonObject measure(Body body, qint64 batch)
{
    qint64 done = 0;
    const qint64 start = cpuUs();
    qint64 spent = 0;
    while (spent < budgetUs && done < MaxIterations) {
        body(batch);
        done += batch;
        spent = cpuUs() - start;
    }
    return QJsonObject{
        {"packets", done}, {"cpuUs", spent}, {"perSecond", double(done) * 1e6 / double(spent)}};
}

// The msgpack rows: each shape is {name, msgpack: base64}. Returns the process exit code.
int benchMsgpack(const QJsonArray &shapes)
{
    const SocketIoMsgpackParser parser;
    const SocketIoParserLimits limits;
    QJsonObject results;
    for (const QJsonValue &value : shapes) {
        const QJsonObject shape = value.toObject();
        const QString name = shape.value("name").toString();
        const QByteArray bytes =
            QByteArray::fromBase64(shape.value("msgpack").toString().toLatin1());
        const qint64 wireBytes = bytes.size();
        if (wireBytes == 0) {
            std::fprintf(stderr, "%s: no msgpack bytes\n", qPrintable(name));
            return 2;
        }

        // The packet to encode: the decoded form of the reference's bytes. The rates mean
        // nothing unless both directions round-trip, so check that before measuring.
        SocketIoPacket packet;
        QString error;
        if (!SocketIoMsgpackParser::decodePacket(bytes, limits, &packet, &error)) {
            std::fprintf(stderr, "%s: does not decode: %s\n", qPrintable(name), qPrintable(error));
            return 1;
        }
        if (!parser.validate(packet, SocketIoProtocol::V5, &error)) {
            std::fprintf(stderr, "%s: decoded packet does not validate: %s\n", qPrintable(name),
                         qPrintable(error));
            return 1;
        }
        SocketIoPacket again;
        if (!SocketIoMsgpackParser::decodePacket(SocketIoMsgpackParser::encodePacket(packet),
                                                 limits, &again, &error) ||
            again != packet) {
            std::fprintf(stderr, "%s: encodePacket() does not decode to the same packet: %s\n",
                         qPrintable(name), qPrintable(error));
            return 1;
        }

        const qint64 batch = std::max<qint64>(1, 200000 / wireBytes);
        // What a send runs: the packet checked and written (SocketIoParser::checkAndEncode).
        const auto encode = [&](qint64 n) {
            for (qint64 i = 0; i < n; ++i) {
                SocketIoParser::Encoded encoded;
                QString e;
                if (!parser.checkAndEncode(packet, SocketIoProtocol::V5, &encoded, &e))
                    std::abort();
                sink = sink + encoded.raw.size();
            }
        };
        const auto decode = [&](qint64 n) {
            for (qint64 i = 0; i < n; ++i) {
                SocketIoPacket p;
                QString e;
                if (!SocketIoMsgpackParser::decodePacket(bytes, limits, &p, &e))
                    std::abort();
                sink = sink + p.payload.size();
            }
        };
        measure(encode, batch); // warm-up (caches, allocator)
        QJsonObject entry{{"wireBytes", wireBytes}};
        entry.insert("encode", measure(encode, batch));
        measure(decode, batch);
        entry.insert("decode", measure(decode, batch));
        results.insert(name, entry);
    }
    const QJsonObject out{{"impl", "sioscope-msgpack"}, {"results", results}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    return 0;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: sioscope-bench-codec <shapes.json> [--parser text|msgpack] "
                             "[--cpu-ms N]\n");
        return 2;
    }
    const qsizetype cpuArg = args.indexOf(QStringLiteral("--cpu-ms"));
    if (cpuArg > 0 && cpuArg + 1 < args.size())
        budgetUs = args.at(cpuArg + 1).toLongLong() * 1000;
    QFile file(args.at(1));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(args.at(1)));
        return 2;
    }
    const QJsonArray shapes = QJsonDocument::fromJson(file.readAll()).array();
    if (shapes.isEmpty()) {
        std::fprintf(stderr, "no shapes in %s\n", qPrintable(args.at(1)));
        return 2;
    }
    const qsizetype parserArg = args.indexOf(QStringLiteral("--parser"));
    const QString parserName = parserArg > 0 && parserArg + 1 < args.size()
                                   ? args.at(parserArg + 1)
                                   : QStringLiteral("text");
    if (parserName == QLatin1String("msgpack"))
        return benchMsgpack(shapes);
    if (parserName != QLatin1String("text")) {
        std::fprintf(stderr, "unknown parser %s\n", qPrintable(parserName));
        return 2;
    }

    QJsonObject results;
    for (const QJsonValue &value : shapes) {
        const QJsonObject shape = value.toObject();
        const QByteArray text = shape.value("text").toString().toUtf8();
        QList<QByteArray> attachments;
        for (const QJsonValue &a : shape.value("attachments").toArray())
            attachments.append(QByteArray::fromBase64(a.toString().toLatin1()));
        qint64 wireBytes = text.size();
        for (const QByteArray &a : attachments)
            wireBytes += a.size();

        // The packet to encode: the decoded form of the same wire text.
        SocketIoDecoder decoder;
        auto status = decoder.decodeText(text);
        for (const QByteArray &a : attachments)
            status = decoder.decodeBinary(a);
        if (status != SocketIoDecoder::Status::PacketReady) {
            std::fprintf(stderr, "%s: does not decode: %s\n",
                         qPrintable(shape.value("name").toString()),
                         qPrintable(decoder.errorString()));
            return 1;
        }
        const SocketIoPacket packet = decoder.takePacket();
        if (SocketIoEncoder::encode(packet, SocketIoProtocol::V5) != text) {
            std::fprintf(stderr, "%s: encode() differs from socket.io-parser\n",
                         qPrintable(shape.value("name").toString()));
            return 1;
        }

        const qint64 batch = std::max<qint64>(1, 200000 / wireBytes);
        const auto encode = [&](qint64 n) {
            for (qint64 i = 0; i < n; ++i) {
                QString error;
                if (!SocketIoEncoder::validate(packet, SocketIoProtocol::V5, &error))
                    std::abort();
                sink = sink + SocketIoEncoder::encode(packet, SocketIoProtocol::V5).size();
            }
        };
        const auto encodeOnly = [&](qint64 n) {
            for (qint64 i = 0; i < n; ++i)
                sink = sink + SocketIoEncoder::encode(packet, SocketIoProtocol::V5).size();
        };
        const auto decode = [&](qint64 n) {
            for (qint64 i = 0; i < n; ++i) {
                auto s = decoder.decodeText(text);
                for (const QByteArray &a : attachments)
                    s = decoder.decodeBinary(a);
                if (s != SocketIoDecoder::Status::PacketReady)
                    std::abort();
                sink = sink + decoder.takePacket().payload.size();
            }
        };
        measure(encode, batch); // warm-up (caches, allocator)
        QJsonObject entry{{"wireBytes", wireBytes}};
        entry.insert("encode", measure(encode, batch));
        entry.insert("encodeOnly", measure(encodeOnly, batch));
        measure(decode, batch);
        entry.insert("decode", measure(decode, batch));
        results.insert(shape.value("name").toString(), entry);
    }
    const QJsonObject out{{"impl", "sioscope"}, {"results", results}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    return 0;
}
