// Session ▸ Run Test…: runs a scenario file (core/scenario, what `sioscope-cli test` runs) with
// variables given as name=value lines and an optional environment file. While it runs, each
// finished step is a row with ✓ or ✗, its label and its time; a failed step's explanation (the
// lines the CLI prints under it) shows when its row is selected. Beside the steps, each client's
// packets fill a read-only timeline, one client at a time; selecting a step selects the packets
// of its time span. A file that cannot be read is named with its file:line:column in the
// dialog's banner.
#pragma once

#include "scenario/scenarioresult.h"
#include "tones.h"

#include <QDialog>
#include <QHash>
#include <QString>

#include <map>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;
class ScenarioRunner;
class SessionLog;
class TimelinePane;

class ScenarioDialog : public QDialog
{
    Q_OBJECT
public:
    enum StepColumn { StatusColumn, StepColumn, TimeColumn };

    explicit ScenarioDialog(QWidget *parent = nullptr);
    ~ScenarioDialog() override;

    void setScenarioFile(const QString &fileName);
    QString scenarioFile() const;
    void setEnvironmentFile(const QString &fileName);
    QString environmentFile() const;
    // "name=value" lines; a value that parses as JSON keeps its type, as with --var.
    void setVariablesText(const QString &text);

    // Loads the scenario and starts it. False, with the reason in the banner, when the
    // variables, the environment file or the scenario cannot be read, or a run is under way.
    bool run();
    // Ends the run under way: its current step fails.
    void stop();
    bool isRunning() const;
    // The last run's result (empty before a run has finished).
    const ScenarioResult &result() const { return m_result; }
    // The records of a client of the last run; null for a name the scenario has not.
    SessionLog *clientLog(const QString &client) const;

    // For the tests.
    QLabel *statusLabel() const { return m_status; }
    QTreeWidget *stepList() const { return m_steps; }
    QPlainTextEdit *detailView() const { return m_detail; }
    QComboBox *clientChooser() const { return m_client; }
    TimelinePane *timeline() const { return m_timeline; }
    QPushButton *runButton() const { return m_run; }
    QPushButton *stopButton() const { return m_stop; }

Q_SIGNALS:
    void runFinished(const ScenarioResult &result);

protected:
    void reject() override;

private:
    void browseScenario();
    void browseEnvironment();
    void addStep(const StepResult &step);
    void showStep();
    void showClient(const QString &client);
    void finish(const ScenarioResult &result);
    void showStatus(const QString &html, Tone tone);
    void updateButtons();
    void discardRunner();

    QLineEdit *m_file = nullptr;
    QLineEdit *m_envFile = nullptr;
    QPlainTextEdit *m_variables = nullptr;
    QLabel *m_status = nullptr;
    QTreeWidget *m_steps = nullptr;
    QPlainTextEdit *m_detail = nullptr;
    QComboBox *m_client = nullptr;
    TimelinePane *m_timeline = nullptr;
    QPushButton *m_run = nullptr;
    QPushButton *m_stop = nullptr;

    std::unique_ptr<ScenarioRunner> m_runner;
    // One log per client of the run, kept until the next run: the timeline shows one of them.
    std::map<QString, std::unique_ptr<SessionLog>> m_logs;
    QList<StepResult> m_stepResults;        // the rows of m_steps, in order
    QHash<QString, QString> m_clientOfStep; // SourceLocation::toString() -> the step's client
    ScenarioResult m_result;
    qint64 m_startedUs = 0; // the run's start, on the records' clock (µs since the epoch)
};
