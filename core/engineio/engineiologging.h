// The logging category of the Engine.IO layer ("sioscope.engineio").
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcEngineIo)
