#include "infobanner.h"

InfoBanner::InfoBanner(QWidget *parent)
    : QLabel(parent)
{
    setWordWrap(true);
    setContentsMargins(8, 4, 8, 4);
    setTextInteractionFlags(Qt::TextBrowserInteraction);
    hide();
}

void InfoBanner::showMessage(const QString &html, Kind kind)
{
    m_kind = kind;
    setText(html);
    setStyleSheet(
        kind == Kind::Error
            ? QStringLiteral(
                  "background: #fde2e1; color: #8a1c12; border-bottom: 1px solid #f1a9a4;")
            : QStringLiteral(
                  "background: #e3effd; color: #123c69; border-bottom: 1px solid #a9c8f1;"));
    show();
}
