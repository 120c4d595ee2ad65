// The connection options: path, query parameters and headers, auth per namespace, reconnection,
// timeouts, Origin and TLS (CA file, client certificate). It edits a ConnectionProfile; the URL,
// version and transport stay in the connection bar.
#pragma once

#include "profiles.h"

#include <QDialog>
#include <QMap>

class JsonEditor;
class ProxyPage;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QSpinBox;
class QTableWidget;
class QDialogButtonBox;

class ConnectionDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ConnectionDialog(const ConnectionProfile &profile, QWidget *parent = nullptr);

    // The profile with the dialog's edits applied (valid only when the dialog can be accepted).
    ConnectionProfile profile() const;
    // False while an auth payload is not a valid JSON object, the proxy URL is not one, or
    // msgpack is chosen with Engine.IO v3 forced (socket.io-msgpack-parser exists only for
    // Socket.IO v5 / Engine.IO v4).
    bool isInputValid() const;

    // For the tests.
    QTableWidget *queryTable() const { return m_query; }
    QTableWidget *headerTable() const { return m_headers; }
    QListWidget *namespaceList() const { return m_namespaces; }
    JsonEditor *authEditor() const { return m_auth; }
    QCheckBox *ignoreSslErrorsBox() const { return m_ignoreSsl; }
    QLineEdit *originEdit() const { return m_origin; }
    QLineEdit *variablesFileEdit() const { return m_variablesFile; }
    QLineEdit *clientCertificateEdit() const { return m_clientCertificate; }
    QLineEdit *clientKeyEdit() const { return m_clientKey; }
    QLineEdit *certificatePasswordEdit() const { return m_certificatePassword; }
    QComboBox *parserBox() const { return m_parser; }
    QLabel *parserError() const { return m_parserError; }
    ProxyPage *proxyPage() const { return m_proxyPage; }

private:
    QWidget *createGeneralPage();
    QWidget *createRequestPage();
    QWidget *createAuthPage();
    QWidget *createReconnectPage();
    QWidget *createTlsPage();
    void selectNamespace(const QString &name);
    void addNamespace();
    void removeNamespace();
    void updateAcceptable();
    // A file name field with a Browse… button, as one row of `form`.
    QLineEdit *addFileRow(QFormLayout *form, const QString &label, const QString &file,
                          const QString &dialogTitle, const QString &filter);

    ConnectionProfile m_profile;
    QLineEdit *m_path = nullptr;
    QSpinBox *m_connectTimeout = nullptr;
    QSpinBox *m_ackTimeout = nullptr;
    QCheckBox *m_recoverState = nullptr;
    QComboBox *m_parser = nullptr; // item data: int(SocketIoParser::Kind)
    QLabel *m_parserError = nullptr;
    QTableWidget *m_query = nullptr;
    QTableWidget *m_headers = nullptr;
    QListWidget *m_namespaces = nullptr;
    JsonEditor *m_auth = nullptr;
    QMap<QString, QString> m_authTexts; // namespace -> auth JSON as typed
    QString m_currentNamespace;
    QCheckBox *m_reconnect = nullptr;
    QSpinBox *m_maxAttempts = nullptr;
    QSpinBox *m_delay = nullptr;
    QSpinBox *m_delayMax = nullptr;
    QDoubleSpinBox *m_randomization = nullptr;
    QLineEdit *m_caFile = nullptr;
    QCheckBox *m_ignoreSsl = nullptr;
    ProxyPage *m_proxyPage = nullptr;
    QLineEdit *m_clientCertificate = nullptr;
    QLineEdit *m_clientKey = nullptr;
    QLineEdit *m_certificatePassword = nullptr; // never saved: held in memory for the session
    QLineEdit *m_variablesFile = nullptr;
    QLineEdit *m_origin = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};
