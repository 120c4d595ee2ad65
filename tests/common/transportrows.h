// The rows of a data-driven client test: each Engine.IO version with each transport choice
// (polling, WebSocket, and polling upgraded to WebSocket), as columns "version" and "transports".
#pragma once

#include "engineio/engineiooptions.h"

#include <QTest>

Q_DECLARE_METATYPE(EngineIoOptions::Version)
Q_DECLARE_METATYPE(EngineIoOptions::Transports)

inline void addTransportRows()
{
    QTest::addColumn<EngineIoOptions::Version>("version");
    QTest::addColumn<EngineIoOptions::Transports>("transports");
    using V = EngineIoOptions::Version;
    using T = EngineIoOptions::Transports;
    QTest::newRow("v4 polling") << V::V4 << T::PollingOnly;
    QTest::newRow("v4 websocket") << V::V4 << T::WebSocketOnly;
    QTest::newRow("v4 polling upgraded to websocket") << V::V4 << T::Auto;
    QTest::newRow("v3 polling") << V::V3 << T::PollingOnly;
    QTest::newRow("v3 websocket") << V::V3 << T::WebSocketOnly;
    QTest::newRow("v3 polling upgraded to websocket") << V::V3 << T::Auto;
}
