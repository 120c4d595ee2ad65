#include "scenariodialog.h"

#include "scenario/scenarioloader.h"
#include "scenario/scenarioreport.h"
#include "scenario/scenariorunner.h"
#include "scenario/scenariovariables.h"
#include "session/sessionlog.h"
#include "timelinepane.h"
#include "tones.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
constexpr int StepIndexRole = Qt::UserRole + 1;
// The records of a step's span are picked on the wall clock the records carry. The dialog reads
// it a moment before the runner starts its own clock, and the runner counts whole ms: the span
// seen from here starts early enough, and a margin at its end keeps its last records in.
constexpr qint64 SpanEndMarginUs = 3000;

// Where each step is in the file -> the client it concerns, nested steps included.
void mapClients(const QList<ScenarioStep> &steps, QHash<QString, QString> *clients)
{
    for (const ScenarioStep &step : steps) {
        if (!step.client.isEmpty())
            clients->insert(step.where.toString(), step.client);
        mapClients(step.steps, clients);
        mapClients(step.until, clients);
    }
}

QWidget *fileRow(QLineEdit *edit, QPushButton *browse)
{
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return row;
}
} // namespace

ScenarioDialog::ScenarioDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Run Test — SioScope"));
    resize(1280, 760);
    auto *layout = new QVBoxLayout(this);

    auto *form = new QFormLayout;
    m_file = new QLineEdit(this);
    m_file->setPlaceholderText(tr("a scenario file (YAML), as sioscope-cli test runs it"));
    auto *browseFile = new QPushButton(tr("&Browse…"), this);
    form->addRow(tr("&Scenario:"), fileRow(m_file, browseFile));
    m_envFile = new QLineEdit(this);
    m_envFile->setPlaceholderText(tr("optional: variables from a YAML or JSON file (--env)"));
    auto *browseEnv = new QPushButton(tr("B&rowse…"), this);
    form->addRow(tr("&Environment file:"), fileRow(m_envFile, browseEnv));
    m_variables = new QPlainTextEdit(this);
    m_variables->setPlaceholderText(tr("name=value, one a line (--var), e.g. "
                                       "url=http://127.0.0.1:3000"));
    m_variables->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_variables->setTabChangesFocus(true);
    m_variables->setMaximumHeight(m_variables->fontMetrics().lineSpacing() * 4 + 12);
    form->addRow(tr("&Variables:"), m_variables);
    layout->addLayout(form);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(m_status);
    showStatus(tr("Choose a scenario file and press Run."), Tone::Info);

    // Left: the steps and the selected step's explanation; right: the clients' packets.
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    auto *stepsSplitter = new QSplitter(Qt::Vertical, splitter);
    m_steps = new QTreeWidget(stepsSplitter);
    m_steps->setColumnCount(3);
    m_steps->setHeaderLabels({QString(), tr("Step"), tr("Time")});
    m_steps->setRootIsDecorated(false);
    m_steps->setUniformRowHeights(true);
    m_steps->header()->setStretchLastSection(false);
    m_steps->header()->setSectionResizeMode(StatusColumn, QHeaderView::ResizeToContents);
    m_steps->header()->setSectionResizeMode(StepColumn, QHeaderView::Stretch);
    m_steps->header()->setSectionResizeMode(TimeColumn, QHeaderView::ResizeToContents);
    m_detail = new QPlainTextEdit(stepsSplitter);
    m_detail->setReadOnly(true);
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap); // JSON and packets: columns matter
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setPlaceholderText(tr("Select a step to see where it is in the file; a failed "
                                    "step shows what was expected and what arrived."));
    stepsSplitter->setStretchFactor(0, 3);
    stepsSplitter->setStretchFactor(1, 2);

    auto *packets = new QWidget(splitter);
    auto *packetsLayout = new QVBoxLayout(packets);
    packetsLayout->setContentsMargins(0, 0, 0, 0);
    m_timeline = new TimelinePane(packets);
    m_timeline->setLive(false);
    m_timeline->setSendActionsAvailable(false);
    m_client = new QComboBox(packets);
    m_client->setToolTip(tr("The client whose packets the timeline shows"));
    auto *clientLabel = new QLabel(tr("&Client:"), packets);
    clientLabel->setBuddy(m_client);
    auto *clientRow = new QHBoxLayout;
    clientRow->addWidget(clientLabel);
    clientRow->addWidget(m_client);
    clientRow->addStretch(1);
    clientRow->addWidget(m_timeline->filterBar());
    packetsLayout->addLayout(clientRow);
    packetsLayout->addWidget(m_timeline, 1);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({500, 760});
    layout->addWidget(splitter, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_run = buttons->addButton(tr("&Run"), QDialogButtonBox::ActionRole);
    m_stop = buttons->addButton(tr("S&top"), QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);

    connect(browseFile, &QPushButton::clicked, this, &ScenarioDialog::browseScenario);
    connect(browseEnv, &QPushButton::clicked, this, &ScenarioDialog::browseEnvironment);
    connect(m_run, &QPushButton::clicked, this, &ScenarioDialog::run);
    connect(m_stop, &QPushButton::clicked, this, &ScenarioDialog::stop);
    connect(buttons, &QDialogButtonBox::rejected, this, &ScenarioDialog::reject);
    connect(m_steps, &QTreeWidget::currentItemChanged, this, &ScenarioDialog::showStep);
    connect(m_client, &QComboBox::currentTextChanged, this, &ScenarioDialog::showClient);
    updateButtons();
}

