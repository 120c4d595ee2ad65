// What the timeline shows: a value type with the criteria, and the matcher that runs them over
// the session log's cheap per-row accessors (no PacketRecord, no QString per row).
//
// It is not a QSortFilterProxyModel: a proxy would ask the source model for display strings row
// by row and keep its own int mappings both ways. TimelineModel instead asks the filter for the
// matching log rows, keeps them in one vector, and is itself the filtered model.
#pragma once

#include "socketio/packetrecord.h"

#include <QByteArray>
#include <QString>

#include <vector>

class SessionLog;

class TimelineFilter
{
public:
    enum class DirectionFilter : quint8 { Any, In, Out };

    struct TypeKey
    {
        PacketRecord::Layer layer;
        quint8 type; // SocketIoPacket::Type, EngineIoPacket::Type or PacketRecord::Note
    };

    // Free text, case-insensitive, over the payload (JSON text, escapes decoded when the raw
    // text does not match) and the event name; for an ACK also the name of the event it answers.
    // Empty: no text criterion.
    void setText(const QString &text);
    QString text() const { return m_text; }

    // Only these types; an empty list removes the criterion (every type).
    void setTypes(const std::vector<TypeKey> &types);
    void clearTypes();
    bool restrictsTypes() const { return m_restrictTypes; }
    bool acceptsType(PacketRecord::Layer layer, quint8 type) const;

    void setDirection(DirectionFilter direction) { m_direction = direction; }
    DirectionFilter direction() const { return m_direction; }

    // Exact namespace of Socket.IO packets ("/chat"); other layers never match a namespace.
    // Empty: any namespace, every layer.
    void setNamespace(const QString &nsp) { m_nsp = nsp; }
    QString nameSpace() const { return m_nsp; }

    // The embedded server's log: only the records of this client session (Engine.IO sid),
    // lifecycle notes included. Empty: every session.
    void setSession(const QString &session) { m_session = session; }
    QString session() const { return m_session; }

    // Engine.IO PING/PONG/UPGRADE/NOOP and connection notes. Hidden by default; a record that
    // carries an error is never hidden as "control".
    void setShowControlPackets(bool show) { m_showControl = show; }
    bool showControlPackets() const { return m_showControl; }

    static bool isControl(const SessionLog &log, qint64 row);

    bool matches(const SessionLog &log, qint64 row) const;
    // Appends the rows of [from, to) that match, in order.
    void appendMatches(const SessionLog &log, qint64 from, qint64 to,
                       std::vector<quint32> &rows) const;

    // Case-insensitive search of a UTF-8 needle (already lower-cased in ASCII) in bytes: ASCII
    // letters fold; other bytes compare exactly. Exposed for the tests.
    static bool containsFolded(QByteArrayView haystack, QByteArrayView lowerNeedle);
    // The text of a JSON document with the escapes of its strings decoded, as UTF-8.
    static QByteArray unescapeJson(QByteArrayView json);

    friend bool operator==(const TimelineFilter &a, const TimelineFilter &b);
    friend bool operator!=(const TimelineFilter &a, const TimelineFilter &b) { return !(a == b); }

private:
    bool textMatches(const SessionLog &log, qint64 row) const;
    bool textMatchesBytes(QByteArrayView bytes) const;

    QString m_text;
    QByteArray m_needle; // UTF-8, ASCII lower-cased
    bool m_needleAscii = true;
    QString m_nsp;
    QString m_session;
    quint64 m_typeMask = 0; // bit layer * 16 + type
    bool m_restrictTypes = false;
    DirectionFilter m_direction = DirectionFilter::Any;
    bool m_showControl = false;
};
