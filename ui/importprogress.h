// The strip a read-only window shows while its log is still being read: what is read so far
// (records, bytes of the file), a progress bar, and Cancel. It follows a LogImportJob and hides
// itself when the job finishes.
#pragma once

#include <QFrame>

class LogImportJob;
class QLabel;
class QProgressBar;
class QPushButton;

class ImportProgress : public QFrame
{
    Q_OBJECT
public:
    explicit ImportProgress(QWidget *parent = nullptr);

    // Follows `job` until it finishes; Cancel cancels it.
    void follow(LogImportJob *job);

    QProgressBar *progressBar() const { return m_bar; }
    QPushButton *cancelButton() const { return m_cancel; }
    QString text() const;

private:
    void update(qint64 bytesRead, qint64 totalBytes);

    LogImportJob *m_job = nullptr;
    QLabel *m_label;
    QProgressBar *m_bar;
    QPushButton *m_cancel;
};
