// Session ▸ Diagnose…: runs the connection doctor (core/doctor) on the window's connection
// options in a thread of its own, and shows its report, the same text `sioscope-cli doctor`
// prints, with the verdict on top. The report can be copied, or saved as the JSON of
// `sioscope-cli doctor --json`.
#pragma once

#include "doctor/doctorreport.h"
#include "doctor/doctorrunner.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

class DoctorDialog : public QDialog
{
    Q_OBJECT
public:
    // Starts the diagnosis at once.
    explicit DoctorDialog(const DoctorOptions &options, QWidget *parent = nullptr);

    bool isRunning() const { return m_runner.isRunning(); }
    // The last report; empty (no checks) while the first run is under way.
    const DoctorReport &report() const { return m_report; }
    // Writes the report's JSON; false with the reason.
    bool saveJson(const QString &fileName, QString *error) const;

    // For the tests.
    QLabel *verdictLabel() const { return m_verdict; }
    QPlainTextEdit *reportView() const { return m_text; }
    QPushButton *runAgainButton() const { return m_runAgain; }
    QPushButton *copyButton() const { return m_copy; }
    QPushButton *saveButton() const { return m_save; }

Q_SIGNALS:
    // A run ended with a report (not when it was cancelled).
    void reportReady(const DoctorReport &report);

protected:
    void reject() override;

private:
    void runDiagnosis();
    void showReport(const DoctorReport &report);
    void saveAs();
    void updateButtons();

    DoctorOptions m_options;
    DoctorRunner m_runner;
    DoctorReport m_report;
    QLabel *m_verdict = nullptr;
    QProgressBar *m_busy = nullptr;
    QPlainTextEdit *m_text = nullptr;
    QPushButton *m_runAgain = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_save = nullptr;
};
