#include "startpanel.h"

#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

StartPanel::StartPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *outer = new QVBoxLayout(this);
    outer->addStretch(1);
    auto *title = new QLabel(tr("<h2>Inspect a Socket.IO server</h2>"), this);
    title->setAlignment(Qt::AlignCenter);
    outer->addWidget(title);

    auto *grid = new QGridLayout;
    const auto step = [this, grid](int row, QPushButton *button, const QString &text) {
        button->setMinimumWidth(140);
        grid->addWidget(button, row, 0);
        auto *label = new QLabel(text, this);
        label->setWordWrap(true);
        grid->addWidget(label, row, 1);
    };
    m_connect = new QPushButton(tr("&Connect"), this);
    step(0, m_connect,
         tr("Enter the server's URL above (http, https, ws or wss) and connect. Options… sets "
            "the path, headers, auth, TLS, the proxy and the parser."));
    m_demo = new QPushButton(tr("Try the &Demo"), this);
    step(1, m_demo,
         tr("Start a demo server inside SioScope and connect to it: ticks, chat, binary data, "
            "an ack to answer, a refused namespace."));
    m_openLog = new QPushButton(tr("&Open a Log…"), this);
    step(2, m_openLog,
         tr("Open a recorded session (JSON Lines or HAR) read-only, to browse and export it."));
    m_diagnose = new QPushButton(tr("D&iagnose…"), this);
    step(3, m_diagnose,
         tr("A server that will not connect? The doctor probes it with these options (TLS, "
            "Engine.IO version and path, transports, sticky sessions, proxies, namespaces, "
            "heartbeat) and says in plain words what it found. Also "
            "<code>sioscope-cli doctor &lt;url&gt;</code>."));
    grid->setColumnStretch(1, 1);
    grid->setHorizontalSpacing(12);
    // A column of reading width in the middle, whatever the window's width.
    auto *column = new QWidget(this);
    column->setLayout(grid);
    column->setMaximumWidth(640);
    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 4);
    row->addStretch(1);
    outer->addLayout(row);

    outer->addStretch(2);

    connect(m_connect, &QPushButton::clicked, this, &StartPanel::connectRequested);
    connect(m_demo, &QPushButton::clicked, this, &StartPanel::demoRequested);
    connect(m_openLog, &QPushButton::clicked, this, &StartPanel::openLogRequested);
    connect(m_diagnose, &QPushButton::clicked, this, &StartPanel::diagnoseRequested);
}
