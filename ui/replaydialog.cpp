#include "replaydialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

ReplayDialog::ReplayDialog(QWidget *parent)
    : QDialog(parent)
    , m_file(new QLineEdit(this))
    , m_speed(new QDoubleSpinBox(this))
{
    setWindowTitle(tr("Replay a Session"));
    m_file->setObjectName(QStringLiteral("replayFileEdit"));
    m_file->setPlaceholderText(tr("a session log: .jsonl or .har"));
    m_file->setMinimumWidth(360);
    auto *browseButton = new QPushButton(tr("Browse…"), this);
    connect(browseButton, &QPushButton::clicked, this, &ReplayDialog::browse);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(browseButton);

    m_speed->setObjectName(QStringLiteral("replaySpeedBox"));
    m_speed->setRange(0.01, 1000);
    m_speed->setDecimals(2);
    m_speed->setValue(1);
    m_speed->setSuffix(QStringLiteral(" ×"));
    m_speed->setToolTip(tr("2 plays the recorded delays twice as fast, 0.5 half as fast"));

    auto *explanation =
        new QLabel(tr("What we sent in that session is sent again on this window's connection, "
                      "with its timing; the server's ack requests are answered as we answered "
                      "them. The window connects with the session's namespaces if it is not "
                      "connected."),
                   this);
    explanation->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_replay = buttons->addButton(tr("Replay"), QDialogButtonBox::AcceptRole);
    m_replay->setObjectName(QStringLiteral("replayButton"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_file, &QLineEdit::textChanged, this, &ReplayDialog::updateReplayButton);

    auto *form = new QFormLayout(this);
    form->addRow(explanation);
    form->addRow(tr("Session:"), fileRow);
    form->addRow(tr("Speed:"), m_speed);
    form->addRow(buttons);
    updateReplayButton();
}

QString ReplayDialog::fileName() const
{
    return m_file->text().trimmed();
}

void ReplayDialog::setFileName(const QString &fileName)
{
    m_file->setText(fileName);
}

double ReplayDialog::speed() const
{
    return m_speed->value();
}

void ReplayDialog::setSpeed(double factor)
{
    m_speed->setValue(factor);
}

void ReplayDialog::browse()
{
    const QString chosen =
        QFileDialog::getOpenFileName(this, tr("Replay a Session"), fileName(),
                                     tr("Session logs (*.jsonl *.har);;All files (*)"));
    if (!chosen.isEmpty())
        m_file->setText(chosen);
}

void ReplayDialog::updateReplayButton()
{
    m_replay->setEnabled(!fileName().isEmpty());
}
