// Session ▸ Replay…: which recorded session to play again in this window, and how fast.
#pragma once

#include <QDialog>

class QDoubleSpinBox;
class QLineEdit;
class QPushButton;

class ReplayDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ReplayDialog(QWidget *parent = nullptr);

    QString fileName() const;
    void setFileName(const QString &fileName);
    double speed() const;
    void setSpeed(double factor);

    QLineEdit *fileEdit() const { return m_file; }
    QDoubleSpinBox *speedBox() const { return m_speed; }
    QPushButton *replayButton() const { return m_replay; }

private:
    void browse();
    void updateReplayButton();

    QLineEdit *m_file;
    QDoubleSpinBox *m_speed;
    QPushButton *m_replay;
};
