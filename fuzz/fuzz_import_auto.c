/* libFuzzer harness: trace importer, auto-detected format. */
#define FUZZ_IMPORT_FORMAT NULL
#include "fuzz_import_common.h"
