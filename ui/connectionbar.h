// The row above the timeline: profile, server URL (with history), Engine.IO version, transport,
// the options dialog, and Connect/Disconnect. It only collects choices; MainWindow acts on them.
#pragma once

#include "engineio/engineiooptions.h"
#include "socketio/socketioclient.h"

#include <QWidget>

class QComboBox;
class QPushButton;
class QToolButton;

class ConnectionBar : public QWidget
{
    Q_OBJECT
public:
    explicit ConnectionBar(QWidget *parent = nullptr);

    QString urlText() const;
    void setUrlText(const QString &url);
    EngineIoOptions::Version version() const;
    void setVersion(EngineIoOptions::Version version);
    EngineIoOptions::Transports transports() const;
    void setTransports(EngineIoOptions::Transports transports);

    // Puts the URL on top of the current profile's history (or the history of URLs used without
    // a profile), kept in QSettings, most recent first, at most MaxUrlHistory.
    void rememberUrl(const QString &url);
    QStringList urlHistory() const;
    // Empties the current profile's history (☰ ▸ Clear URL History).
    void clearUrlHistory();

    void setProfileNames(const QStringList &names);
    void setCurrentProfile(const QString &name); // empty: none
    QString currentProfile() const;

    void setConnectionState(SocketIoClient::State state);

    QComboBox *urlCombo() const { return m_url; }
    QComboBox *profileCombo() const { return m_profile; }
    QComboBox *versionCombo() const { return m_version; }
    QComboBox *transportCombo() const { return m_transport; }
    QPushButton *connectButton() const { return m_connect; }
    QPushButton *optionsButton() const { return m_options; }

    static constexpr int MaxUrlHistory = 20;

Q_SIGNALS:
    void connectRequested();
    void disconnectRequested();
    void optionsRequested();
    void profileChosen(const QString &name);
    void saveProfileRequested();
    void renameProfileRequested();
    void deleteProfileRequested();

private:
    void storeUrlHistory(const QStringList &history);
    void showUrlHistory();

    QComboBox *m_profile;
    QToolButton *m_profileMenu;
    QComboBox *m_url;
    QComboBox *m_version;
    QComboBox *m_transport;
    QPushButton *m_options;
    QPushButton *m_connect;
    SocketIoClient::State m_state = SocketIoClient::State::Disconnected;
};
