// Export: format (JSON Lines, HAR, text), scope (everything or what the filter shows) and the
// secrets opt-in; and the export itself, with a progress dialog for large logs.
#pragma once

#include "session/logexport.h"

#include <QDialog>

#include <vector>

class QCheckBox;
class QLineEdit;
class QRadioButton;
class SessionLog;
class TimelinePane;

class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    ExportDialog(qint64 totalRows, qint64 visibleRows, QWidget *parent = nullptr);

    QString fileName() const;
    void setFileName(const QString &fileName);
    LogFormat format() const;
    bool onlyVisible() const;
    bool includeSecrets() const;

    // Writes the log (or `rows` of it) to `fileName`. Shows a cancellable progress dialog when the
    // log is large. False with the reason on failure or cancel; a failed export leaves no file.
    // `knownSecrets`: see ExportOptions.
    static bool exportLog(QWidget *parent, const SessionLog &log, const std::vector<qint64> *rows,
                          const QString &fileName, LogFormat format, bool includeSecrets,
                          const QStringList &knownSecrets, QString *error);
    // The log, or the rows `timeline` shows of it, to `fileName`: what the dialog's choices do.
    static bool exportTimeline(QWidget *parent, const SessionLog &log, TimelinePane *timeline,
                               bool onlyVisible, const QString &fileName, LogFormat format,
                               bool includeSecrets, const QStringList &knownSecrets,
                               QString *error);
    // A window's File > Export: the dialog, the export, and a warning when it fails. The file
    // written, or empty when cancelled or failed.
    static QString run(QWidget *parent, const SessionLog &log, TimelinePane *timeline,
                       const QStringList &knownSecrets);
    static QString suffixFor(LogFormat format);

    // From this many rows on, the progress dialog is shown.
    static constexpr qint64 ProgressThreshold = 20000;

private:
    void browse();
    void formatChanged();

    QRadioButton *m_jsonl;
    QRadioButton *m_har;
    QRadioButton *m_text;
    QRadioButton *m_all;
    QRadioButton *m_visible;
    QCheckBox *m_secrets;
    QLineEdit *m_file;
};
