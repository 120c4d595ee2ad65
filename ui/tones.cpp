#include "tones.h"

namespace {

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

ToneColors lightColors(Tone tone)
{
    switch (tone) {
    case Tone::Error:
        return {QColor(0xfde2e1), QColor(0x8a1c12), QColor(0xf1a9a4), QColor(0xc0392b)};
    case Tone::Warning:
        return {QColor(0xfff3cd), QColor(0x7a4f01), QColor(0xe0c36a), QColor(0xb9770e)};
    case Tone::Info:
        return {QColor(0xe3effd), QColor(0x123c69), QColor(0xa9c8f1), QColor(0x1f5fa8)};
    case Tone::Success:
        return {QColor(0xe3f4e4), QColor(0x1b4d1e), QColor(0xa5d6a7), QColor(0x2e7d32)};
    case Tone::Highlight:
        break;
    }
    return {QColor(0xfff7d6), QColor(0x3d3100), QColor(0xe0c36a), QColor(0x7a6200)};
}

ToneColors darkColors(Tone tone)
{
    switch (tone) {
    case Tone::Error:
        return {QColor(0x4a1c19), QColor(0xffd6d2), QColor(0x8a2d26), QColor(0xff8a80)};
    case Tone::Warning:
        return {QColor(0x45360a), QColor(0xffe8a6), QColor(0x8a6d1c), QColor(0xffc15e)};
    case Tone::Info:
        return {QColor(0x15304f), QColor(0xd3e6ff), QColor(0x2d5b8f), QColor(0x8ab8ff)};
    case Tone::Success:
        return {QColor(0x173a1a), QColor(0xcdeccf), QColor(0x2e6b32), QColor(0x81c784)};
    case Tone::Highlight:
        break;
    }
    return {QColor(0x40380f), QColor(0xfff1bf), QColor(0x8a6d1c), QColor(0xffd54f)};
}

} // namespace

ToneColors toneColors(Tone tone, const QPalette &palette)
{
    return isDark(palette) ? darkColors(tone) : lightColors(tone);
}

QString bannerStyleSheet(Tone tone, const QPalette &palette)
{
    const ToneColors colors = toneColors(tone, palette);
    return QStringLiteral("background: %1; color: %2; border-bottom: 1px solid %3;")
        .arg(colors.background.name(), colors.text.name(), colors.border.name());
}

QString textStyleSheet(Tone tone, const QPalette &palette)
{
    return QStringLiteral("color: %1;").arg(toneColors(tone, palette).accent.name());
}

QString lineEditStyleSheet(Tone tone, const QPalette &palette)
{
    const ToneColors colors = toneColors(tone, palette);
    return QStringLiteral("QLineEdit { background: %1; color: %2; }")
        .arg(colors.background.name(), colors.text.name());
}
