// This process's own CPU time and peak resident memory (getrusage), for the benchmarks that
// measure themselves (guibench, importbench).
#pragma once

#include <QtGlobal>

#include <sys/resource.h>

// User + system CPU time of every thread so far, in microseconds.
inline qint64 processCpuUs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return (qint64(usage.ru_utime.tv_sec) + usage.ru_stime.tv_sec) * 1000000 +
           usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

// The peak resident set so far, in KiB.
inline qint64 peakRssKb()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}
