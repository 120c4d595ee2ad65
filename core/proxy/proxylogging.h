// The logging category of the proxy ("sioscope.proxy").
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)
