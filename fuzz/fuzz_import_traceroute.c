/* libFuzzer harness: trace importer, format "traceroute". */
#define FUZZ_IMPORT_FORMAT "traceroute"
#include "fuzz_import_common.h"