ScenarioDialog::~ScenarioDialog()
{
    // The runner closes its clients as it goes, and the timeline reads the logs until it is told
    // otherwise: neither may outlive what it writes to or reads.
    discardRunner();
    m_timeline->setLog(nullptr);
}

void ScenarioDialog::discardRunner()
{
    if (!m_runner)
        return;
    m_runner->disconnect(this);
    m_runner.reset();
}

void ScenarioDialog::setScenarioFile(const QString &fileName)
{
    m_file->setText(fileName);
}

QString ScenarioDialog::scenarioFile() const
{
    return m_file->text().trimmed();
}

void ScenarioDialog::setEnvironmentFile(const QString &fileName)
{
    m_envFile->setText(fileName);
}

QString ScenarioDialog::environmentFile() const
{
    return m_envFile->text().trimmed();
}

void ScenarioDialog::setVariablesText(const QString &text)
{
    m_variables->setPlainText(text);
}

bool ScenarioDialog::isRunning() const
{
    return m_runner && !m_runner->isFinished();
}

SessionLog *ScenarioDialog::clientLog(const QString &client) const
{
    const auto it = m_logs.find(client);
    return it == m_logs.end() ? nullptr : it->second.get();
}

bool ScenarioDialog::run()
{
    if (isRunning())
        return false;
    const QString file = scenarioFile();
    if (file.isEmpty()) {
        showStatus(tr("Choose a scenario file first."), Tone::Error);
        return false;
    }

    // The variables as `sioscope-cli test` takes them: --var lines, --env, the environment.
    ScenarioVariables variables;
    variables.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    if (const QString envFile = environmentFile(); !envFile.isEmpty()) {
        QJsonObject values;
        ScenarioError error;
        if (!ScenarioLoader::loadVariablesFile(envFile, &values, &error)) {
            showStatus(tr("<b>The environment file cannot be read:</b> %1")
                           .arg(error.toString().toHtmlEscaped()),
                       Tone::Error);
            return false;
        }
        variables.setEnvironmentFile(values);
    }
    QJsonObject assigned;
    const QStringList lines = m_variables->toPlainText().split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        QString name;
        QJsonValue value;
        if (!ScenarioVariables::parseAssignment(line, &name, &value)) {
            showStatus(tr("<b>Variables, line %1:</b> write name=value with a name of letters, "
                          "digits, '_', '-' and '.', not \"%2\".")
                           .arg(i + 1)
                           .arg(line.toHtmlEscaped()),
                       Tone::Error);
            return false;
        }
        assigned.insert(name, value);
    }
    variables.setCommandLine(assigned);

    const QStringList known = variables.namesBeforeRun();
    Scenario scenario;
    ScenarioError error;
    if (!ScenarioLoader::loadFile(file, QSet<QString>(known.cbegin(), known.cend()), &scenario,
                                  &error)) {
        showStatus(
            tr("<b>The scenario cannot be read:</b> %1").arg(error.toString().toHtmlEscaped()),
            Tone::Error);
        return false;
    }

    // A new run: new logs, an empty step list.
    discardRunner();
    m_timeline->setLog(nullptr);
    m_steps->clear();
    m_stepResults.clear();
    m_detail->clear();
    m_result = ScenarioResult();
    m_logs.clear();
    m_clientOfStep.clear();
    mapClients(scenario.steps, &m_clientOfStep);
    {
        const QSignalBlocker blocker(m_client);
        m_client->clear();
        for (const ScenarioClient &client : std::as_const(scenario.clients)) {
            m_logs[client.name] = std::make_unique<SessionLog>();
            m_client->addItem(client.name);
        }
    }
    m_client->setEnabled(m_client->count() > 1);
    showClient(m_client->currentText());

    m_runner = std::make_unique<ScenarioRunner>(scenario, variables);
    connect(m_runner.get(), &ScenarioRunner::recordAppended, this,
            [this](const QString &client, const PacketRecord &record) {
                if (SessionLog *log = clientLog(client))
                    log->append(record);
            });
    connect(m_runner.get(), &ScenarioRunner::stepFinished, this, &ScenarioDialog::addStep);
    connect(m_runner.get(), &ScenarioRunner::finished, this, &ScenarioDialog::finish);
    showStatus(tr("Running <b>%1</b> (%2)…")
                   .arg(scenario.name.toHtmlEscaped(), QFileInfo(file).fileName().toHtmlEscaped()),
               Tone::Info);
    m_startedUs = QDateTime::currentMSecsSinceEpoch() * 1000;
    m_runner->start();
    updateButtons();
    return true;
}

