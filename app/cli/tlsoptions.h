// The TLS and Origin options of every sioscope-cli command that connects as a client: --ca,
// --insecure, --cert, --key, --cert-password-env and --origin, parsed into EngineIoOptions.
#pragma once

#include "engineio/engineiooptions.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>

class TlsOptions
{
public:
    TlsOptions();

    // The usage lines, in the format of the commands' usage texts.
    static const char *usage();
    void addTo(QCommandLineParser *parser) const;
    // Sets the options given into `engine`. False with `*error` on a usage error (--key without
    // --cert, an environment variable that is not set, an Origin that is not one).
    bool apply(const QCommandLineParser &parser, EngineIoOptions *engine, QString *error) const;

private:
    QCommandLineOption m_ca;
    QCommandLineOption m_insecure;
    QCommandLineOption m_cert;
    QCommandLineOption m_key;
    QCommandLineOption m_passwordEnv;
    QCommandLineOption m_origin;
};
