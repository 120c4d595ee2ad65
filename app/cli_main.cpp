#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sioscope-cli"));
    QTextStream(stderr) << "usage: sioscope-cli <command> [options]\n";
    return 2;
}
