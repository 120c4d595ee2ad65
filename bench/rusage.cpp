// sioscope-bench-rusage: runs a command and writes what it cost, as measured by the kernel for
// the whole process (all threads, children it waited for): getrusage via wait4().
//
//   sioscope-bench-rusage <out.json> <timeout-seconds> <command> [args...]
//
// Writes {"status":..,"signal":..,"user_us":..,"sys_us":..,"cpu_us":..,"maxrss_kb":..,
// "wall_us":..,"timed_out":..} to <out.json>. The command's stdin, stdout and stderr are ours.
// After <timeout-seconds> the command gets SIGTERM, and SIGKILL 3 s later. SIGTERM and SIGINT
// sent to this wrapper are passed on to the command.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {
volatile sig_atomic_t childPid = 0;
volatile sig_atomic_t timedOut = 0;
volatile sig_atomic_t termSent = 0;

void forward(int signal)
{
    if (childPid > 0)
        kill(childPid, signal);
}

void onAlarm(int)
{
    if (childPid <= 0)
        return;
    if (!termSent) {
        timedOut = 1;
        termSent = 1;
        kill(childPid, SIGTERM);
        alarm(3);
    } else {
        kill(childPid, SIGKILL);
    }
}

long long nowUs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

long long toUs(const timeval &tv)
{
    return tv.tv_sec * 1000000LL + tv.tv_usec;
}
} // namespace

int main(int argc, char **argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s <out.json> <timeout-seconds> <command> [args...]\n",
                     argv[0]);
        return 2;
    }
    const char *outPath = argv[1];
    const int timeoutSeconds = std::atoi(argv[2]);
    if (timeoutSeconds <= 0) {
        std::fprintf(stderr, "sioscope-bench-rusage: bad timeout %s\n", argv[2]);
        return 2;
    }
    struct sigaction action = {};
    action.sa_handler = forward;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    action.sa_handler = onAlarm;
    sigaction(SIGALRM, &action, nullptr);

    const long long started = nowUs();
    const pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        return 2;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execvp(argv[3], argv + 3);
        std::fprintf(stderr, "sioscope-bench-rusage: cannot run %s: %s\n", argv[3],
                     std::strerror(errno));
        _exit(127);
    }
    childPid = pid;
    alarm(unsigned(timeoutSeconds));

    int status = 0;
    rusage usage = {};
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            std::perror("wait4");
            return 2;
        }
    }
    const long long wall = nowUs() - started;
    alarm(0);

    FILE *out = std::fopen(outPath, "w");
    if (!out) {
        std::perror(outPath);
        return 2;
    }
    const long long user = toUs(usage.ru_utime);
    const long long sys = toUs(usage.ru_stime);
    std::fprintf(out,
                 "{\"status\":%d,\"signal\":%d,\"user_us\":%lld,\"sys_us\":%lld,\"cpu_us\":%lld,"
                 "\"maxrss_kb\":%ld,\"wall_us\":%lld,\"timed_out\":%s}\n",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0, user, sys, user + sys,
                 usage.ru_maxrss, wall, timedOut ? "true" : "false");
    std::fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
