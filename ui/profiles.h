// Connection profiles: everything the connection bar and the options dialog set, saved under a
// name in a JSON file (QStandardPaths::AppConfigLocation/profiles.json).
//
// Secrets (auth payloads, and header values and query parameters whose names
// Redaction::isSecretName() marks) are left out of the file unless the user ticked "save secrets
// in plain text" for that profile. A profile saved without them says so, and the fields come back
// empty, to be filled in again.
#pragma once

#include "socketio/socketiooptions.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

// A namespace to join on connect, with the auth payload of its CONNECT (empty: none).
struct NamespaceJoin
{
    QString name;
    QJsonObject auth;
    friend bool operator==(const NamespaceJoin &a, const NamespaceJoin &b)
    {
        return a.name == b.name && a.auth == b.auth;
    }
};

struct ConnectionProfile
{
    QString name;
    SocketIoOptions options; // options.engine.url is the server URL
    QList<NamespaceJoin> namespaces = {{QStringLiteral("/"), {}}};
    // A YAML or JSON file of {{variables}} for the composer's templates and messages: the same
    // environment files as `sioscope-cli test --env` (docs/testing-scenarios.md).
    QString variablesFile;
    bool saveSecrets = false;    // store secrets in plain text in the profiles file
    bool secretsOmitted = false; // loaded from a file that left secrets out

    // The auth payload for a namespace (empty when none is set).
    QJsonObject authFor(const QString &nsp) const;
    void setAuthFor(const QString &nsp, const QJsonObject &auth);

    // The JSON form of the profiles file. Without saveSecrets, secrets are left out.
    QJsonObject toJson() const;
    static ConnectionProfile fromJson(const QJsonObject &json);
};

class ProfileStore
{
public:
    // `fileName` empty: profiles.json in AppConfigLocation.
    explicit ProfileStore(const QString &fileName = {});

    QString fileName() const { return m_fileName; }
    // Reads the file; a missing file is an empty store. False with the reason on a bad file.
    bool load(QString *error = nullptr);
    bool save(QString *error = nullptr) const;

    QStringList names() const;
    bool contains(const QString &name) const;
    ConnectionProfile profile(const QString &name) const;
    // Adds or replaces the profile named profile.name (kept in memory as given; the secrets are
    // only stripped in the file). Call save() to write.
    void put(const ConnectionProfile &profile);
    bool rename(const QString &from, const QString &to);
    bool remove(const QString &name);

private:
    QString m_fileName;
    QList<ConnectionProfile> m_profiles;
};
