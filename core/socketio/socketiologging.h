// The logging category of the Socket.IO layer ("sioscope.socketio").
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSocketIo)
