#include "doctorreport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QTextStream>

QString DoctorCheck::statusName(Status status)
{
    switch (status) {
    case Status::Pass:
        return QStringLiteral("pass");
    case Status::Warn:
        return QStringLiteral("warn");
    case Status::Fail:
        return QStringLiteral("fail");
    case Status::Skip:
        break;
    }
    return QStringLiteral("skip");
}

bool DoctorReport::ok() const
{
    return std::none_of(checks.cbegin(), checks.cend(), [](const DoctorCheck &check) {
        return check.status == DoctorCheck::Status::Fail;
    });
}

QJsonObject DoctorReport::toJson() const
{
    QJsonArray array;
    for (const DoctorCheck &check : checks) {
        QJsonObject object = check.fields;
        object.insert(QStringLiteral("id"), check.id);
        object.insert(QStringLiteral("status"), DoctorCheck::statusName(check.status));
        object.insert(QStringLiteral("summary"), check.summary);
        object.insert(QStringLiteral("evidence"), QJsonArray::fromStringList(check.evidence));
        array.append(object);
    }
    return QJsonObject{{QStringLiteral("url"), url},
                       {QStringLiteral("checks"), array},
                       {QStringLiteral("ok"), ok()}};
}

QString DoctorReport::toText() const
{
    QString text;
    QTextStream out(&text);
    out << "Connection doctor for " << url << "\n\n";
    int failed = 0;
    int warned = 0;
    for (const DoctorCheck &check : checks) {
        failed += check.status == DoctorCheck::Status::Fail ? 1 : 0;
        warned += check.status == DoctorCheck::Status::Warn ? 1 : 0;
        out << '[' << DoctorCheck::statusName(check.status) << "] " << check.id << ": "
            << check.summary << '\n';
        for (const QString &line : check.evidence)
            out << "       " << line << '\n';
    }
    out << '\n';
    if (failed > 0)
        out << failed << (failed == 1 ? " check failed" : " checks failed");
    else
        out << "Every check passed";
    if (warned > 0)
        out << ", " << warned << (warned == 1 ? " warning" : " warnings");
    out << ".\n";
    return text;
}

AnswerFingerprint AnswerFingerprint::classify(int status, const QByteArray &contentType,
                                              const QByteArray &body)
{
    AnswerFingerprint fingerprint;
    // engine.io refuses with {"code": n, "message": "..."}, as application/json from the polling
    // side and as text/html from its upgrade handler: the body decides, not the content type.
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(body, &error);
    if (error.error == QJsonParseError::NoError && json.isObject()) {
        const QJsonValue code = json.object().value(QStringLiteral("code"));
        if (code.isDouble() && code.toInt() >= 0 && code.toInt() <= 5) {
            fingerprint.kind = Kind::EngineIoRefusal;
            fingerprint.code = EngineIoErrorCode(code.toInt());
            fingerprint.message = json.object().value(QStringLiteral("message")).toString();
            return fingerprint;
        }
    }
    const bool html = contentType.trimmed().toLower().startsWith("text/html");
    if (status == 502 || status == 503 || status == 504 || html)
        fingerprint.kind = Kind::MiddleboxPage;
    return fingerprint;
}

QString AnswerFingerprint::describe(int status, const QByteArray &contentType) const
{
    switch (kind) {
    case Kind::EngineIoRefusal:
        return QStringLiteral("engine.io error %1 \"%2\"")
            .arg(int(code))
            .arg(message.isEmpty() ? engineIoErrorMessage(code) : message);
    case Kind::MiddleboxPage:
        return QStringLiteral("an error page of a proxy or load balancer, not of engine.io "
                              "(HTTP %1%2)")
            .arg(status)
            .arg(contentType.isEmpty() ? QString()
                                       : QStringLiteral(", ") + QString::fromLatin1(contentType));
    case Kind::OtherHttpError:
        break;
    }
    return QStringLiteral("HTTP %1, not an engine.io answer").arg(status);
}
