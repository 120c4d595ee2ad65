// The Proxy page of the connection options: the environment's proxy (as curl reads it), none,
// or a proxy URL; it shows what the environment gives for the connection's URL, and names what
// is wrong with a URL as it is typed.
#pragma once

#include "engineio/proxysetting.h"

#include <QUrl>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;

class ProxyPage : public QWidget
{
    Q_OBJECT
public:
    // `target`: the connection's URL, for what the environment gives it.
    ProxyPage(const ProxySetting &setting, const QUrl &target, QWidget *parent = nullptr);

    // The setting as edited; valid only when isValid().
    ProxySetting setting() const;
    bool isValid() const;

    // For the tests.
    QComboBox *modeBox() const { return m_mode; }
    QLineEdit *urlEdit() const { return m_url; }
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    void validityChanged();

private:
    void update();

    QUrl m_target;
    QComboBox *m_mode = nullptr; // item data: int(ProxySetting::Mode)
    QLineEdit *m_url = nullptr;
    QLabel *m_status = nullptr;
};
