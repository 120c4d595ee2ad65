#include "proxypage.h"

#include "tones.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProcessEnvironment>

ProxyPage::ProxyPage(const ProxySetting &setting, const QUrl &target, QWidget *parent)
    : QWidget(parent)
    , m_target(target)
{
    auto *form = new QFormLayout(this);
    m_mode = new QComboBox(this);
    m_mode->addItem(tr("From the environment (https_proxy, http_proxy, all_proxy, no_proxy)"),
                    int(ProxySetting::Mode::Environment));
    m_mode->addItem(tr("None: connect directly"), int(ProxySetting::Mode::None));
    m_mode->addItem(tr("This proxy:"), int(ProxySetting::Mode::Url));
    m_mode->setCurrentIndex(m_mode->findData(int(setting.mode)));
    form->addRow(tr("&Proxy:"), m_mode);
    m_url = new QLineEdit(setting.url.toString(), this);
    m_url->setPlaceholderText(tr("http://user:password@host:3128 or socks5://host:1080"));
    m_url->setToolTip(tr("HTTP proxies tunnel the WebSocket and https requests with CONNECT; "
                         "socks5h:// lets the proxy resolve the server's name. The password is "
                         "saved in the profile only when the profile saves secrets."));
    form->addRow(tr("Proxy &URL:"), m_url);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(QString(), m_status);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &ProxyPage::update);
    connect(m_url, &QLineEdit::textChanged, this, &ProxyPage::update);
    update();
}

ProxySetting ProxyPage::setting() const
{
    ProxySetting setting;
    setting.mode = ProxySetting::Mode(m_mode->currentData().toInt());
    QString error;
    QUrl url;
    if (ProxySetting::parseUrl(m_url->text(), &url, &error))
        setting.url = url;
    return setting;
}

bool ProxyPage::isValid() const
{
    if (ProxySetting::Mode(m_mode->currentData().toInt()) != ProxySetting::Mode::Url)
        return true;
    QUrl url;
    QString error;
    return ProxySetting::parseUrl(m_url->text(), &url, &error);
}

void ProxyPage::update()
{
    const auto mode = ProxySetting::Mode(m_mode->currentData().toInt());
    m_url->setEnabled(mode == ProxySetting::Mode::Url);
    QString text;
    bool wrong = false;
    switch (mode) {
    case ProxySetting::Mode::Environment: {
        ProxySetting environment;
        const ResolvedProxy resolved =
            resolveProxy(environment, m_target, proxyEnvironment());
        if (!resolved.error.isEmpty()) {
            text = resolved.error;
            wrong = true;
        } else if (!resolved.isDirect()) {
            text =
                tr("For %1 the environment gives %2.").arg(m_target.host(), resolved.description());
        } else if (!resolved.bypass.isEmpty()) {
            text = tr("For %1 the connection is direct: %2.").arg(m_target.host(), resolved.bypass);
        } else {
            text = tr("The environment sets no proxy: the connection is direct.");
        }
        break;
    }
    case ProxySetting::Mode::None:
        text = tr("Direct, whatever the environment says.");
        break;
    case ProxySetting::Mode::Url: {
        QUrl url;
        QString error;
        if (!ProxySetting::parseUrl(m_url->text(), &url, &error)) {
            text = error;
            wrong = true;
        } else {
            text = tr("Every request and the WebSocket go through %1.")
                       .arg(ProxySetting::redacted(url));
        }
        break;
    }
    }
    m_status->setText(text);
    m_status->setStyleSheet(wrong ? textStyleSheet(Tone::Error, palette()) : QString());
    Q_EMIT validityChanged();
}
