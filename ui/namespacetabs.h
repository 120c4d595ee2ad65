// The namespace tabs above the timeline: "All", then one tab per joined namespace with its state
// (connecting, connected, refused with the server's message, disconnected by the server), and a
// "+" button that joins another namespace. Closing a tab leaves that namespace (DISCONNECT).
#pragma once

#include "socketio/socketionamespace.h"

#include <QDialog>
#include <QHash>
#include <QJsonObject>
#include <QWidget>

class JsonEditor;
class QLineEdit;
class QTabBar;
class QToolButton;

class NamespaceTabs : public QWidget
{
    Q_OBJECT
public:
    explicit NamespaceTabs(QWidget *parent = nullptr);

    // Shows a tab for the namespace and follows its state until the tab is closed.
    void watch(SocketIoNamespace *ns);
    // Removes every namespace tab (a new session).
    void clearNamespaces();

    // The namespace of the current tab; empty for "All".
    QString currentNamespace() const;
    void setCurrentNamespace(const QString &name);
    QStringList namespaceNames() const;
    // Index of the namespace's tab, or -1.
    int tabIndex(const QString &name) const;
    QString tabText(const QString &name) const;
    QString tabToolTip(const QString &name) const;
    // A read-only window (an imported log): no "+", no closing; addRecordedNamespace() gives each
    // namespace of the log a tab that filters the timeline.
    void setReadOnly(bool readOnly);
    void addRecordedNamespace(const QString &name);

    QTabBar *tabBar() const { return m_tabs; }
    QToolButton *joinButton() const { return m_join; }

    static QString stateText(SocketIoNamespace::State state);

Q_SIGNALS:
    void currentNamespaceChanged(const QString &name);
    void joinRequested(const QString &name, const QJsonObject &auth);
    void leaveRequested(const QString &name);

private:
    void update(SocketIoNamespace *ns);
    void closeTab(int index);
    void askToJoin();

    QTabBar *m_tabs;
    QToolButton *m_join;
    QHash<QString, QMetaObject::Connection> m_watches;
};

// "+": the namespace to join and its optional auth payload.
class JoinNamespaceDialog : public QDialog
{
    Q_OBJECT
public:
    explicit JoinNamespaceDialog(QWidget *parent = nullptr);
    QString namespaceName() const;
    QJsonObject auth() const;
    QLineEdit *nameEdit() const { return m_name; }
    JsonEditor *authEditor() const { return m_auth; }

private:
    void updateAcceptable();

    QLineEdit *m_name;
    JsonEditor *m_auth;
    class QPushButton *m_ok = nullptr;
};
