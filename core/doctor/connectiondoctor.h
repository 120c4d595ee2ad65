// The connection doctor (`sioscope-cli doctor`): probes a Socket.IO server and says in plain words
// what works and what does not, each finding with its evidence. The checks, in order:
// reachable, tls, engineio (version and path), transports, stickiness, proxy (WebSocket headers
// dropped, error pages of a middlebox), namespaces, heartbeat. docs/deployments.md lists them.
// connectiondoctor.cpp runs them; each group of checks has its own file (connectiondoctor_p.h).
#pragma once

#include "doctor/doctorreport.h"
#include "doctor/httpprobe.h"
#include "engineio/clienttls.h"
#include "engineio/engineiooptions.h"
#include "engineio/engineiopacket.h"
#include "engineio/proxysetting.h"
#include "socketio/socketiooptions.h"

#include <QJsonObject>
#include <QList>
#include <QNetworkCookie>
#include <QPair>
#include <QString>

#include <optional>

class EngineIoCookieJar;

struct DoctorOptions
{
    // url, path, version (Auto: detected), query, headers; connectTimeoutMs bounds each probe.
    EngineIoOptions engine;
    bool pathGiven = false; // --path: only that path is tried
    // The namespaces to check, with the CONNECT payload of each.
    QList<QPair<QString, QJsonObject>> namespaces = {{QStringLiteral("/"), {}}};
    int stickinessRuns = 6; // handshakes of the stickiness check
    // How long the heartbeat check keeps an idle session open (idlewatch.h); 0: not at all.
    int watchMs = 30000;
};

class ConnectionDoctor
{
public:
    explicit ConnectionDoctor(const DoctorOptions &options);

    // Runs every check in order (a check that cannot run after an earlier failure is skipped)
    // and returns the report. Waits in local event loops; see httpprobe.h.
    DoctorReport run();

private:
    DoctorCheck checkReachable();
    DoctorCheck checkTls();
    DoctorCheck checkEngineIo();
    DoctorCheck checkTransports();
    DoctorCheck checkStickiness();
    DoctorCheck checkProxy();
    DoctorCheck checkNamespaces();
    DoctorCheck checkHeartbeat();

    // http or https, whatever scheme the user gave.
    QUrl httpUrl() const;
    // The request URL for `path`: the user's query, then EIO, transport and sid.
    QUrl endpoint(const QString &path, EngineIoVersion version, bool webSocket,
                  const QString &sid = {}) const;
    // The options of a real Socket.IO session on the path and version found, over `transports`
    // (the namespaces check and the idle watch).
    SocketIoOptions sessionOptions(EngineIoOptions::Transports transports) const;
    // Sends a probe with the --timeout (and the user's headers when it has none) and keeps its
    // result for the proxy check.
    HttpProbeResult probe(const HttpProbeRequest &request);
    // The proxy's own refusal that a probe met (407, a tunnel refused, the proxy unreachable),
    // named as the client would name it; nothing when the proxy let it through or there is none.
    std::optional<EngineIoError> proxyFailureOf(const HttpProbeResult &result) const;
    // Why a probe did not get the answer it asked for: the proxy's refusal, the engine.io error
    // ("engine.io error 1 "Session ID unknown""), another HTTP answer ("HTTP 404, not an
    // engine.io answer"), or why no answer came.
    QString describeFailure(const HttpProbeResult &result) const;
    // A polling handshake; *handshake is filled when the answer is an OPEN packet (either
    // payload format: the version it was written in is detected).
    bool pollingHandshake(const QString &path, EngineIoVersion version, EngineIoCookieJar *jar,
                          HttpProbeResult *result, EngineIoHandshake *handshake,
                          EngineIoVersion *detected);

    DoctorOptions m_options;
    QString m_hostPort;
    // The way every probe goes, as the client's own connection would: the proxy (the setting,
    // or the environment read once) and the TLS configuration (CAs, client certificate).
    ResolvedProxy m_proxy;
    ClientTls m_tls;
    bool m_reachable = false;
    bool m_tlsErrors = false;
    // Why no TLS connection gets past the handshake (the server refused it over the client
    // certificate); empty when one does. The later checks are skipped with this reason.
    QString m_tlsRefused;
    bool m_engineOk = false;
    QString m_path;
    EngineIoVersion m_version = EngineIoVersion::V4;
    EngineIoHandshake m_handshake;
    bool m_pollingWorks = false;
    bool m_webSocketWorks = false;
    bool m_upgradeUnanswered = false; // a 101 to the upgrade, but no 3probe
    QStringList m_upgradeEvidence;
    QList<HttpProbeResult> m_probes; // every probe sent, for the proxy check
    int m_connectedNamespace = -1;   // the first of options.namespaces that connected
};
