// Compiled by tests/layering/ with the include path of one layer of the core: it includes
// SIOSCOPE_PROBE_HEADER, which that layer may or may not be allowed to see.
#include SIOSCOPE_PROBE_HEADER
