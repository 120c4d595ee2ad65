// The log importer (LogImporter::read: HAR 1.2 from SioScope or from a browser, or JSON Lines,
// told apart by content), then every exporter over what was imported: a file someone sends you
// goes through all of it.
//
// Properties: no crash or sanitizer report; the exporters accept whatever the importer
// produced; a JSON Lines export imports back to as many records.
#include "fuzzcommon.h"
#include "session/logexport.h"
#include "session/sessionlog.h"

#include <QBuffer>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QBuffer in;
    in.setData(fuzzInput(data, size).toByteArray());
    in.open(QIODevice::ReadOnly);
    SessionLog log;
    QString error;
    const bool ok = LogImporter::read(&in, &log, &error);
    FUZZ_CHECK(ok || !error.isEmpty(), QString());

    for (const LogFormat format : {LogFormat::JsonLines, LogFormat::Har, LogFormat::Text}) {
        for (const bool secrets : {false, true}) {
            QBuffer out;
            out.open(QIODevice::WriteOnly);
            ExportOptions options;
            options.format = format;
            options.includeSecrets = secrets;
            QString writeError;
            FUZZ_CHECK(LogExporter::write(log, nullptr, &out, options, &writeError), writeError);
            if (format != LogFormat::JsonLines || !secrets)
                continue;
            QBuffer back;
            back.setData(out.data());
            back.open(QIODevice::ReadOnly);
            SessionLog again;
            QString readError;
            FUZZ_CHECK(LogImporter::read(&back, &again, &readError), readError);
            FUZZ_CHECK(again.size() == log.size(), QString());
        }
    }
    return 0;
}