void ScenarioDialog::stop()
{
    if (isRunning())
        m_runner->abort(tr("stopped in the window"));
}

void ScenarioDialog::addStep(const StepResult &step)
{
    auto *item = new QTreeWidgetItem(m_steps);
    item->setText(StatusColumn, step.passed ? QStringLiteral("\u2713") : QStringLiteral("\u2717"));
    item->setForeground(StatusColumn,
                        toneColors(step.passed ? Tone::Success : Tone::Error, palette()).accent);
    item->setText(StepColumn, QString(2 * step.depth, QLatin1Char(' ')) + step.label);
    QString time = tr("%1 ms").arg(step.elapsedMs);
    if (step.rttUs >= 0)
        time += tr(" (ack %1 ms)").arg(double(step.rttUs) / 1000.0, 0, 'f', 2);
    item->setText(TimeColumn, time);
    item->setTextAlignment(TimeColumn, Qt::AlignRight | Qt::AlignVCenter);
    item->setData(StatusColumn, StepIndexRole, m_stepResults.size());
    item->setToolTip(StepColumn, step.where.toString());
    m_stepResults.append(step);
    m_steps->scrollToItem(item);
    // The failure is what the run is about: its explanation shows without a click.
    if (!step.passed)
        m_steps->setCurrentItem(item);
}

