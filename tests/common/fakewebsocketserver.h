// An in-process stand-in for an Engine.IO v4 server over WebSocket, for unit tests of the client's
// socket handling: it takes one connection and answers its upgrade request with 101, OPEN and
// whatever frames the test gives, in one write, so that the client finds them all in one read.
#pragma once

#include "engineio/engineioclient.h"

#include <QByteArray>
#include <QTcpServer>
#include <QUrl>

class QTcpSocket;

class FakeWebSocketServer : public QObject
{
public:
    explicit FakeWebSocketServer(QObject *parent = nullptr);

    bool listen(quint16 port = 0); // on 127.0.0.1; 0: a free port
    QUrl url() const;
    // What an EngineIoClient needs to reach it: its URL, WebSocket only, Engine.IO v4.
    EngineIoOptions clientOptions() const;

    // The upgrade answer, OPEN, then `frames`: written once the whole upgrade request has come
    // (at once if it already has).
    void answerUpgradeWith(const QByteArray &frames);
    // Header field lines ("Name: value\r\n" each) added to the 101 answer.
    void setUpgradeHeaders(const QByteArray &fields) { m_upgradeHeaders = fields; }
    bool upgradeRequested() const;                   // the whole upgrade request has come
    QByteArray request() const { return m_request; } // the upgrade request as received so far
    QTcpSocket *connection() const { return m_connection; } // null until the client connects

    // An unmasked text frame as a server sends it (payload under 126 bytes).
    static QByteArray textFrame(const QByteArray &payload);

private:
    void answerIfReady();

    QTcpServer m_server;
    QTcpSocket *m_connection = nullptr;
    QByteArray m_request;
    QByteArray m_frames;
    QByteArray m_upgradeHeaders;
    bool m_answerWanted = false;
    bool m_answered = false;
};
