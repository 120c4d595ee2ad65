// The colours of the window's notes (errors, warnings, information, success, an active filter),
// chosen for the palette in use: the light values on a light window, darker tints with light
// text on a dark one, so that a note stays readable with either theme.
#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

enum class Tone { Error, Warning, Info, Success, Highlight };

struct ToneColors
{
    QColor background; // a banner's or a field's background
    QColor text;       // text on that background
    QColor border;     // a banner's bottom line
    QColor accent;     // a status text on the window's own background
};

ToneColors toneColors(Tone tone, const QPalette &palette);
// A banner: background, text and bottom border.
QString bannerStyleSheet(Tone tone, const QPalette &palette);
// A status text on the window's background.
QString textStyleSheet(Tone tone, const QPalette &palette);
// A line edit whose background marks it (e.g. an active filter).
QString lineEditStyleSheet(Tone tone, const QPalette &palette);
