// sioscope [url]                  a live window, the URL filled in
// sioscope <log>... | file://<log> a read-only window over each log (JSON Lines or HAR)
// sioscope --profile <name>      a live window with a saved connection profile
// sioscope --open <log>           a read-only window over a JSON Lines or HAR log
// sioscope --demo                 starts the built-in demo server in-process and connects to it
// sioscope --mock-server [--rules <file>] [--port <port>]
//                                 the mock server window, its server started
// sioscope --screenshot <png>     saves the window after --screenshot-delay ms, then quits
#include "crashjournal.h"
#include "mainwindow.h"
#include "mockserverwindow.h"
#include "startup.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>

#include <cstdio>
#include <ctime>

namespace {
// --print-first-paint (hidden; bench/node/driver.js times cold starts with it): prints the
// CLOCK_MONOTONIC time at which the window's first paint pass ended, then quits. The parent
// reads the same clock before exec, so the figure includes loading the libraries.
class FirstPaintReporter : public QObject
{
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() != QEvent::Paint || !watched->isWidgetType() ||
            !static_cast<QWidget *>(watched)->isWindow())
            return false;
        QCoreApplication::instance()->removeEventFilter(this);
        // Queued: the rest of the pass (the child widgets, the flush) completes first.
        QMetaObject::invokeMethod(
            this,
            [] {
                timespec now{};
                clock_gettime(CLOCK_MONOTONIC, &now);
                std::printf("first-paint-ns %lld\n",
                            static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
                std::fflush(stdout);
                QCoreApplication::exit(0);
            },
            Qt::QueuedConnection);
        return false;
    }
};

// After a crash, the journal of the last session is offered before anything else.
void offerCrashJournals(MainWindow *window)
{
    const QStringList journals = CrashJournal::leftoverJournals();
    if (journals.isEmpty())
        return;
    QMessageBox box(QMessageBox::Question, QObject::tr("SioScope"),
                    QObject::tr("SioScope did not close cleanly last time."), QMessageBox::NoButton,
                    window);
    box.setInformativeText(
        QObject::tr("The crash journal of that session was kept (%1, %2). Reopen it read-only?")
            .arg(QFileInfo(journals.first()).fileName(),
                 QLocale().formattedDataSize(QFileInfo(journals.first()).size())));
    QPushButton *reopen = box.addButton(QObject::tr("Reopen"), QMessageBox::AcceptRole);
    QPushButton *discard = box.addButton(QObject::tr("Discard"), QMessageBox::DestructiveRole);
    box.addButton(QObject::tr("Later"), QMessageBox::RejectRole);
    box.setDefaultButton(reopen);
    box.exec();
    if (box.clickedButton() == reopen) {
        QString error;
        if (MainWindow *journalWindow = MainWindow::openCrashJournal(journals.first(), &error))
            journalWindow->show();
        else
            QMessageBox::warning(window, QObject::tr("SioScope"), error);
    } else if (box.clickedButton() == discard) {
        for (const QString &journal : journals)
            CrashJournal::removeJournal(journal);
    }
}

// The command line, for the GUI and for --help and --version, which must work without a
// display (QApplication cannot be made without one, QCoreApplication can).
struct GuiArguments
{
    const QCommandLineOption openOption{QStringLiteral("open"),
                                        QStringLiteral("Open a log (JSON Lines or HAR) read-only."),
                                        QStringLiteral("log")};
    const QCommandLineOption profileOption{QStringLiteral("profile"),
                                           QStringLiteral("Load a saved connection profile."),
                                           QStringLiteral("name")};
    const QCommandLineOption connectOption{QStringLiteral("connect"),
                                           QStringLiteral("Connect to the URL at once.")};
    const QCommandLineOption screenshotOption{QStringLiteral("screenshot"),
                                              QStringLiteral("Save the window as PNG, then quit."),
                                              QStringLiteral("file")};
    const QCommandLineOption delayOption{QStringLiteral("screenshot-delay"),
                                         QStringLiteral("Milliseconds before the screenshot."),
                                         QStringLiteral("ms"), QStringLiteral("2000")};
    const QCommandLineOption sendOption{
        QStringLiteral("send"),
        QStringLiteral("With --connect: fill the composer with an event and send it once "
                       "connected, e.g. --send 'echo:[\"hi\"]' (for demos and screenshots)."),
        QStringLiteral("event:json")};
    const QCommandLineOption demoOption{
        QStringLiteral("demo"),
        QStringLiteral("Start the built-in demo server (127.0.0.1, a free port) and connect to "
                       "it.")};
    const QCommandLineOption mockServerOption{
        QStringLiteral("mock-server"),
        QStringLiteral("Open the mock server window and start its server (the behaviour and "
                       "port saved last time, unless --rules or --port say otherwise).")};
    const QCommandLineOption rulesOption{QStringLiteral("rules"),
                                         QStringLiteral("With --mock-server: the mock rules file."),
                                         QStringLiteral("rules.json")};
    const QCommandLineOption portOption{
        QStringLiteral("port"), QStringLiteral("With --mock-server: the port (0: any free port)."),
        QStringLiteral("port")};
    QCommandLineOption firstPaintOption{
        QStringLiteral("print-first-paint"),
        QStringLiteral("Print when the window first painted, quit.")};
    QCommandLineParser parser;

    GuiArguments()
    {
        firstPaintOption.setFlags(QCommandLineOption::HiddenFromHelp);
        parser.setApplicationDescription(QStringLiteral("Socket.IO inspector and test client"));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addPositionalArgument(
            QStringLiteral("url|log"),
            QStringLiteral("Server URL to fill in (http, https, ws, wss), or logs to open "
                           "read-only (a path to an existing file, or a file:// URL)."),
            QStringLiteral("[url | log...]"));
        parser.addOptions({openOption, profileOption, connectOption, screenshotOption, delayOption,
                           sendOption, demoOption, mockServerOption, rulesOption, portOption,
                           firstPaintOption});
    }

