#include "infobanner.h"

#include "tones.h"
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
    setStyleSheet(bannerStyleSheet(kind == Kind::Error ? Tone::Error : Tone::Info, palette()));
    show();
}