void ScenarioDialog::showStep()
{
    const QTreeWidgetItem *item = m_steps->currentItem();
    if (!item) {
        m_detail->clear();
        return;
    }
    const StepResult &step = m_stepResults.at(item->data(StatusColumn, StepIndexRole).toInt());
    QString text = ScenarioReport::stepLine(step).trimmed() + QLatin1Char('\n');
    text += step.passed ? QStringLiteral("at %1\n").arg(step.where.toString())
                        : ScenarioReport::failureDetails(step, QString());
    m_detail->setPlainText(text);

    // The packets of the step's span: its client's, or when it has none then (a wait), the
    // client shown or else the first client that has any.
    const qint64 from = m_startedUs + step.startedMs * 1000;
    const qint64 to = m_startedUs + (step.startedMs + step.elapsedMs) * 1000 + SpanEndMarginUs;
    auto rowsIn = [from, to](const SessionLog &log) {
        std::vector<qint64> rows;
        for (qint64 row = 0; row < log.size(); ++row)
            if (log.timeUs(row) >= from && log.timeUs(row) <= to)
                rows.push_back(row);
        return rows;
    };
    QStringList clients{m_client->currentText()};
    for (int i = 0; i < m_client->count(); ++i)
        clients.append(m_client->itemText(i));
    if (const QString own = m_clientOfStep.value(step.where.toString()); !own.isEmpty())
        clients = QStringList{own};
    clients.removeDuplicates();
    for (const QString &client : std::as_const(clients)) {
        const SessionLog *log = clientLog(client);
        if (!log)
            continue;
        const std::vector<qint64> rows = rowsIn(*log);
        if (rows.empty())
            continue;
        m_client->setCurrentText(client);
        m_timeline->selectLogRows(rows);
        return;
    }
}

void ScenarioDialog::showClient(const QString &client)
{
    m_timeline->setLog(clientLog(client));
}

void ScenarioDialog::finish(const ScenarioResult &result)
{
    m_result = result;
    m_timeline->flush();
    const QString elapsed = tr("%1 ms").arg(result.elapsedMs);
    if (result.passed) {
        showStatus(
            tr("<b>Passed:</b> %n step(s) in %1.", nullptr, int(result.steps.size())).arg(elapsed),
            Tone::Success);
    } else if (const StepResult *failure = result.firstFailure()) {
        showStatus(tr("<b>Failed</b> in %1 at <b>%2</b> (%3): %4")
                       .arg(elapsed, failure->label.toHtmlEscaped(),
                            failure->where.toString().toHtmlEscaped(),
                            failure->failure.toHtmlEscaped()),
                   Tone::Error);
    } else {
        showStatus(tr("<b>Failed</b> in %1: %2")
                       .arg(elapsed, (result.error.isEmpty() ? tr("the run stopped") : result.error)
                                         .toHtmlEscaped()),
                   Tone::Error);
    }
    updateButtons();
    Q_EMIT runFinished(result);
}

void ScenarioDialog::showStatus(const QString &html, Tone tone)
{
    m_status->setText(html);
    m_status->setStyleSheet(bannerStyleSheet(tone, palette()));
}

void ScenarioDialog::updateButtons()
{
    const bool running = isRunning();
    m_run->setEnabled(!running);
    m_stop->setEnabled(running);
    m_file->setEnabled(!running);
    m_envFile->setEnabled(!running);
    m_variables->setReadOnly(running);
}

void ScenarioDialog::browseScenario()
{
    const QString fileName =
        QFileDialog::getOpenFileName(this, tr("Open a Scenario"), scenarioFile(),
                                     tr("Scenarios (*.yaml *.yml *.json);;All files (*)"));
    if (!fileName.isEmpty())
        setScenarioFile(fileName);
}

void ScenarioDialog::browseEnvironment()
{
    const QString fileName =
        QFileDialog::getOpenFileName(this, tr("Open an Environment File"), m_envFile->text(),
                                     tr("Variables (*.yaml *.yml *.json);;All files (*)"));
    if (!fileName.isEmpty())
        setEnvironmentFile(fileName);
}

void ScenarioDialog::reject()
{
    // Closing ends a run under way: its clients close with the runner.
    stop();
    QDialog::reject();
}