    // Whether the arguments ask for --help or --version, which print and exit.
    static bool asksForHelpOrVersion(int argc, char *argv[])
    {
        for (int i = 1; i < argc; ++i) {
            const QByteArray argument(argv[i]);
            if (argument == "-h" || argument == "--help" || argument == "-?" ||
                argument == "--help-all" || argument == "-v" || argument == "--version")
                return true;
        }
        return false;
    }
};
} // namespace

int main(int argc, char *argv[])
{
    if (GuiArguments::asksForHelpOrVersion(argc, argv)) {
        QCoreApplication app(argc, argv);
        setSioScopeApplicationInfo();
        QCoreApplication::setApplicationVersion(QStringLiteral(SIOSCOPE_VERSION));
        GuiArguments arguments;
        arguments.parser.process(app); // prints, and exits
        return 0;
    }
    QApplication app(argc, argv);
    setSioScopeApplicationInfo();
    QApplication::setApplicationVersion(QStringLiteral(SIOSCOPE_VERSION));

    GuiArguments arguments;
    QCommandLineParser &parser = arguments.parser;
    const QCommandLineOption &openOption = arguments.openOption;
    const QCommandLineOption &profileOption = arguments.profileOption;
    const QCommandLineOption &connectOption = arguments.connectOption;
    const QCommandLineOption &screenshotOption = arguments.screenshotOption;
    const QCommandLineOption &delayOption = arguments.delayOption;
    const QCommandLineOption &sendOption = arguments.sendOption;
    const QCommandLineOption &demoOption = arguments.demoOption;
    const QCommandLineOption &mockServerOption = arguments.mockServerOption;
    const QCommandLineOption &rulesOption = arguments.rulesOption;
    const QCommandLineOption &portOption = arguments.portOption;
    const QCommandLineOption &firstPaintOption = arguments.firstPaintOption;
    parser.process(app);

    // Saves the window after the delay, then quits (for the README's screenshots).
    const auto scheduleScreenshot = [&parser, &screenshotOption, &delayOption](QWidget *shown) {
        if (!parser.isSet(screenshotOption))
            return;
        const QString file = parser.value(screenshotOption);
        QTimer::singleShot(parser.value(delayOption).toInt(), shown, [shown, file] {
            const bool saved = shown->grab().save(file);
            QCoreApplication::exit(saved ? 0 : 1);
        });
    };

    if (parser.isSet(mockServerOption)) {
        auto *mock = new MockServerWindow;
        mock->setAttribute(Qt::WA_DeleteOnClose);
        if (parser.isSet(rulesOption)) {
            mock->setBehaviour(MockServerWindow::Behaviour::Rules);
            mock->setRulesFile(QFileInfo(parser.value(rulesOption)).absoluteFilePath());
        }
        if (parser.isSet(portOption)) {
            bool ok = false;
            const uint port = parser.value(portOption).toUInt(&ok);
            if (!ok || port > 65535) {
                QMessageBox::critical(nullptr, QStringLiteral("SioScope"),
                                      QObject::tr("--port must be a number from 0 to 65535."));
                return 1;
            }
            mock->setPort(quint16(port));
        }
        mock->show();
        mock->startServer(); // a failure is shown in the window's banner
        scheduleScreenshot(mock);
        return QApplication::exec();
    }

    StartupRequest request;
    request.logFile = parser.value(openOption);
    request.profile = parser.value(profileOption);
    if (!parser.positionalArguments().isEmpty())
        request.url = parser.positionalArguments().constFirst();
    FirstPaintReporter firstPaint;
    if (parser.isSet(firstPaintOption))
        app.installEventFilter(&firstPaint); // before the window exists, so before it is shown
    QString error;
    MainWindow *window = openStartupWindow(request, &error);
    if (!window) {
        QMessageBox::critical(nullptr, QStringLiteral("SioScope"), error);
        return 1;
    }

    // More logs after the first: each in a window of its own.
    const QStringList positional = parser.positionalArguments();
    for (qsizetype i = 1; i < positional.size(); ++i) {
        const QString log = logFileNamedBy(positional.at(i));
        if (log.isEmpty())
            QMessageBox::warning(window, QStringLiteral("SioScope"),
                                 QObject::tr("%1 is not a log file: only the first argument may "
                                             "be a server URL.")
                                     .arg(positional.at(i)));
        else
            MainWindow::openLogInteractively(log, window);
    }

    if (!window->isReadOnly() && !parser.isSet(screenshotOption) && !parser.isSet(firstPaintOption))
        QTimer::singleShot(0, window, [window] { offerCrashJournals(window); });
    if (!window->isReadOnly() && parser.isSet(demoOption)) {
        if (!window->startDemo() && parser.isSet(screenshotOption))
            return 1;
    } else if (!window->isReadOnly() && parser.isSet(connectOption)) {
        window->connectToServer();
    }
    if (!window->isReadOnly() && parser.isSet(sendOption)) {
        const QString spec = parser.value(sendOption);
        const qsizetype colon = spec.indexOf(QLatin1Char(':'));
        window->composer()->setEventName(colon < 0 ? spec : spec.left(colon));
        window->composer()->setArgumentsText(colon < 0 ? QString() : spec.mid(colon + 1));
        QTimer::singleShot(1000, window, [window] { window->composer()->send(); });
    }
    scheduleScreenshot(window);
    return QApplication::exec();
}
